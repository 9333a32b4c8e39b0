"""Stored reports ``/console/reports``: every 一周一报 and 一月公示 with its workbook to download.

The reports are bureau-wide, like the figures the bureau is judged by: every role with the "stats"
permission sees them, a unit's leader included (the 中队 sheet ranks every unit anyway).
"""

from __future__ import annotations

import io

from flask import abort, render_template, send_file
from werkzeug.wrappers import Response

from bot.console.access import require
from bot.console.blueprint import bp, db
from bot.models import StatsReport
from bot.stats.figures import percent
from bot.stats.reports import report_period, stored

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/reports")
@require("stats")
def report_list() -> str:
    reports = stored(db())
    return render_template("console/reports.html", reports=[(r, report_period(r)) for r in reports],
                           percent=percent)


@bp.get("/reports/<int:pk>.xlsx")
@require("stats")
def report_download(pk: int) -> Response:
    report = db().get(StatsReport, pk)
    if report is None:
        abort(404)
    return send_file(io.BytesIO(report.workbook), mimetype=XLSX, as_attachment=True, download_name=report.filename,
                     max_age=0)
