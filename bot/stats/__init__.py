"""The figures the bureau is judged by (立案率, 结案率, 按期结案率, 返工率, 满意率 …), computed once, in SQL.

``figures`` defines every count and rate; ``counting`` computes them for a period and a scope as of the
period's end, from the frozen trail of steps, so a past period's figures never change; ``breakdowns``
splits them by unit, category, day and grid and lists the SLA view. The console, the CLI, the reports
and the public page all call these functions.
"""
