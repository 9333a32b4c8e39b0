"""Hotline intake (受理) ``/console/intake``: an operator or dispatcher records a call — the caller's words, the
place (a point on the map, or an address the gazetteer resolves, with suggestions as they type), an optional
photo, the phone number (encrypted at rest, shown masked), the channel — and the case is opened by the same
``open_case`` as a WeChat report. The classifier's suggestion and its confidence follow the typing (HTMX);
the operator may choose another category."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from bot.console import labels
from bot.console.access import me, require
from bot.console.blueprint import bp, db, deps
from bot.console.maps import grids_geojson
from bot.dispatch.errors import UnknownCategory
from bot.intake.contacts import MAX_DESCRIPTION, BadReport
from bot.intake.hotline import HOTLINE_CHANNELS, Call, take_call

CHANNEL_LABELS = {"12319": "12319 城管热线", "96310": "96310 城管服务热线", "12345": "12345 政务服务热线", "visit": "来访",
                  "patrol": "巡查（本局巡查发现）"}
MIN_WORDS = 4  # fewer characters: no suggestion yet


def _number(name: str) -> float | None:
    raw = (request.form.get(name) or "").strip()
    try:
        return float(raw) if raw else None
    except ValueError:
        return None


def _page(status: int = 200, error: str | None = None) -> tuple[str, int]:
    return render_template("console/intake.html", channels=[(c.value, CHANNEL_LABELS[c.value]) for c in HOTLINE_CHANNELS],
                           taxonomy=deps().taxonomy.categories, form=request.form, error=error,
                           max_description=MAX_DESCRIPTION, grids_url=url_for("console.intake_grids")), status


@bp.get("/intake")
@require("intake")
def intake() -> tuple[str, int]:
    return _page()


@bp.post("/intake")
@require("intake")
def intake_submit() -> Response | tuple[str, int]:
    form = request.form
    upload = request.files.get("photo")
    photo = upload.read() if upload and upload.filename else None
    call = Call(description=form.get("description", ""), channel=form.get("channel", ""), phone=form.get("phone"),
                lat=_number("lat"), lng=_number("lng"), address=form.get("address"),
                category_code=form.get("category") or None, photo=photo or None)
    try:
        opened = take_call(db(), deps(), me().actor, call)
        number = opened.case.number
        db().commit()
    except BadReport as error:
        db().rollback()
        return _page(422, str(error))
    except UnknownCategory:
        db().rollback()
        return _page(422, "没有这个类别")
    if opened.merged_into is not None:
        flash(f"已受理，编号 {number}。附近已有同类问题（编号 {opened.merged_into.number}），已合并处理。", "success")
    elif opened.unit_name:
        flash(f"已受理，编号 {number}，已转{opened.unit_name}处理。", "success")
    else:
        reason = labels.TRIAGE.get(opened.routing.triage_reason or "", "需人工分拨")
        flash(f"已受理，编号 {number}，待分拨（{reason}）。", "success")
    return redirect(url_for("console.case_page", number=number))


@bp.get("/intake/category")
@require("intake")
def intake_category() -> str:
    """The classifier's suggestion for the words typed so far (an HTMX fragment)."""
    text = (request.args.get("description") or "").strip()[:MAX_DESCRIPTION]
    guess = deps().understanding.classify(text) if len(text) >= MIN_WORDS else None
    sure = guess is not None and guess.confidence >= deps().understanding.min_confidence
    return render_template("console/_intake_category.html", guess=guess, sure=sure)


@bp.get("/intake/places")
@require("intake")
def intake_places() -> str:
    """Gazetteer places for the address typed so far (an HTMX fragment)."""
    text = (request.args.get("address") or "").strip()[:100]
    found = deps().understanding.area(db()).suggest(text) if text else []
    return render_template("console/_intake_places.html", found=found, text=text)


@bp.get("/intake/grids")
@require("intake")
def intake_grids() -> Response:
    return grids_geojson()
