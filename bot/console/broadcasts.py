"""Notices (群发) ``/console/broadcasts`` (dispatcher, admin): the list with states and WeChat's counts; compose
with the audience's size and quota impact (updated by HTMX as the audience changes); a broadcast's page to
preview, submit (now or later), approve (a second person, for sends to all) and cancel.

The same service functions as ``citybot broadcast create|approve|list`` (``bot.broadcasts``).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from bot.broadcasts import compose
from bot.broadcasts.audience import Audience, areas, parse_audience
from bot.broadcasts.errors import BroadcastError, BroadcastNotFound
from bot.broadcasts.queries import listing
from bot.console import labels
from bot.console.access import me, require
from bot.console.blueprint import bp, db, deps
from bot.models import BroadcastSend
from bot.models.broadcast import BroadcastState


def _audience_text() -> str:
    """The form's audience: ``all``, ``area:<name>``, or ``reported:<name>`` with the ``days`` field."""
    to = (request.values.get("to") or "all").strip()
    if to.startswith("reported:"):
        return f"{to}:{(request.values.get('days') or '30').strip()}"
    return to


def _when() -> datetime | None:
    """``send_at`` (datetime-local, the bureau's zone), or None for now."""
    value = (request.form.get("send_at") or "").strip()
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=deps().calendar.zone)
    except ValueError:
        raise compose.BadContent("send_at", "a date and time") from None


def _page(status: int = 200, **context: object) -> tuple[str, int]:
    return render_template("console/broadcasts.html", rows=listing(db()), areas=areas(db()),
                           states=labels.BROADCAST_STATES, form=request.form, **context), status


@bp.get("/broadcasts")
@require("broadcasts")
def broadcasts() -> tuple[str, int]:
    return _page()


@bp.get("/broadcasts/audience")
@require("broadcasts")
def audience_size() -> str:
    """The compose form's HTMX fragment: how many the audience holds and how many are at the monthly limit."""
    try:
        audience: Audience | None = parse_audience(db(), _audience_text())
    except BroadcastError as error:
        return render_template("console/_audience.html", error=labels.broadcast_refusal(error)[0])
    assert audience is not None
    return render_template("console/_audience.html", size=compose.size_of(db(), deps(), audience),
                           limit=deps().settings.broadcast_monthly_limit, to_all=str(audience) == "all")


@bp.post("/broadcasts")
@require("broadcasts")
def broadcast_compose() -> Response | tuple[str, int]:
    upload = request.files.get("image")
    try:
        with tempfile.TemporaryDirectory() as folder:
            image = None
            if upload is not None and upload.filename:
                image = Path(folder) / f"upload{Path(upload.filename).suffix.lower()}"
                upload.save(image)
            draft = compose.Draft(request.form.get("title", ""), request.form.get("text", ""),
                                  parse_audience(db(), _audience_text()), _when(), image)
            created = compose.compose(db(), deps(), me().actor, draft)
        db().commit()
    except BroadcastError as error:
        db().rollback()
        message, status = labels.broadcast_refusal(error)
        flash(message, "error")
        return _page(status)
    flash("草稿已保存：请先预览，再提交发送。", "success")
    return redirect(url_for("console.broadcast_page", broadcast_id=created.id))


def _render(broadcast_id: int, status: int = 200) -> tuple[str, int]:
    try:
        found = compose.get(db(), broadcast_id)
    except BroadcastNotFound:
        abort(404)
    size = None
    if found.state in compose.CANCELLABLE:
        size = compose.size_of(db(), deps(), compose.audience_of(found))
    parts = list(db().query(BroadcastSend).filter_by(broadcast_id=found.id).order_by(BroadcastSend.part))
    return render_template("console/broadcast.html", b=found, size=size, parts=parts, states=labels.BROADCAST_STATES,
                           audience=labels.audience(compose.audience_of(found)), message=compose.message_text(deps(), found),
                           limit=deps().settings.broadcast_monthly_limit), status


@bp.get("/broadcasts/<int:broadcast_id>")
@require("broadcasts")
def broadcast_page(broadcast_id: int) -> tuple[str, int]:
    return _render(broadcast_id)


ACTIONS: dict[str, Callable[..., object]] = {
    "submit": lambda b: compose.submit(db(), deps(), me().actor, b, confirm_over_limit=bool(request.form.get("confirm")),
                                       send_at=_when()),
    "approve": lambda b: compose.approve(db(), deps(), me().actor, b),
    "cancel": lambda b: compose.cancel(db(), deps(), me().actor, b),
    "preview": lambda b: compose.request_preview(db(), b, request.form.get("openid", "")),
}


@bp.post("/broadcasts/<int:broadcast_id>/<action>")
@require("broadcasts")
def broadcast_act(broadcast_id: int, action: str) -> Response | tuple[str, int]:
    if action not in ACTIONS:
        abort(404)
    try:
        found = compose.get(db(), broadcast_id, lock=True)
    except BroadcastNotFound:
        abort(404)
    try:
        ACTIONS[action](found)
        done = labels.BROADCAST_DONE[action]
        if action == "submit" and found.state == BroadcastState.AWAITING_APPROVAL:
            done = labels.BROADCAST_DONE["submit_all"]
        db().commit()
    except BroadcastError as error:
        db().rollback()
        message, status = labels.broadcast_refusal(error)
        flash(message, "error")
        return _render(broadcast_id, status)
    flash(done, "success")
    return redirect(url_for("console.broadcast_page", broadcast_id=broadcast_id))
