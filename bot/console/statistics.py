"""The statistics page ``/console/stats``: the bureau's figures for a period and a scope, against the period
before, with the daily trend, categories, the units' ranking, time to resolve, the SLA view and heat maps.

Every number comes from ``bot.stats`` (no SQL here); a leader's scope is their unit, never a choice. Chart data
goes to ``stats.js`` as JSON in a ``<script type="application/json">`` (the CSP allows no inline script).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import render_template, request, url_for

from bot.console import labels
from bot.console.access import me, require, unit_scope
from bot.console.blueprint import bp, db, deps
from bot.dispatch.case_search import CaseFilter
from bot.stats.breakdowns import MIN_DUE, ranking, sla
from bot.stats.figures import Figures, percent, total
from bot.stats.period import Kind, Period, Scope
from bot.stats.snapshots import Snapshots

MAX_DAYS = 366  # a custom period longer than a year is cut (the trend has one point a day)
TOP_CATEGORIES = 10
KINDS = {Kind.DAY: "日", Kind.WEEK: "周", Kind.MONTH: "月", Kind.CUSTOM: "自定义"}
# The big numbers: label, attribute of Figures, whether a rise is good (None: neither).
RATES = (("立案率", "registration_rate", True), ("结案率", "closure_rate", True), ("按期结案率", "on_time_rate", True),
         ("返工率", "rework_rate", False), ("满意率", "satisfaction_rate", True))
COUNTS = (("受理数", "received", None), ("立案数", "registered", None), ("派遣数", "dispatched", None),
          ("应结案数", "due", None), ("结案数", "closed", None), ("按期结案数", "closed_on_time", None),
          ("超期数", "overdue", False), ("返工数", "reopened", False), ("延期数", "extended", False))


@dataclass(frozen=True)
class Change:
    """How a figure moved against the previous period: ``text`` like '↑ 2.5 个百分点', ``tone`` good/bad/flat."""

    text: str
    tone: str


@dataclass(frozen=True)
class Big:
    label: str
    value: str
    change: Change | None


def change(now: float | None, before: float | None, *, rate: bool, rise_is_good: bool | None) -> Change | None:
    """The change against the previous period; None when either side is undefined (a rate of 0 cases)."""
    if now is None or before is None:
        return None
    diff = (now - before) * 100 if rate else now - before
    if abs(diff) < 0.05:
        return Change("→ 持平", "flat")
    amount = f"{abs(diff):.1f} 个百分点" if rate else f"{abs(diff):g}"
    tone = "flat" if rise_is_good is None else ("good" if (diff > 0) == rise_is_good else "bad")
    return Change(f"{'↑' if diff > 0 else '↓'} {amount}", tone)


def _date(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def chosen_period(today: date) -> tuple[Period, str | None]:
    """The period the query string asks for (this month by default) and a complaint about a bad custom one."""
    try:
        kind = Kind(request.args.get("period", Kind.MONTH.value))
    except ValueError:
        kind = Kind.MONTH
    if kind is not Kind.CUSTOM:
        return Period.of(kind, _date("day") or today), None
    start, last = _date("from"), _date("to")
    if start is None or last is None or last < start:
        return Period.month(today), "请选择起止日期（结束日期不早于开始日期），已显示本月。"
    if (last - start).days >= MAX_DAYS:
        return Period(start, start + timedelta(days=MAX_DAYS)), f"自定义时段最长 {MAX_DAYS} 天，已截取。"
    return Period(start, last + timedelta(days=1)), None


def chosen_scope() -> Scope:
    """The filters; a leader's unit replaces any unit in the query string."""
    def arg(name: str, longest: int) -> str | None:
        value = request.args.get(name, "").strip()
        return value[:longest] or None

    forced = unit_scope()
    return Scope(unit=forced or arg("unit", 32), category=arg("category", 8), channel=arg("channel", 16))


def _big_numbers(now: Figures, before: Figures) -> tuple[list[Big], list[Big]]:
    rates = [Big(label, percent(getattr(now, key)),
                 change(getattr(now, key), getattr(before, key), rate=True, rise_is_good=good))
             for label, key, good in RATES]
    counts = [Big(label, str(getattr(now, key)),
                  change(getattr(now, key), getattr(before, key), rate=False, rise_is_good=good))
              for label, key, good in COUNTS]
    return rates, counts


def _categories(now: dict[Any, Figures], before: dict[Any, Figures], names: dict[str, str]) -> list[dict[str, Any]]:
    """The top categories by 受理数, with the change against the previous period."""
    top = sorted(((code, f) for code, f in now.items() if code and f.received),
                 key=lambda item: (-item[1].received, item[0]))[:TOP_CATEGORIES]
    rows = []
    for code, f in top:
        earlier = before.get(code, Figures()).received
        growth = None if not earlier else percent((f.received - earlier) / earlier, 0)
        rows.append({"code": code, "name": names.get(code, code), "received": f.received, "before": earlier,
                     "change": change(f.received, earlier, rate=False, rise_is_good=None), "growth": growth,
                     "closure": percent(f.closure_rate), "on_time": percent(f.on_time_rate)})
    return rows


def _hours(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _sla_links(scope: Scope, today: date) -> dict[str, str] | None:
    """The case lists behind the SLA numbers (for the roles that may open cases)."""
    if not me().can("cases"):
        return None
    def link(**fields: Any) -> str:
        listed = CaseFilter(unit=scope.unit, category=scope.category, channel=scope.channel, **fields)
        return url_for("console.case_list", **dict[str, Any](listed.to_args()))

    return {"due_today": link(due_on=today), "overdue": link(overdue=True)}


@bp.get("/stats")
@require("stats")
def stats_page() -> str:
    services = deps()
    now, zone, session = services.now(), services.calendar.zone, db()
    today = now.astimezone(zone).date()
    period, complaint = chosen_period(today)
    previous, scope = period.previous(), chosen_scope()
    stats = Snapshots(session, now=now, zone=zone)

    split = {p: stats.figures_by(p, scope, "category") for p in (period, previous)}
    current, before = total(split[period]), total(split[previous])
    rates, counts = _big_numbers(current, before)
    categories = services.taxonomy.categories
    category_names = {code: c.name for code, c in categories.items()}
    top = _categories(split[period], split[previous], category_names)
    units = ranking(stats.figures_by(period, scope, "unit"))
    by_category = stats.resolve_hours(period, scope, "category")
    by_unit = stats.resolve_hours(period, scope, "unit")
    days = stats.trend(period, scope)
    chart = {
        "trend": {"days": [d.day.strftime("%m-%d") for d in days], "received": [d.received for d in days],
                  "dispatched": [d.dispatched for d in days], "closed": [d.closed for d in days]},
        "categories": {"names": [row["name"] for row in top], "now": [row["received"] for row in top],
                       "before": [row["before"] for row in top], "label": period.label, "previous": previous.label},
        "heat": {"received": stats.grid_counts(period, scope, "received"),
                 "overdue": stats.grid_counts(period, scope, "overdue")},
    }
    return render_template(
        "console/stats.html", period=period, previous=previous, scope=scope, complaint=complaint, kinds=KINDS,
        custom_to=(period.end - timedelta(days=1)), leader_unit=unit_scope(), figures=current, rates=rates,
        counts=counts, top=top, units=units, min_due=MIN_DUE, percent=percent, hours=_hours,
        by_category=sorted(by_category.items(), key=lambda kv: (-kv[1].resolutions, str(kv[0])))[:TOP_CATEGORIES],
        by_unit=sorted(by_unit.items(), key=lambda kv: (-kv[1].resolutions, str(kv[0]))),
        category_names=category_names, big_classes=services.taxonomy.big_classes, categories=categories,
        channels=labels.CHANNELS, sla=sla(session, scope, now=now, zone=zone), sla_links=_sla_links(scope, today),
        chart=chart, grids_url=url_for("console.map_grids"), as_of=_as_of(period, stats))


def _as_of(period: Period, stats: Snapshots) -> datetime | None:
    """When a period is still running, the moment its figures are as of (at most a few minutes ago)."""
    start, end = period.bounds(stats.zone)
    return stats.as_of if start <= stats.now < end else None
