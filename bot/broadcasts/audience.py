"""Who a broadcast is for, and WeChat's monthly limit: the areas residents can choose, the audience of
each kind as one SQL query, and how many of it already had their 4 mass messages this calendar month.

Everything stays in SQL (no list of 200,000 ids in memory): the audience is a ``SELECT`` of resident ids
that the planner inserts into ``broadcast_recipient`` with ``INSERT … SELECT``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from bot.broadcasts.errors import AmbiguousArea, BadAudience, UnknownArea
from bot.core.text import normalise
from bot.models import AreaSubscription, BroadcastRecipient, Case, Grid, Resident
from bot.models.broadcast import AudienceKind

SUFFIXES = ("街道办事处", "街道", "社区", "镇", "乡", "村")
MAX_DAYS = 366


@dataclass(frozen=True)
class Area:
    name: str
    kind: str  # street | community


@dataclass(frozen=True)
class Audience:
    """``all``, ``area:<name>`` or ``reported:<name>:<days>``."""

    kind: AudienceKind
    area: str | None = None
    days: int | None = None

    def __str__(self) -> str:
        if self.kind is AudienceKind.ALL:
            return "all"
        return f"{self.kind}:{self.area}" + (f":{self.days}" if self.kind is AudienceKind.REPORTED else "")


@dataclass(frozen=True)
class AudienceSize:
    total: int  # residents the audience holds (as we know them)
    over_limit: int  # of whom this many already had the monthly limit of mass messages
    month: str

    @property
    def reachable(self) -> int:
        return self.total - self.over_limit

    @property
    def mostly_over(self) -> bool:
        """Most of the audience would be left out: sending to everyone must be confirmed."""
        return self.total > 0 and self.over_limit * 2 > self.total


def areas(session: Session) -> list[Area]:
    """Streets and communities of the loaded area, streets first."""
    streets = session.scalars(select(Grid.street).where(Grid.street.is_not(None)).distinct().order_by(Grid.street))
    communities = session.scalars(select(Grid.community).where(Grid.community.is_not(None)).distinct()
                                  .order_by(Grid.community))
    return [Area(s, "street") for s in streets if s] + [Area(c, "community") for c in communities if c]


def _core(name: str) -> str:
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def find_area(session: Session, query: str) -> Area:
    """The area a resident or dispatcher means: exact name, else the same name without 街道/社区/镇, else the one
    name containing the words ("南山" → 南山社区). Raises ``UnknownArea`` / ``AmbiguousArea`` with the choices."""
    wanted = normalise(query).strip().replace(" ", "")
    known = areas(session)
    if not wanted:
        raise UnknownArea(query, [a.name for a in known])
    for test in (lambda a: a.name == wanted, lambda a: _core(a.name) == _core(wanted),
                 lambda a: wanted in a.name or _core(a.name) in wanted):
        found = [a for a in known if test(a)]
        if len(found) == 1:
            return found[0]
        if found:
            raise AmbiguousArea(query, [a.name for a in found])
    raise UnknownArea(query, [a.name for a in known])


def parse_audience(session: Session, text: str) -> Audience:
    """``all`` | ``area:<name>`` | ``reported:<name>:<days>`` (the CLI's and the console's spelling)."""
    kind, _, rest = text.strip().partition(":")
    if kind == AudienceKind.ALL and not rest:
        return Audience(AudienceKind.ALL)
    if kind == AudienceKind.AREA and rest:
        return Audience(AudienceKind.AREA, find_area(session, rest).name)
    if kind == AudienceKind.REPORTED:
        name, _, days = rest.rpartition(":")
        if name and days.isdigit() and 1 <= int(days) <= MAX_DAYS:
            return Audience(AudienceKind.REPORTED, find_area(session, name).name, int(days))
    raise BadAudience(f"audience must be all, area:<name> or reported:<name>:<days 1-{MAX_DAYS}>, not {text!r}")


def month_of(moment: datetime, zone: ZoneInfo) -> str:
    """The calendar month WeChat counts in, in the bureau's zone: '2026-11'."""
    return moment.astimezone(zone).strftime("%Y-%m")


def members(audience: Audience, now: datetime) -> Select[int]:
    """The residents' ids the audience holds (followers only)."""
    query = select(Resident.id).where(Resident.subscribed)
    if audience.kind is AudienceKind.AREA:
        return query.where(Resident.id.in_(select(AreaSubscription.resident_id).where(
            AreaSubscription.area == audience.area, AreaSubscription.active)))
    if audience.kind is AudienceKind.REPORTED:
        assert audience.days is not None
        grids = select(Grid.code).where(or_(Grid.street == audience.area, Grid.community == audience.area))
        return query.where(Resident.id.in_(select(Case.reporter_id).where(
            Case.reporter_id.is_not(None), Case.grid_code.in_(grids),
            Case.created_at >= now - timedelta(days=audience.days))))
    return query


def at_limit(month: str, limit: int) -> Select[int]:
    """Residents who already received ``limit`` mass messages in ``month``."""
    return (select(BroadcastRecipient.resident_id)
            .where(BroadcastRecipient.month == month, BroadcastRecipient.counted)
            .group_by(BroadcastRecipient.resident_id).having(func.count() >= limit))


def size(session: Session, audience: Audience, now: datetime, zone: ZoneInfo, limit: int) -> AudienceSize:
    month = month_of(now, zone)
    ids = members(audience, now).subquery()
    total = session.scalar(select(func.count()).select_from(ids)) or 0
    over = session.scalar(select(func.count()).select_from(ids).where(ids.c.id.in_(at_limit(month, limit)))) or 0
    return AudienceSize(total, over, month)
