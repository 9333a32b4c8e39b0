"""The bureau's view of all cases: one filter, keyset pages, the dashboard counters, the map and CSV export.

Every surface that lists cases for the bureau (the console's list, its dashboard, its map, the CSV
export) reads through here, so a counter and the list it links to always agree (``counter_filters``)
and a leader's unit scope is applied in one place (``CaseFilter.unit_scope``, always ANDed).

Pages are keyset pages, never OFFSET: a cursor names the last row's sort key and id, and the next page
is "the next ``limit`` rows after it" — page 2000 costs what page 1 costs on a million cases, and rows
inserted meanwhile never shift a page. The indexes that make each query an index scan are listed in
``docs/console-performance.md``.

"Today", "overdue" and the filter's dates are the bureau's local ones: the functions take ``now``
(``Deps.now()``, so tests move it) and the zone (``Deps.calendar.zone``).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, tuple_
from sqlalchemy.orm import Session

from bot.core.text import normalise
from bot.dispatch.numbers import is_case_number
from bot.dispatch.states import HANDLING_STATES, values
from bot.models import Case, ExtensionRequest, Unit
from bot.models.enums import Channel, State
from bot.understanding.taxonomy import Taxonomy

ORDERS = ("newest", "deadline")  # newest first; nearest deadline first (then cases without one, oldest first)
MAX_LIMIT = 1000
# 待分拨: what the dispatcher must decide before any unit works on it (a triage reason is set).
TRIAGE_STATES = frozenset({State.RECEIVED, State.RETURNED, State.REOPENED})
CSV_COLUMNS = ("number", "created_at", "state", "category_code", "category_name", "grid_code", "unit",
               "deadline", "overdue", "channel")

_STATES = frozenset(s.value for s in State)
_CHANNELS = frozenset(c.value for c in Channel)
_TRUE, _FALSE = frozenset({"1", "true", "yes", "on"}), frozenset({"0", "false", "no", "off"})
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


class SearchError(ValueError):
    """A request the list cannot answer (a tampered cursor, an unknown order): the caller's 400, not a 500."""


class BadCursor(SearchError):
    """The cursor was not made by ``search`` for this order (edited, truncated, or from another order)."""


@dataclass(frozen=True)
class CaseFilter:
    """What the bureau asks for; every field set narrows the list (fields are ANDed).

    Dates are the bureau's local dates, both ends included. ``text`` is a case number (that case) or words
    that must all appear in the description. ``unit_scope`` is not a choice but a right: a unit leader's
    unit, ANDed with everything else, and never read from a query string.
    """

    states: tuple[str, ...] = ()
    category: str | None = None
    unit: str | None = None
    grid: str | None = None
    overdue: bool | None = None  # being handled and past its deadline (超期)
    channel: str | None = None
    created_from: date | None = None
    created_to: date | None = None
    text: str | None = None
    triage: bool | None = None  # waits for the dispatcher (待分拨)
    due_on: date | None = None  # being handled, deadline within that local day (今日到期)
    extension_pending: bool | None = None  # a squad's 延期 request awaits the bureau (延期待批)
    unit_scope: str | None = None

    # Query-string names of the fields (``unit_scope`` has none on purpose).
    ARGS: ClassVar[dict[str, str]] = {
        "states": "state", "category": "category", "unit": "unit", "grid": "grid", "overdue": "overdue",
        "channel": "channel", "created_from": "from", "created_to": "to", "text": "q", "triage": "triage",
        "due_on": "due", "extension_pending": "extension"}

    @classmethod
    def from_args(cls, args: Mapping[str, Any], *, unit_scope: str | None = None) -> CaseFilter:
        """Read a query string leniently: a value that does not parse is ignored, never an error.

        ``state`` may repeat (a ``MultiDict``) or be comma-separated; booleans are 1/0, true/false, yes/no,
        on/off; dates are ISO (``2026-11-24``).
        """
        getlist = getattr(args, "getlist", None)
        raw_states = getlist("state") if callable(getlist) else [args.get("state") or ""]
        states = tuple(dict.fromkeys(s.strip() for v in raw_states for s in str(v).split(",")
                                     if s.strip() in _STATES))
        channel = _text(args, "channel", 16)
        return cls(
            states=states, category=_text(args, "category", 8), unit=_text(args, "unit", 32),
            grid=_text(args, "grid", 20), overdue=_bool(args, "overdue"),
            channel=channel if channel in _CHANNELS else None,
            created_from=_date(args, "from"), created_to=_date(args, "to"), text=_text(args, "q", 100),
            triage=_bool(args, "triage"), due_on=_date(args, "due"), extension_pending=_bool(args, "extension"),
            unit_scope=unit_scope)

    def to_args(self) -> dict[str, str]:
        """The query string that reads back as this filter (for links and the next page); scope excluded."""
        args: dict[str, str] = {}
        for name, key in self.ARGS.items():
            value = getattr(self, name)
            if value is None or value == ():
                continue
            if isinstance(value, tuple):
                args[key] = ",".join(value)
            elif isinstance(value, bool):
                args[key] = "1" if value else "0"
            else:
                args[key] = value.isoformat() if isinstance(value, date) else str(value)
        return args


@dataclass(frozen=True)
class Page:
    cases: list[Case]
    next_cursor: str | None  # None on the last page


@dataclass(frozen=True)
class Counters:
    """The dashboard's numbers; each is the length of the list ``counter_filters`` gives for it."""

    triage: int  # 待分拨
    overdue: int  # 超期
    due_today: int  # 今日到期
    new_today: int  # 今日新增
    awaiting_verification: int  # 待核查 (resolved)
    extensions_pending: int  # 延期待批 (cases with a pending request)


@dataclass(frozen=True)
class MapPoint:
    number: str
    lat: float
    lng: float
    state: str
    category_code: str | None
    overdue: bool


def search(session: Session, f: CaseFilter, *, now: datetime, zone: ZoneInfo, order: str = "newest",
           after: str | None = None, limit: int = 50) -> Page:
    """One page of the cases matching ``f`` in ``order``, after the cursor ``after`` (the first page if empty).

    Raises ``SearchError`` (a ``ValueError``) for an unknown order or limit and ``BadCursor`` for a cursor
    this function did not make for this order.
    """
    if not 1 <= limit <= MAX_LIMIT:
        raise SearchError(f"limit must be 1–{MAX_LIMIT}")
    _check_order(order)
    key = _decode(after, order) if after else None  # an empty cursor (``?after=``) is the first page
    query = select(Case).where(*conditions(f, now, zone))
    floor = _midnight(f.created_from, zone) if f.created_from is not None else None
    cases = list(_fetch(session, query, order, key, limit + 1, entities=True, floor=floor))
    more = len(cases) > limit
    cases = cases[:limit]
    return Page(cases, _encode(order, cases[-1]) if more else None)


def counter_filters(today: date, unit_scope: str | None = None) -> dict[str, CaseFilter]:
    """The list behind each dashboard counter (the counter links to it)."""
    return {
        "triage": CaseFilter(triage=True, unit_scope=unit_scope),
        "overdue": CaseFilter(overdue=True, unit_scope=unit_scope),
        "due_today": CaseFilter(due_on=today, unit_scope=unit_scope),
        "new_today": CaseFilter(created_from=today, created_to=today, unit_scope=unit_scope),
        "awaiting_verification": CaseFilter(states=(State.RESOLVED.value,), unit_scope=unit_scope),
        "extensions_pending": CaseFilter(extension_pending=True, unit_scope=unit_scope),
    }


def counters(session: Session, now: datetime, zone: ZoneInfo, unit_scope: str | None = None) -> Counters:
    """The dashboard's counters in one round trip: one indexed COUNT per counter, as scalar subqueries."""
    filters = counter_filters(now.astimezone(zone).date(), unit_scope)
    counts = [select(func.count()).select_from(Case).where(*conditions(f, now, zone)).scalar_subquery().label(name)
              for name, f in filters.items()]
    return Counters(**session.execute(select(*counts)).one()._asdict())


def newest(session: Session, limit: int = 10, unit_scope: str | None = None) -> list[Case]:
    """The latest cases (the dashboard's list), newest first."""
    query = select(Case).order_by(Case.created_at.desc(), Case.id.desc()).limit(limit)
    if unit_scope is not None:
        query = query.where(Case.unit_code == unit_scope)
    return list(session.scalars(query))


def map_points(session: Session, f: CaseFilter, *, now: datetime, zone: ZoneInfo, limit: int = 5000) -> list[MapPoint]:
    """The located cases matching ``f``, newest first, at most ``limit`` (the map clusters them)."""
    query = (select(Case.number, Case.lat, Case.lng, Case.state, Case.category_code, _overdue(now).label("overdue"))
             .where(*conditions(f, now, zone), Case.lat.is_not(None), Case.lng.is_not(None))
             .order_by(Case.created_at.desc(), Case.id.desc()).limit(limit))
    return [MapPoint(r.number, r.lat, r.lng, r.state, r.category_code, bool(r.overdue)) for r in session.execute(query)]


def iter_csv_rows(session: Session, f: CaseFilter, taxonomy: Taxonomy, *, now: datetime, zone: ZoneInfo,
                  state_labels: Mapping[str, str] | None = None, batch: int = 1000) -> Iterator[list[str]]:
    """The matching cases as CSV rows (``CSV_COLUMNS``), newest first, read in keyset batches.

    Nothing that identifies a resident is in a row. Times are local (``YYYY-MM-DD HH:MM``); ``overdue`` is
    ``1`` for a case past its deadline now or resolved late (超期), ``0`` with a deadline kept or not yet
    passed, empty without a deadline. ``state_labels`` (the surface's words) replace the state codes.
    """
    labels = state_labels or {}
    units: dict[str, str] = {code: name for code, name in session.execute(select(Unit.code, Unit.name))}
    query = select(Case.id, Case.number, Case.created_at, Case.state, Case.category_code, Case.grid_code,
                   Case.unit_code, Case.deadline, Case.on_time, Case.channel,
                   _overdue(now).label("overdue")).where(*conditions(f, now, zone))
    key: _Key | None = None
    while True:
        rows = _fetch(session, query, "newest", key, batch, entities=False)
        for r in rows:
            category = taxonomy.categories.get(r.category_code) if r.category_code else None
            late = bool(r.overdue) or r.on_time is False
            yield [r.number, _local(r.created_at, zone), labels.get(r.state, r.state), r.category_code or "",
                   category.name if category else "", r.grid_code or "", units.get(r.unit_code, r.unit_code or ""),
                   _local(r.deadline, zone), "" if r.deadline is None else ("1" if late else "0"), r.channel]
        if len(rows) < batch:
            return
        key = _Key("newest", rows[-1].created_at, rows[-1].id)


# -- the filter in SQL ----------------------------------------------------------------------------
def conditions(f: CaseFilter, now: datetime, zone: ZoneInfo) -> list[ColumnElement[bool]]:
    """``f`` as SQL conditions on ``Case`` (ANDed), for queries of other shapes (e.g. a statistics view)."""
    where: list[ColumnElement[bool]] = []
    if f.unit_scope is not None:
        where.append(Case.unit_code == f.unit_scope)
    if f.states:
        where.append(Case.state.in_(f.states))
    for column, value in ((Case.category_code, f.category), (Case.unit_code, f.unit), (Case.grid_code, f.grid),
                          (Case.channel, f.channel)):
        if value is not None:
            where.append(column == value)
    if f.created_from is not None:
        where.append(Case.created_at >= _midnight(f.created_from, zone))
    if f.created_to is not None:
        where.append(Case.created_at < _midnight(f.created_to + timedelta(days=1), zone))
    if f.text:
        if is_case_number(f.text):
            where.append(Case.number == f.text)
        else:
            where.extend(Case.description.icontains(word, autoescape=True) for word in f.text.split())
    if f.overdue is not None:
        where.append(_overdue(now) if f.overdue else _not_overdue(now))
    if f.triage is not None:
        triage = and_(Case.triage_reason.is_not(None), Case.state.in_(values(TRIAGE_STATES)))
        where.append(triage if f.triage else or_(Case.triage_reason.is_(None),
                                                 Case.state.not_in(values(TRIAGE_STATES))))
    if f.due_on is not None:
        where.extend([Case.state.in_(values(HANDLING_STATES)), Case.deadline >= _midnight(f.due_on, zone),
                      Case.deadline < _midnight(f.due_on + timedelta(days=1), zone)])
    if f.extension_pending is not None:
        pending = Case.id.in_(select(ExtensionRequest.case_id).where(ExtensionRequest.state == "pending"))
        where.append(pending if f.extension_pending else ~pending)
    return where


def _overdue(now: datetime) -> ColumnElement[bool]:
    """超期: a unit holds it and its deadline has passed (resolving exactly at the deadline is 按期)."""
    return and_(Case.state.in_(values(HANDLING_STATES)), Case.deadline < now)


def _not_overdue(now: datetime) -> ColumnElement[bool]:
    return or_(Case.state.not_in(values(HANDLING_STATES)), Case.deadline.is_(None), Case.deadline >= now)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone)


def _local(moment: datetime | None, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M}" if moment else ""


# -- keyset pages ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Key:
    """Where a page ended: the last row's sort key and id.

    ``newest``: ``created_at``, descending. In deadline order, ``deadline``: cases with a deadline by
    ``deadline`` ascending, then ``undated``: those without one by ``created_at`` ascending (waiting longest first).
    """

    tag: str  # newest | deadline | undated
    at: datetime
    id: int


_TAGS = {"newest": ("newest",), "deadline": ("deadline", "undated")}


def _fetch(session: Session, query: Select[*tuple[Any, ...]], order: str, key: _Key | None, limit: int, *,
           entities: bool, floor: datetime | None = None) -> list[Any]:
    """Up to ``limit`` rows of ``query`` after ``key`` in ``order``: Case objects, or rows of columns.

    Row-value comparisons (``(created_at, id) < (:at, :id)``) are index range conditions on PostgreSQL, so
    a deep page reads what the first page reads. The deadline order runs two range scans, since a row
    comparison never matches NULL. ``floor`` (the filter's first creation moment) also bounds the deadlines:
    a deadline is never before its case was created, and without the bound PostgreSQL may walk the deadline
    index from a year ago to find this week's cases.
    """
    run: Callable[[Select[*tuple[Any, ...]]], Any] = session.scalars if entities else session.execute

    def page(q: Select[*tuple[Any, ...]], n: int) -> list[Any]:
        return list(run(q.limit(n)))

    if order == "newest":
        q = query.order_by(Case.created_at.desc(), Case.id.desc())
        return page(q if key is None else q.where(tuple_(Case.created_at, Case.id) < (key.at, key.id)), limit)
    rows: list[Any] = []
    if key is None or key.tag == "deadline":
        q = query.where(Case.deadline.is_not(None) if floor is None else Case.deadline >= floor)
        q = q if key is None else q.where(tuple_(Case.deadline, Case.id) > (key.at, key.id))
        rows = page(q.order_by(Case.deadline, Case.id), limit)
    if len(rows) < limit:
        q = query.where(Case.deadline.is_(None))
        q = q if key is None or key.tag != "undated" else q.where(tuple_(Case.created_at, Case.id) > (key.at, key.id))
        rows += page(q.order_by(Case.created_at, Case.id), limit - len(rows))
    return rows


def _check_order(order: str) -> None:
    if order not in ORDERS:
        raise SearchError(f"unknown order {order!r}")


def _encode(order: str, case: Case) -> str:
    tag, at = ("newest", case.created_at) if order == "newest" else (
        ("deadline", case.deadline) if case.deadline is not None else ("undated", case.created_at))
    payload = json.dumps([tag, (at - _EPOCH) // _MICROSECOND, case.id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def _decode(cursor: str, order: str) -> _Key:
    try:
        if len(cursor) > 120:
            raise ValueError("too long")
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        tag, micros, case_id = json.loads(raw)
        if tag not in _TAGS[order] or type(micros) is not int or type(case_id) is not int:
            raise ValueError("not a cursor of this order")
        return _Key(tag, _EPOCH + micros * _MICROSECOND, case_id)
    except (ValueError, TypeError, OverflowError, binascii.Error) as exc:
        raise BadCursor("this page link is not valid any more; start from the first page") from exc


# -- lenient query-string parsing -----------------------------------------------------------------
def _text(args: Mapping[str, Any], key: str, longest: int) -> str | None:
    value = normalise(str(args.get(key) or ""))
    return value if value and len(value) <= longest else None


def _bool(args: Mapping[str, Any], key: str) -> bool | None:
    value = str(args.get(key) or "").strip().lower()
    return True if value in _TRUE else False if value in _FALSE else None


def _date(args: Mapping[str, Any], key: str) -> date | None:
    try:
        day = date.fromisoformat(str(args.get(key) or "").strip())
    except ValueError:
        return None
    return day if 2000 <= day.year <= 2100 else None
