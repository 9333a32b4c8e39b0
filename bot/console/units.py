"""Units and staff ``/console/units``: who is in which unit, each unit's open load and overdue count."""

from __future__ import annotations

from flask import render_template

from bot.console import labels
from bot.console.access import require, unit_scope
from bot.console.blueprint import bp, db, deps
from bot.dispatch.case_search import CaseFilter
from bot.dispatch.states import TODO_STATES, values
from bot.dispatch.workload import unit_loads


@bp.get("/units")
@require("stats")
def units() -> str:
    loads = unit_loads(db(), deps().now(), unit_scope())
    todo = ",".join(values(TODO_STATES))
    links = {load.unit.code: (CaseFilter(unit=load.unit.code).to_args() | {"state": todo},
                              CaseFilter(unit=load.unit.code, overdue=True).to_args()) for load in loads}
    return render_template("console/units.html", loads=loads, links=links, labels=labels)
