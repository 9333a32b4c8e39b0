"""一周一报 and 一月公示: which reports are due, producing each exactly once, and announcing it to the bureau's
leaders in WeChat Work.

A week's report is due on the next Monday at 08:00 local time, a month's on the 1st at 08:00. The worker's
``reports`` job runs every few minutes and produces the latest due week and month if they are missing (it
never back-fills older periods: a new installation does not send a year of reports). ``(kind, period_start)``
is unique in ``stats_report``: of two workers racing, the second's insert fails and it announces nothing (the
job also holds a Redis lock, so usually only one of them even builds the workbook).

The announcement goes to the active staff whose directory role is ``bureau`` (局领导): the workbook as a
WeChat Work ``file`` message and a one-paragraph summary, both queued as ``OutboundMessage`` rows so they
are recorded and retried like every other message.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.dispatch.deps import Deps
from bot.models import Staff, StatsReport
from bot.notifications.queue import notify_staff
from bot.stats.period import Kind, Period
from bot.stats.workbook import ReportData, gather, render_workbook

log = logging.getLogger(__name__)

DUE_AT = time(8, 0)  # local time on the Monday (week) or the 1st (month) after the period
BUREAU_ROLE = "bureau"  # the directory role of the bureau's leaders, who receive the reports
KINDS = (Kind.WEEK, Kind.MONTH)


@dataclass(frozen=True)
class Produced:
    report: StatsReport
    recipients: int  # leaders the report was announced to


def due_periods(now: datetime, zone: ZoneInfo) -> list[Period]:
    """The latest week and month whose report is due at ``now``."""
    local = now.astimezone(zone)
    due = []
    for kind in KINDS:
        current = Period.of(kind, local.date())
        if local < datetime.combine(current.start, DUE_AT, zone):  # this period's first morning, before 08:00
            current = current.previous()
        due.append(current.previous())
    return due


def report_period(report: StatsReport) -> Period:
    return Period(report.period_start, report.period_end, Kind(report.kind))


def build(session: Session, deps: Deps, period: Period) -> tuple[ReportData, bytes]:
    """The data and the workbook of ``period`` as of now (a past period's figures are those at its end)."""
    zone = deps.calendar.zone  # (PostgreSQL's JIT, which compiled these aggregates slowly, is off: bot.extensions)
    data = gather(session, period, deps.taxonomy, now=deps.now(), zone=zone)
    return data, render_workbook(data, deps.taxonomy, zone)


def produce(session: Session, deps: Deps, period: Period) -> Produced | None:
    """Store the report of ``period`` and announce it; None if it exists already (another worker made it)."""
    return _store(session, period, *build(session, deps, period), deps.now())


def produce_due(session: Session, deps: Deps) -> list[Produced]:
    """Produce the due reports that are missing (the worker's ``reports`` job). All are built before the first
    is stored: building keeps statistics in transactions of its own (``bot.stats.snapshots``), which SQLite, one
    writer at a time, would make wait behind this one's stored report."""
    missing = [period for period in due_periods(deps.now(), deps.calendar.zone)
               if session.scalar(select(StatsReport.id).where(StatsReport.kind == period.kind.value,
                                                              StatsReport.period_start == period.start)) is None]
    built = [(period, *build(session, deps, period)) for period in missing]
    return [made for period, data, workbook in built if (made := _store(session, period, data, workbook, deps.now()))]


def _store(session: Session, period: Period, data: ReportData, workbook: bytes, now: datetime) -> Produced | None:
    report = StatsReport(kind=period.kind.value, period_start=period.start, period_end=period.end,
                         created_at=now, workbook=workbook,
                         figures={"label": period.label, "current": data.totals.as_json(),
                                  "previous": data.previous.as_json()})
    try:
        with session.begin_nested():
            session.add(report)
            session.flush()
    except IntegrityError:
        log.info("report %s %s exists already", period.kind, period.start)
        return None
    return Produced(report, announce(session, report))


def stored(session: Session, limit: int = 200) -> list[StatsReport]:
    """The stored reports, newest period first (without their workbooks)."""
    return list(session.scalars(select(StatsReport).order_by(StatsReport.period_start.desc(), StatsReport.kind)
                                .limit(limit)))


def as_calendar(period: Period) -> Period:
    """A custom span that is exactly a calendar week or month becomes one (so 上期 is the previous month)."""
    for kind in KINDS:
        if Period.of(kind, period.start) == Period(period.start, period.end, kind):
            return Period(period.start, period.end, kind)
    return period


def leaders(session: Session) -> list[str]:
    return list(session.scalars(select(Staff.wework_userid).where(Staff.role == BUREAU_ROLE, Staff.active)
                                .order_by(Staff.wework_userid)))


def announce(session: Session, report: StatsReport) -> int:
    """Queue the workbook and its summary to the bureau's leaders; how many there are (0: logged, nothing sent)."""
    userids = leaders(session)
    if not userids:
        log.warning("no staff with role %r in the directory: report %s not announced", BUREAU_ROLE, report.id)
        return 0
    notify_staff(session, userids, "report_summary", None, report_pk=report.id, report_kind=report.kind,
                 label=report.figures["label"], current=report.figures["current"],
                 previous=report.figures["previous"])
    notify_staff(session, userids, "report_file", None, report_pk=report.id)
    return len(userids)
