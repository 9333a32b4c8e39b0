"""The dashboard ``/console/``: the counters (each links to its list) and the newest cases, refreshed by
HTMX short polling of ``/console/live`` (no reload, no inline script)."""

from __future__ import annotations

from typing import Any

from flask import render_template, url_for

from bot.console import labels
from bot.console.access import me, require, unit_scope
from bot.console.blueprint import bp, db, deps
from bot.dispatch.case_search import counter_filters, counters, newest

COUNTERS = (("triage", "待分拨"), ("overdue", "超期"), ("due_today", "今日到期"), ("new_today", "今日新增"),
            ("awaiting_verification", "待核查"), ("extensions_pending", "延期待批"))
POLL_SECONDS = 15


def _live() -> dict:
    services, scope = deps(), unit_scope()
    now, zone = services.now(), services.calendar.zone
    numbers = counters(db(), now, zone, scope)
    links = {name: url_for("console.case_list", **dict[str, Any](f.to_args()))
             for name, f in counter_filters(now.astimezone(zone).date()).items()}
    cases = newest(db(), 12, scope) if me().can("cases") else []
    return dict(counters=[(name, label, getattr(numbers, name), links[name]) for name, label in COUNTERS],
                newest=cases, labels=labels, taxonomy=services.taxonomy.categories, poll=POLL_SECONDS, now=now)


@bp.get("/")
@require("stats")
def dashboard() -> str:
    return render_template("console/dashboard.html", **_live())


@bp.get("/live")
@require("stats")
def live() -> str:
    return render_template("console/_live.html", **_live())
