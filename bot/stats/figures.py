"""What each figure means: the one place the definitions live (the README's table repeats them for readers).

For a period ``[from, to)`` in the bureau's time zone and a scope, every figure is taken *as of the period's
end* (for a period that has not ended: as of now) from the trail of steps (``CaseEvent``) and the facts frozen
on them, so a report for a past period gives the same figures tomorrow:

- 受理数 ``received``: cases created in the period, less those cancelled by the resident or merged into
  another case (a duplicate counts once, on its primary) by the period's end.
- 立案数 ``registered``: of those, the ones not 不予立案 (``invalid``) by the period's end. 立案率 = 立案数 / 受理数.
- 派遣数 ``dispatched``: cases first dispatched in the period. 派遣率 = 派遣数 / 立案数.
- 结案数 ``closed``: cases closed (核查结案, by the bureau or automatically) in the period, each case once.
- 应结案数 ``due``: 结案数 plus the cases whose deadline (as it stood, extensions included) fell in the period
  and that were still not closed, nor invalid, cancelled or merged, at the period's end; each case once.
  结案率 = 结案数 / 应结案数.
- 按期结案数 ``closed_on_time``: of 结案, those whose resolution was on time (frozen when it was resolved;
  an approved extension moves the deadline; a case closed twice in the period counts only if both were).
  按期结案率 = 按期结案数 / 应结案数.
- 超期数 ``overdue``: of 应结案, those resolved late, or still unresolved (or resolved late) at the period's end.
- 返工数 ``reopened``: reopenings in the period (a resident's 不满意 or 核查不通过). 返工率 = 返工数 / 应结案数.
- 延期数 ``extended``: approved extensions in the period. 延期率 = 延期数 / 应结案数.
- 满意率: (满意 + 基本满意) / ratings given in the period. 评价率 = cases rated / cases resolved in the period.
- Time to resolve: working hours from dispatch to resolution of the resolutions in the period (p50, p90).

A rate with a zero denominator is undefined: ``None`` here, "—" on every page, never 0 % or 100 %.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

SATISFIED, FAIRLY_SATISFIED, DISSATISFIED = 1, 2, 3  # the resident's 1 满意 / 2 基本满意 / 3 不满意


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class Figures:
    """The counts for one period and scope; the rates are derived, never stored."""

    received: int = 0
    registered: int = 0
    dispatched: int = 0
    due: int = 0
    closed: int = 0
    closed_on_time: int = 0
    overdue: int = 0
    reopened: int = 0
    extended: int = 0
    resolved: int = 0
    rated: int = 0
    ratings: dict[int, int] = field(default_factory=lambda: {SATISFIED: 0, FAIRLY_SATISFIED: 0, DISSATISFIED: 0})

    @property
    def registration_rate(self) -> float | None:
        return ratio(self.registered, self.received)

    @property
    def dispatch_rate(self) -> float | None:
        return ratio(self.dispatched, self.registered)

    @property
    def closure_rate(self) -> float | None:
        return ratio(self.closed, self.due)

    @property
    def on_time_rate(self) -> float | None:
        return ratio(self.closed_on_time, self.due)

    @property
    def rework_rate(self) -> float | None:
        return ratio(self.reopened, self.due)

    @property
    def extension_rate(self) -> float | None:
        return ratio(self.extended, self.due)

    @property
    def satisfaction_rate(self) -> float | None:
        return ratio(self.ratings[SATISFIED] + self.ratings[FAIRLY_SATISFIED], sum(self.ratings.values()))

    @property
    def rating_rate(self) -> float | None:
        return ratio(self.rated, self.resolved)

    def as_json(self) -> dict[str, Any]:
        """The counts and the rates as fractions (``None`` when undefined), for ``citybot stats --json``."""
        counts = asdict(self)
        counts["ratings"] = {str(value): n for value, n in sorted(self.ratings.items())}
        return counts | {name: getattr(self, name) for name in RATES}


RATES = ("registration_rate", "dispatch_rate", "closure_rate", "on_time_rate", "rework_rate", "extension_rate",
         "satisfaction_rate", "rating_rate")


@dataclass(frozen=True)
class Line:
    """One figure as reports show it: its Chinese label and the attribute of ``Figures`` that holds it."""

    label: str
    key: str

    @property
    def is_rate(self) -> bool:
        return self.key.endswith("_rate")

    def of(self, figures: Figures) -> int | float | None:
        return getattr(figures, self.key)


# The figures in the order of the weekly and monthly reports' 汇总 sheet (one per row).
SUMMARY = (Line("受理数", "received"), Line("立案数", "registered"), Line("立案率", "registration_rate"),
           Line("派遣数", "dispatched"), Line("应结案数", "due"), Line("结案数", "closed"),
           Line("结案率", "closure_rate"), Line("按期结案数", "closed_on_time"), Line("按期结案率", "on_time_rate"),
           Line("超期数", "overdue"), Line("返工数", "reopened"), Line("返工率", "rework_rate"),
           Line("延期数", "extended"), Line("满意率", "satisfaction_rate"))


def percent(value: float | None, digits: int = 1) -> str:
    """A rate for people: ``98.5%``, or ``—`` when undefined."""
    return "—" if value is None else f"{value * 100:.{digits}f}%"


def total(groups: dict[Any, Figures]) -> Figures:
    """The figures of a whole scope from its split by a column of the case (``figures_by``): every count is of
    cases, steps or ratings of exactly one group (``None`` included), so the sums are the scope's figures and a
    page that shows both needs one pass over the period, not two."""
    counts = {f.name: sum(getattr(g, f.name) for g in groups.values()) for f in fields(Figures) if f.name != "ratings"}
    ratings = {value: sum(g.ratings[value] for g in groups.values()) for value in (SATISFIED, FAIRLY_SATISFIED,
                                                                                    DISSATISFIED)}
    return Figures(**counts, ratings=ratings)
