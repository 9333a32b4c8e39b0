"""The bureau's case list (bot.dispatch.case_search): filters, the unit scope, keyset pages, cursors,
the dashboard counters at their boundaries (local midnight, the deadline itself), the map and CSV export."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from bot.dispatch.case_search import (
    CSV_COLUMNS,
    BadCursor,
    CaseFilter,
    Counters,
    SearchError,
    counter_filters,
    counters,
    iter_csv_rows,
    map_points,
    newest,
    search,
)
from bot.dispatch.states import OPEN_STATES, values
from bot.models import Case, ExtensionRequest, Resident
from bot.models.case import OPEN_STATES_SQL
from bot.understanding.taxonomy import load_taxonomy
from tests.support import make_case, make_resident

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=ZONE)  # a Tuesday morning, local time
GRID_A, GRID_B = "330127002001001", "330127001001001"


def local(day: int, hour: int = 9, minute: int = 0, second: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=ZONE)


def numbers(cases: list[Case]) -> list[str]:
    return [c.number for c in cases]


def found(db: Session, f: CaseFilter, now: datetime = NOW) -> set[str]:
    return set(numbers(search(db, f, now=now, zone=ZONE, limit=1000).cases))


def every_page(db: Session, f: CaseFilter, order: str, limit: int, now: datetime = NOW) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        page = search(db, f, now=now, zone=ZONE, order=order, after=cursor, limit=limit)
        pages.append(numbers(page.cases))
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor


@pytest.fixture
def reporter(db: Session) -> Resident:
    return make_resident(db)


@pytest.fixture
def town(db: Session, reporter: Resident) -> dict[str, Case]:
    """Five cases that differ in every filtered field."""
    cases = {
        "overdue": make_case(db, reporter, state="dispatched", grid_code=GRID_A, created_at=local(23, 20),
                             deadline=NOW - timedelta(hours=1), description="明珠菜场门口烧烤，烟很大"),
        "triage": make_case(db, reporter, state="received", category_code=None, unit_code=None,
                            triage_reason="low_confidence", channel="hotline", created_at=local(24, 8),
                            description="这里有点问题 100 米"),
        "resolved": make_case(db, reporter, state="resolved", category_code="E0102", unit_code="环卫处",
                              grid_code=GRID_B, created_at=local(1), deadline=local(1, 13), on_time=True,
                              description="路边垃圾堆了好几天"),
        "due": make_case(db, reporter, state="accepted", unit_code="SQ01", grid_code=GRID_B, created_at=local(20),
                         deadline=local(24, 17), description="门口摆摊卖水果"),
        "closed": make_case(db, reporter, state="closed", category_code="C0101", unit_code="市政处", channel="patrol",
                            created_at=local(2, month=10), deadline=local(3, month=10), on_time=False,
                            description="井盖丢了，很危险"),
    }
    db.add(ExtensionRequest(case_id=cases["due"].id, requested_by="zhoubin", days=2, reason="等材料"))
    db.add(ExtensionRequest(case_id=cases["overdue"].id, requested_by="wujingjing", days=1, reason="人手",
                            state="refused"))
    db.commit()
    return cases


def test_each_filter_narrows_the_list(db: Session, town: dict[str, Case]):
    n = {name: case.number for name, case in town.items()}
    assert found(db, CaseFilter()) == set(n.values())
    assert found(db, CaseFilter(states=("accepted", "dispatched"))) == {n["overdue"], n["due"]}
    assert found(db, CaseFilter(category="E0102")) == {n["resolved"]}
    assert found(db, CaseFilter(unit="SQ01")) == {n["due"]}
    assert found(db, CaseFilter(grid=GRID_B)) == {n["resolved"], n["due"]}
    assert found(db, CaseFilter(overdue=True)) == {n["overdue"]}
    assert found(db, CaseFilter(overdue=False)) == set(n.values()) - {n["overdue"]}
    assert found(db, CaseFilter(channel="hotline")) == {n["triage"]}
    assert found(db, CaseFilter(created_from=local(20).date())) == {n["overdue"], n["triage"], n["due"]}
    assert found(db, CaseFilter(created_from=local(1).date(), created_to=local(23).date())) == {
        n["resolved"], n["due"], n["overdue"]}  # 23 Nov 20:00 local is 12:00 UTC: still the 23rd here
    assert found(db, CaseFilter(triage=True)) == {n["triage"]}
    assert found(db, CaseFilter(triage=False)) == set(n.values()) - {n["triage"]}
    assert found(db, CaseFilter(due_on=NOW.date())) == {n["due"], n["overdue"]}  # due at 09:00 today, missed
    assert found(db, CaseFilter(extension_pending=True)) == {n["due"]}
    assert found(db, CaseFilter(extension_pending=False)) == set(n.values()) - {n["due"]}
    assert found(db, CaseFilter(states=("dispatched",), unit="SQ02", overdue=True)) == {n["overdue"]}


def test_text_is_a_case_number_or_words_of_the_description(db: Session, town: dict[str, Case]):
    number = town["closed"].number
    full_width = number.translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))
    assert found(db, CaseFilter.from_args({"q": f"  {full_width} "})) == {number}
    assert found(db, CaseFilter(text="烧烤 烟")) == {town["overdue"].number}  # every word, anywhere
    assert found(db, CaseFilter(text="烧烤 垃圾")) == set()
    assert found(db, CaseFilter(text="100%")) == set()  # LIKE wildcards are plain characters
    assert found(db, CaseFilter(text="100 米")) == {town["triage"].number}


def test_the_unit_scope_is_always_anded_and_never_read_from_the_query_string(db: Session, town: dict[str, Case]):
    ours = town["overdue"].number  # 城区二中队's only case here
    assert found(db, CaseFilter(unit_scope="SQ02")) == {ours}
    assert found(db, CaseFilter(unit="SQ01", unit_scope="SQ02")) == set()
    assert found(db, CaseFilter(text=town["due"].number, unit_scope="SQ02")) == set()
    assert CaseFilter.from_args({"unit_scope": "SQ01", "unit": "SQ01"}).unit_scope is None
    assert found(db, CaseFilter.from_args({"unit": "SQ01"}, unit_scope="SQ02")) == set()
    assert numbers(newest(db, 10, unit_scope="SQ02")) == [ours]
    assert counters(db, NOW, ZONE, unit_scope="SQ01") == Counters(triage=0, overdue=0, due_today=1, new_today=0,
                                                                  awaiting_verification=0, extensions_pending=1)
    rows = list(iter_csv_rows(db, CaseFilter(unit_scope="SQ02"), load_taxonomy(), now=NOW, zone=ZONE))
    assert [r[0] for r in rows] == [ours]
    assert [p.number for p in map_points(db, CaseFilter(unit_scope="SQ01"), now=NOW, zone=ZONE)] == [town["due"].number]


def test_keyset_pages_cover_every_case_exactly_once_in_order(db: Session, reporter: Resident):
    # Ties on purpose: three cases per creation moment, deadlines shared, some cases without a deadline.
    cases = [make_case(db, reporter, state="dispatched", created_at=local(1 + i // 3),
                       deadline=None if i % 4 == 0 else local(25 + i % 3, 17)) for i in range(23)]
    by_newest = sorted(cases, key=lambda c: (c.created_at, c.id), reverse=True)
    by_deadline = sorted(cases, key=lambda c: (c.deadline is None, c.deadline or c.created_at, c.id))
    for order, expected in (("newest", by_newest), ("deadline", by_deadline)):
        for limit in (1, 4, 23, 50):
            pages = every_page(db, CaseFilter(), order, limit)
            assert [n for page in pages for n in page] == numbers(expected), (order, limit)
            assert all(len(page) == limit for page in pages[:-1]) and 1 <= len(pages[-1]) <= limit

    first = search(db, CaseFilter(), now=NOW, zone=ZONE, limit=5)
    make_case(db, reporter, state="received", created_at=NOW)  # a new case arrives while the list is open
    second = search(db, CaseFilter(), now=NOW, zone=ZONE, after=first.next_cursor, limit=5)
    assert numbers(second.cases) == numbers(by_newest[5:10])  # the page after is not shifted by it


def test_a_filtered_list_pages_through_only_its_cases(db: Session, reporter: Resident):
    cases = [make_case(db, reporter, state="accepted" if i % 3 else "received", created_at=local(2 + i),
                       deadline=local(3 + i) if i % 3 else None) for i in range(12)]
    pages = every_page(db, CaseFilter(states=("accepted",)), "deadline", 3)
    assert [len(p) for p in pages] == [3, 3, 2]
    # From a creation date, by deadline: the dated cases (their deadlines bounded by that date), then the rest.
    recent = [c for c in cases if c.created_at >= local(8)]
    expected = sorted(recent, key=lambda c: (c.deadline is None, c.deadline or c.created_at, c.id))
    assert [n for p in every_page(db, CaseFilter(created_from=local(8).date()), "deadline", 2) for n in p] == \
        numbers(expected)


def test_the_open_cases_index_covers_exactly_the_open_states():
    assert OPEN_STATES_SQL == f"state IN ({', '.join(repr(s) for s in values(OPEN_STATES))})"


@pytest.mark.parametrize("cursor", [
    "not a cursor!", "é", "x" * 500, "WyJuZXdlc3QiLDEsM",  # the last one: a real cursor cut short
    base64.urlsafe_b64encode(b'{"order": "newest"}').decode(),
    base64.urlsafe_b64encode(b'["deadline", 1, 2]').decode(),  # another order's cursor
    base64.urlsafe_b64encode(b'["undated", 1, 2]').decode(),
    base64.urlsafe_b64encode(b'["newest", null, 2]').decode(),
    base64.urlsafe_b64encode(b'["newest", "2026-11-24", 2]').decode(),
    base64.urlsafe_b64encode(b'["newest", 1e300, 2]').decode(),
    base64.urlsafe_b64encode(b'["newest", 99999999999999999999999, 2]').decode(),
    base64.urlsafe_b64encode(b'["newest", 1, true]').decode(),
    base64.urlsafe_b64encode(b"\xff\xfe").decode(),
])
def test_a_tampered_cursor_is_a_clean_error(db: Session, cursor: str):
    with pytest.raises(BadCursor) as raised:
        search(db, CaseFilter(), now=NOW, zone=ZONE, after=cursor)
    assert isinstance(raised.value, ValueError)


def test_an_unknown_order_or_limit_is_a_search_error_and_an_empty_cursor_the_first_page(db: Session, town):  # noqa: ANN001
    with pytest.raises(SearchError):
        search(db, CaseFilter(), now=NOW, zone=ZONE, order="random")
    with pytest.raises(SearchError):
        search(db, CaseFilter(), now=NOW, zone=ZONE, limit=0)
    assert len(search(db, CaseFilter(), now=NOW, zone=ZONE, after="").cases) == len(town)


def test_counters_at_local_midnight_and_at_the_deadline(db: Session, reporter: Resident):
    def case(**fields: object) -> Case:
        return make_case(db, reporter, **fields)

    case(state="received", created_at=local(23, 23, 59, 59))  # yesterday, one second before midnight
    case(state="received", created_at=local(24, 0, 0, 0))  # today's first second
    case(state="received", created_at=datetime(2026, 11, 23, 20, 0, tzinfo=ZoneInfo("UTC")))  # 04:00 today here
    case(state="accepted", deadline=local(24, 23, 59, 59))  # due today
    case(state="accepted", deadline=local(25, 0, 0, 0))  # due tomorrow
    case(state="dispatched", deadline=NOW)  # due today, not overdue yet: resolving now is 按期
    case(state="dispatched", deadline=NOW - timedelta(microseconds=1))  # overdue, and due today
    case(state="accepted", deadline=local(23, 23, 59, 59))  # overdue since yesterday
    case(state="resolved", deadline=local(23, 12), on_time=True)  # awaiting verification, no longer overdue
    case(state="closed", deadline=local(24, 11))
    case(state="received", triage_reason="low_confidence")
    case(state="returned", triage_reason="returned", deadline=local(22))
    case(state="reopened", triage_reason="dissatisfied_again")
    case(state="received", triage_reason=None)  # routed, waiting for the dispatch job: not the dispatcher's
    extended = case(state="accepted", deadline=local(26))
    db.add_all([ExtensionRequest(case_id=extended.id, requested_by="hongwei", days=2, reason="a"),
                ExtensionRequest(case_id=extended.id, requested_by="hongwei", days=3, reason="b")])
    db.commit()
    for c in db.query(Case).filter(Case.created_at > local(24, 5)):  # every other case came in last week
        c.created_at = local(17)
    db.commit()

    assert counters(db, NOW, ZONE) == Counters(triage=3, overdue=2, due_today=3, new_today=2,
                                               awaiting_verification=1, extensions_pending=1)
    for name, f in counter_filters(NOW.date()).items():
        assert len(found(db, f)) == getattr(counters(db, NOW, ZONE), name), name
    midnight = local(24, 0, 0, 0)
    assert counters(db, midnight - timedelta(microseconds=1), ZONE).new_today == 1  # the 23rd: 23:59:59 only
    assert counters(db, midnight, ZONE).new_today == 2


def test_csv_rows_are_local_labelled_and_name_no_resident(db: Session, town: dict[str, Case], reporter: Resident):
    rows = list(iter_csv_rows(db, CaseFilter(), load_taxonomy(), now=NOW, zone=ZONE, state_labels={"closed": "已结案"},
                              batch=2))
    assert len(CSV_COLUMNS) == len(rows[0])
    assert [r[0] for r in rows] == numbers(search(db, CaseFilter(), now=NOW, zone=ZONE).cases)
    by_number = {r[0]: dict(zip(CSV_COLUMNS, r, strict=True)) for r in rows}
    assert by_number[town["overdue"].number] == {
        "number": town["overdue"].number, "created_at": "2026-11-23 20:00", "state": "dispatched",
        "category_code": "E0510", "category_name": "露天烧烤", "grid_code": GRID_A, "unit": "城区二中队",
        "deadline": "2026-11-24 09:00", "overdue": "1", "channel": "wechat"}
    assert by_number[town["closed"].number]["state"] == "已结案"
    assert by_number[town["closed"].number]["overdue"] == "1"  # resolved late
    assert by_number[town["resolved"].number]["overdue"] == "0"
    assert by_number[town["triage"].number]["overdue"] == ""  # no deadline
    assert by_number[town["triage"].number]["category_name"] == ""
    assert not any(reporter.openid in cell for r in rows for cell in r)
    only = list(iter_csv_rows(db, CaseFilter(states=("closed",)), load_taxonomy(), now=NOW, zone=ZONE))
    assert [r[0] for r in only] == [town["closed"].number]


def test_map_points_are_the_located_matching_cases(db: Session, town: dict[str, Case], reporter: Resident):
    make_case(db, reporter, lat=None, lng=None, created_at=NOW)
    points = {p.number: p for p in map_points(db, CaseFilter(), now=NOW, zone=ZONE)}
    assert set(points) == {c.number for c in town.values()}
    assert [n for n, p in points.items() if p.overdue] == [town["overdue"].number]
    assert len(map_points(db, CaseFilter(), now=NOW, zone=ZONE, limit=2)) == 2


def test_query_strings_are_read_leniently_and_written_back():
    args = MultiDict([("state", "received"), ("state", "bogus,dispatched"), ("overdue", "maybe"), ("from", "2026-13-01"),
                      ("to", "2026-11-30"), ("channel", "fax"), ("triage", "yes"), ("extension", "0"), ("due", "x"),
                      ("grid", "9" * 40), ("category", " E0510 "), ("q", "")])
    f = CaseFilter.from_args(args)
    assert f == CaseFilter(states=("received", "dispatched"), created_to=local(30).date(), category="E0510",
                           triage=True, extension_pending=False)
    assert CaseFilter.from_args({"state": "closed,resolved", "from": "1900-01-01", "to": "9999-12-31"}) == CaseFilter(
        states=("closed", "resolved"))
    full = CaseFilter(states=("accepted",), category="E0102", unit="环卫处", grid=GRID_A, overdue=False,
                      channel="patrol", created_from=local(1).date(), created_to=local(30).date(), text="垃圾 桶",
                      triage=False, due_on=local(24).date(), extension_pending=True)
    assert CaseFilter.from_args(full.to_args()) == full
    assert CaseFilter(unit_scope="SQ01").to_args() == {}
