"""Each unit's load for the console's units page: open cases and overdue ones, with the unit's staff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from bot.dispatch.states import HANDLING_STATES, TODO_STATES, values
from bot.models import Case, Staff, Unit


@dataclass(frozen=True)
class UnitLoad:
    unit: Unit
    open: int  # on the unit's 待办 list
    overdue: int  # being handled past the deadline (督办)
    staff: list[Staff]


def unit_loads(session: Session, now: datetime, unit_scope: str | None = None) -> list[UnitLoad]:
    """Every unit (or only ``unit_scope``), squads first, with its open and overdue counts."""
    overdue = and_(Case.state.in_(values(HANDLING_STATES)), Case.deadline < now)
    counts = {code: (total, late) for code, total, late in session.execute(
        select(Case.unit_code, func.count(), func.count().filter(overdue))
        .where(Case.state.in_(values(TODO_STATES)), Case.unit_code.is_not(None)).group_by(Case.unit_code))}
    units = select(Unit).order_by(Unit.kind.desc(), Unit.code)
    if unit_scope is not None:
        units = units.where(Unit.code == unit_scope)
    staff: dict[str, list[Staff]] = {}
    for member in session.scalars(select(Staff).where(Staff.active).order_by(Staff.role, Staff.name)):
        staff.setdefault(member.unit_code, []).append(member)
    return [UnitLoad(unit, *counts.get(unit.code, (0, 0)), staff.get(unit.code, []))
            for unit in session.scalars(units)]
