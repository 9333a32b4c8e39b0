"""Duplicates: a new case of the same problem near an open one (default 100 m, 48 h) is merged.

The same problem: the same category, or one of its duplicate group in the taxonomy (垃圾桶满溢 and
暴露垃圾 at one spot are one problem).

The check is a bounding-box query on indexed columns (``ix_case_category_lat_lng``), then exact
distances for the few candidates, so it stays fast with 100 000 open cases on PostgreSQL or SQLite.
The merged case's reporter follows the primary case from then on; the squad gets no second card.
The dispatcher can split a wrong merge.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.after_commit import after_commit
from bot.dispatch.actor import Actor
from bot.dispatch.deps import Deps
from bot.dispatch.errors import NotMerged
from bot.dispatch.states import OPEN_STATES, transition, values
from bot.geo.datum import distance_m
from bot.models import Case
from bot.models.enums import State

METRES_PER_DEGREE = 111_320.0


def find_primary(session: Session, case: Case, categories: frozenset[str], radius_m: float,
                 window: timedelta) -> Case | None:
    """The oldest open case of one of ``categories`` (``case``'s duplicate group) within ``radius_m`` created
    within ``window``."""
    if case.lat is None or case.lng is None:
        return None
    d_lat = radius_m / METRES_PER_DEGREE
    d_lng = radius_m / (METRES_PER_DEGREE * max(math.cos(math.radians(case.lat)), 0.01))
    candidates = session.scalars(
        select(Case).where(
            Case.category_code.in_(sorted(categories)),
            Case.lat.between(case.lat - d_lat, case.lat + d_lat),
            Case.lng.between(case.lng - d_lng, case.lng + d_lng),
            Case.state.in_(values(OPEN_STATES)),
            Case.merged_into_id.is_(None),
            Case.id != case.id,
            Case.created_at >= case.created_at - window,
        ).order_by(Case.id)
    )
    for candidate in candidates:
        assert candidate.lat is not None and candidate.lng is not None, "between() matched only located cases"
        if distance_m(case.lat, case.lng, candidate.lat, candidate.lng) <= radius_m:
            return candidate
    return None


def merge(session: Session, case: Case, primary: Case, at: datetime) -> None:
    transition(session, case, "merge", Actor.system(), at=at, note=f"与 {primary.number} 为同一问题，合并处理")
    case.merged_into_id = primary.id


def split(session: Session, deps: Deps, case: Case, actor: Actor) -> Case:
    """Undo a wrong merge: the case is ``received`` again, and dispatched on its own if it is routed."""
    if case.state != State.MERGED:
        raise NotMerged(case.number)
    transition(session, case, "split", actor, at=deps.now(),
               note=f"与 {case.merged_into.number if case.merged_into else '?'} 拆分")
    case.merged_into_id = None
    after_commit(session, "dispatch_case", case.id)
    return case
