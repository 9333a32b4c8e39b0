"""The case list ``/console/cases`` (filters, sort, keyset pages) and its CSV export ``/console/cases.csv``.

Both read through ``bot.dispatch.case_search`` with the user's unit scope (a leader sees their unit only).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime

from flask import Response, abort, render_template, request, stream_with_context
from sqlalchemy import select

from bot.console import labels
from bot.console.access import require, unit_scope
from bot.console.blueprint import bp, db, deps
from bot.dispatch.case_search import CSV_COLUMNS, ORDERS, CaseFilter, SearchError, iter_csv_rows, search
from bot.models import Unit
from bot.models.enums import Channel, State

PAGE_SIZE = 50
CSV_HEADER = {"number": "编号", "created_at": "受理时间", "state": "状态", "category_code": "类别代码",
              "category_name": "类别", "grid_code": "网格", "unit": "处置单位", "deadline": "处置时限",
              "overdue": "超期", "channel": "来源"}


def _filter() -> CaseFilter:
    return CaseFilter.from_args(request.args, unit_scope=unit_scope())


@bp.get("/cases")
@require("cases")
def case_list() -> str:
    services, f = deps(), _filter()
    order = request.args.get("order", "newest")
    try:
        page = search(db(), f, now=services.now(), zone=services.calendar.zone,
                      order=order if order in ORDERS else "newest", after=request.args.get("after") or None,
                      limit=PAGE_SIZE)
    except SearchError as error:
        abort(400, str(error))
    args = f.to_args()
    return render_template(
        "console/cases.html", page=page, f=f, args=args, order=order, labels=labels, now=services.now(),
        taxonomy=services.taxonomy.categories, states=[s.value for s in State], channels=[c.value for c in Channel],
        units=list(db().scalars(select(Unit).order_by(Unit.kind.desc(), Unit.code))), scoped=unit_scope() is not None,
        next_args={**args, "order": order, "after": page.next_cursor} if page.next_cursor else None,
        first_page=not request.args.get("after"))


@bp.get("/cases.csv")
@require("cases")
def case_csv() -> Response:
    services, f = deps(), _filter()
    now, zone = services.now(), services.calendar.zone
    rows = iter_csv_rows(db(), f, services.taxonomy, now=now, zone=zone, state_labels=labels.STATES)

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write("\ufeff")  # Excel reads UTF-8 only with a BOM
        writer.writerow([CSV_HEADER[c] for c in CSV_COLUMNS])
        for row in rows:
            writer.writerow(row)
            if buffer.tell() > 64 * 1024:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    name = f"cases-{datetime.now(zone):%Y%m%d-%H%M}.csv"
    return Response(stream_with_context(lines()), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={name}"})
