"""Issue 12: 一周一报 and 一月公示 — the workbook, made once by the worker's scheduler however many workers run,
announced to the bureau's leaders in WeChat Work, written by ``citybot report``, listed in the console.

The cases are made through the real webhooks, worker and squad steps; the workbook is read back with openpyxl
and its 汇总 sheet compared with the statistics service.
"""

from __future__ import annotations

import io
import threading
import time
import zipfile
from datetime import date, datetime

import openpyxl
import pytest
from flask import Flask
from sqlalchemy import func, select

from bot import create_app
from bot.models import OutboundMessage, StatsReport
from bot.stats.counting import figures
from bot.stats.figures import SUMMARY
from bot.stats.period import Kind, Period, Scope
from bot.stats.reports import due_periods, produce
from tests.conftest import HAVE_POSTGRES
from tests.console import fresh_session, signed_in
from tests.support import BARBECUE, TUESDAY_9AM, ZONE, freeze, report_case, resolve, squad_messages, the_case, tick_now
from worker import jobs

ANNA, BO, CHEN = "oReportsResidentAnna00000001", "oReportsResidentBo0000000002", "oReportsResidentChen00000003"
SUNNY_ROAD = (29.61828, 119.054707)  # 阳光路, 城区二中队 (about 900 m from the market: not a duplicate)
DREAM_POND = (29.600035, 119.053573)  # 梦姑塘, 城区二中队
WEEK = Period.week(TUESDAY_9AM.date())  # 2026-11-23 to 2026-11-29
MONDAY_AFTER = datetime(2026, 11, 30, 8, 5, tzinfo=ZONE)  # the week's report is due at 08:00
BUREAU_LEADER = "zhoujianping"  # demo/directory.yaml: role bureau


@pytest.fixture
def db(app):  # noqa: ANN001, ANN201
    yield from fresh_session(app)


def a_week_of_cases(app: Flask, wechat, wework, fake_platform, run_worker, clock) -> tuple[str, str, str]:  # noqa: ANN001
    """Three cases of 城区二中队 on Tuesday: one resolved, rated 满意 and closed by the bureau; one resolved and
    reopened by its resident's 不满意; one left open past its deadline (2 working hours)."""
    freeze(clock, TUESDAY_9AM)
    closed = report_case(wechat, ANNA)
    reopened = report_case(wechat, BO, at=SUNNY_ROAD, label="阳光路")
    overdue = report_case(wechat, CHEN, at=DREAM_POND, label="梦姑塘")
    run_worker()
    resolve(wework, fake_platform, closed)
    assert "满意" in wechat.text(ANNA, "1").text
    assert app.test_cli_runner().invoke(args=["close", closed, "--by", "zhaoli"]).exit_code == 0
    resolve(wework, fake_platform, reopened)
    assert "返工" in wechat.text(BO, "3").text
    run_worker()
    return closed, reopened, overdue


def summary(workbook: bytes) -> list[tuple[object, object]]:
    sheet = openpyxl.load_workbook(io.BytesIO(workbook))["汇总"]
    return [(row[0].value, row[1].value) for row in sheet.iter_rows(min_row=1, max_row=sheet.max_row, max_col=2)]


def charts(workbook: bytes) -> int:
    with zipfile.ZipFile(io.BytesIO(workbook)) as package:
        return sum(1 for name in package.namelist() if name.startswith("xl/charts/chart"))


def all_cells(workbook: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(workbook))
    return "\n".join(str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
                     if cell is not None)


def test_reports_fall_due_monday_and_the_first_at_8(app):
    week, month = due_periods(datetime(2026, 11, 30, 7, 59, tzinfo=ZONE), ZONE)
    assert (week.start, week.end, month.start) == (date(2026, 11, 16), date(2026, 11, 23), date(2026, 10, 1))
    week, month = due_periods(datetime(2026, 11, 30, 8, 0, tzinfo=ZONE), ZONE)
    assert (week.kind, week.start, week.end, month.start) == (Kind.WEEK, date(2026, 11, 23), date(2026, 11, 30),
                                                              date(2026, 10, 1))
    _, month = due_periods(datetime(2026, 12, 1, 7, 59, tzinfo=ZONE), ZONE)
    assert month.start == date(2026, 10, 1)
    _, month = due_periods(datetime(2026, 12, 1, 8, 0, tzinfo=ZONE), ZONE)
    assert (month.kind, month.start, month.end) == (Kind.MONTH, date(2026, 11, 1), date(2026, 12, 1))


def test_the_weekly_report_is_made_on_monday_and_sent_to_the_bureaus_leaders(app, wechat, wework, fake_platform,
                                                                              run_worker, clock, db):
    _, reopened, overdue = a_week_of_cases(app, wechat, wework, fake_platform, run_worker, clock)
    freeze(clock, MONDAY_AFTER)
    fake_platform.reset()
    tick_now(app, "reports")
    run_worker()

    reports = db.scalars(select(StatsReport).order_by(StatsReport.kind)).all()
    assert [(r.kind, r.period_start, r.period_end) for r in reports] == [
        ("month", date(2026, 10, 1), date(2026, 11, 1)), ("week", WEEK.start, WEEK.end)]
    month, week = reports

    # 汇总: the labels in column A, in order, and the service's figures in column B.
    expected = figures(db, WEEK, Scope(), now=MONDAY_AFTER, zone=ZONE)
    assert (expected.received, expected.closed, expected.closed_on_time, expected.reopened) == (3, 1, 1, 1)
    assert expected.overdue >= 1 and expected.satisfaction_rate == 0.5
    rows = summary(week.workbook)
    assert rows[0] == ("指标", "数值")
    assert [label for label, _ in rows[1:]] == [line.label for line in SUMMARY]
    for (label, value), line in zip(rows[1:], SUMMARY, strict=True):
        wanted = line.of(expected)
        assert value == ("—" if wanted is None else pytest.approx(wanted)), label
    assert week.figures["current"]["received"] == 3
    # October had no cases: its rates are undefined ("—"), never 0 %.
    october = dict(summary(month.workbook))
    assert (october["受理数"], october["结案率"], october["满意率"]) == (0, "—", "—")

    book = openpyxl.load_workbook(io.BytesIO(week.workbook))
    assert book.sheetnames == ["汇总", "中队", "分类", "渠道", "超期清单", "返工清单", "图表"]
    units = {row[1]: row[0] for row in book["中队"].iter_rows(min_row=2, values_only=True)}
    assert units["城区二中队"] == "样本不足" and len(units) == 12  # 3 cases due: not ranked; idle units listed
    assert [row[1] for row in book["分类"].iter_rows(min_row=2, values_only=True)] == ["露天烧烤"]
    late = sorted((row[0], row[2]) for row in book["超期清单"].iter_rows(min_row=2, values_only=True))
    assert late == sorted([(reopened, "城区二中队"), (overdue, "城区二中队")])  # the rework is late too
    assert [row[:5:4] for row in book["返工清单"].iter_rows(min_row=2, values_only=True)] == [(reopened, "市民不满意")]
    assert charts(week.workbook) == 2  # native charts (openpyxl does not read them back: the package is checked)
    cells = all_cells(week.workbook)
    assert not any(openid in cells for openid in (ANNA, BO, CHEN))  # no resident anywhere

    # WeChat Work: the workbook uploaded as a file and sent, with a summary, to the bureau's leader only.
    uploads = fake_platform.calls("/cgi-bin/media/upload")
    assert {u["params"]["type"] for u in uploads} == {"file"}
    sent = {u["body"]["media"]["filename"]: u["body"]["media"]["size"] for u in uploads}
    assert sent["一周一报_2026-11-23至2026-11-29.xlsx"] == len(week.workbook)
    assert sent["一月公示_2026年10月.xlsx"] == len(month.workbook)
    to_leader = [m for m in squad_messages(fake_platform) if m["touser"] == BUREAU_LEADER]
    assert sorted(m["msgtype"] for m in to_leader) == ["file", "file", "text", "text"]
    assert all(m["file"]["media_id"] for m in to_leader if m["msgtype"] == "file")
    text = next(m["text"]["content"] for m in to_leader if m["msgtype"] == "text" and "一周一报" in m["text"]["content"])
    assert text == ("【一周一报】2026-11-23 至 2026-11-29：受理 3 件（较上周增加 3 件），结案率 33.3%（上周无可比数据），"
                    "按期结案率 33.3%（上周无可比数据），满意率 50.0%（上周无可比数据）。详见随后发送的统计表。")
    rows = db.scalars(select(OutboundMessage).where(OutboundMessage.target == f"user:{BUREAU_LEADER}")).all()
    assert sorted((r.kind, r.state) for r in rows) == [("file", "sent"), ("file", "sent"), ("text", "sent"),
                                                       ("text", "sent")]

    # The next ticks find nothing missing: nothing is made or sent twice.
    tick_now(app, "reports")
    run_worker()
    assert db.scalar(select(func.count()).select_from(StatsReport)) == 2
    assert len(fake_platform.calls("/cgi-bin/media/upload")) == 2


def test_a_failed_upload_is_recorded_and_retried(app, fake_platform, run_worker, clock, db):
    freeze(clock, MONDAY_AFTER)
    fake_platform.fault("/cgi-bin/media/upload", errcode=-1)  # WeChat Work busy once
    tick_now(app, "reports")
    run_worker()
    files = db.scalars(select(OutboundMessage).where(OutboundMessage.kind == "file")).all()
    assert len(files) == 2 and {r.state for r in files} == {"queued", "sent"}
    busy = next(r for r in files if r.state == "queued")
    assert (busy.attempts, busy.last_errcode) == (1, -1)
    with app.app_context():  # RQ's retry, a few seconds later: the file is uploaded again, then sent
        assert jobs.send_outbound(busy.id) == "sent"
    assert len(fake_platform.calls("/cgi-bin/media/upload")) == 3
    assert [m["msgtype"] for m in squad_messages(fake_platform)].count("file") == 2


def racing_worker(settings, clock_at: datetime, start: threading.Barrier, results: list) -> None:  # noqa: ANN001
    """Another worker process: its own app, database engine and Redis connection."""
    other = create_app(settings)
    other.extensions["citybot.services"].clock.freeze(clock_at.timestamp())
    with other.app_context():
        start.wait()
        results.append(jobs.reports())
    other.extensions["citybot.db"].engine.dispose()


def test_two_workers_racing_make_each_report_once(app, settings, clock, db):
    freeze(clock, MONDAY_AFTER)
    start, results = threading.Barrier(2), []
    workers = [threading.Thread(target=racing_worker, args=(settings, MONDAY_AFTER, start, results)) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert sorted(map(len, results)) == [0, 2]  # one made the week and the month, the other nothing
    assert len(db.scalars(select(StatsReport)).all()) == 2
    assert len(db.scalars(select(OutboundMessage).where(OutboundMessage.kind == "file")).all()) == 2


@pytest.mark.skipif(not HAVE_POSTGRES, reason="two transactions racing on one unique key need PostgreSQL")
def test_without_the_lock_the_database_still_refuses_a_second_report(app, clock):
    freeze(clock, MONDAY_AFTER)
    deps = app.extensions["citybot.services"].deps
    sessions = app.extensions["citybot.db"].sessions
    first, second, outcome = sessions(), sessions(), []
    assert produce(first, deps, WEEK) is not None  # inserted, not yet committed

    racer = threading.Thread(target=lambda: outcome.append(produce(second, deps, WEEK)))
    racer.start()  # its insert waits on the first transaction's unique key
    time.sleep(0.5)
    first.commit()
    racer.join(30)
    second.commit()
    assert outcome == [None]
    check = sessions()
    assert len(check.scalars(select(StatsReport)).all()) == 1
    assert len(check.scalars(select(OutboundMessage).where(OutboundMessage.kind == "file")).all()) == 1
    for session in (first, second, check):
        session.close()


def test_citybot_report_writes_the_workbook(app, wechat, wework, fake_platform, run_worker, clock, db, tmp_path):
    a_week_of_cases(app, wechat, wework, fake_platform, run_worker, clock)
    freeze(clock, MONDAY_AFTER)
    out = tmp_path / "week.xlsx"
    result = app.test_cli_runner().invoke(args=["report", "--from", "2026-11-23", "--to", "2026-11-30",
                                                "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = dict(summary(out.read_bytes()))
    assert (rows["受理数"], rows["返工数"]) == (3, 1)
    assert db.scalar(select(StatsReport.id)) is None  # written, not stored or sent
    bad = app.test_cli_runner().invoke(args=["report", "--from", "2026-11-30", "--to", "2026-11-23", "--out",
                                             str(out)])
    assert bad.exit_code != 0


def test_the_console_lists_the_reports_and_downloads_them(app, wechat, wework, fake_platform, run_worker, clock, db):
    freeze(clock, TUESDAY_9AM)
    number = report_case(wechat, ANNA, BARBECUE)
    run_worker()
    assert the_case(db, number).state == "dispatched"
    freeze(clock, MONDAY_AFTER)
    tick_now(app, "reports")
    run_worker()
    week = db.scalar(select(StatsReport).where(StatsReport.kind == "week"))
    assert week is not None

    for role, unit in (("viewer", None), ("leader", "SQ01")):  # bureau-wide: a unit's leader sees them too
        browser = signed_in(app, f"report-{role}", role, unit)
        page = browser.get("/console/reports").get_data(as_text=True)
        assert "一周一报" in page and "2026-11-23 至 2026-11-29" in page and "一月公示" in page
        assert f'href="/console/reports/{week.id}.xlsx"' in page
        download = browser.get(f"/console/reports/{week.id}.xlsx")
        assert download.status_code == 200 and download.data == week.workbook
        assert download.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        assert "attachment" in download.headers["Content-Disposition"]
        assert browser.get("/console/reports/999999.xlsx").status_code == 404

    operator = signed_in(app, "report-operator", "operator")
    assert operator.get("/console/reports").status_code == 403
    assert operator.get(f"/console/reports/{week.id}.xlsx").status_code == 403
