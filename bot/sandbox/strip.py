"""The "刚刚发生" strip: the case the simulator's last action concerned, with its state and handling."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot import texts
from bot.models import Case, CaseEvent, Grid, Resident, Staff, Unit
from bot.services import Services


def focus_case(session: Session, openid: str, userid: str) -> Case | None:
    """The case of the newest step among the cases on screen: the resident's own (and those theirs were
    merged into) and the member's unit's. A squad's 签收 of an older case brings that case back."""
    resident_id = session.scalar(select(Resident.id).where(Resident.openid == openid)) if openid else None
    staff = session.get(Staff, userid) if userid else None
    shown = []
    if resident_id is not None:
        shown += [Case.reporter_id == resident_id,
                  Case.id.in_(select(Case.merged_into_id).where(Case.reporter_id == resident_id))]
    if staff is not None:
        shown.append(Case.unit_code == staff.unit_code)
    if not shown:
        return None
    return session.scalar(select(Case).join(CaseEvent, CaseEvent.case_id == Case.id).where(or_(*shown))
                          .order_by(CaseEvent.id.desc()).limit(1))


def describe(session: Session, services: Services, case: Case) -> dict[str, Any]:
    taxonomy, code = services.understanding.taxonomy, case.category_code
    grid = session.get(Grid, case.grid_code) if case.grid_code else None
    unit = session.get(Unit, case.unit_code) if case.unit_code else None
    return {
        "number": case.number, "state": texts.STATE_LABELS.get(case.state, case.state),
        "category": taxonomy[code].name if code is not None and code in taxonomy else None,
        "grid": grid.name if grid else None, "unit": unit.name if unit else case.unit_code,
        "deadline": texts.local_time(case.deadline, services.settings.timezone) if case.deadline else None,
        "triage": case.triage_reason, "merged_into": case.merged_into.number if case.merged_into else None,
    }
