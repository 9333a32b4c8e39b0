"""The decisions: ``POST /console/cases/<number>/<action>`` and ``POST /console/extensions/<id>/approve|refuse``.

Each calls the same service function as the CLI, in one transaction, as the signed-in user. A refusal
(a ``DomainError``) rolls back and answers 409/422 with the case page and the reason; success redirects
back to the case page with a note of what was done.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from bot.console import labels
from bot.console.access import ACTIONS, me, require, visible_case
from bot.console.blueprint import bp, db, deps
from bot.console.case_page import render_case
from bot.dispatch import bureau, squad
from bot.dispatch.dispatching import dispatch, invalidate
from bot.dispatch.duplicates import split
from bot.dispatch.errors import CaseNotFound, DomainError
from bot.dispatch.feedback import close_case
from bot.models import Case, ExtensionRequest, Unit

Decision = Callable[[Case], Any]


class BadInput(DomainError):
    """A form field that cannot be used (the service is not called)."""


def _field(name: str) -> str:
    return (request.form.get(name) or "").strip()


def _dispatch(case: Case) -> None:
    unit_code, category = _field("unit") or None, _field("category") or None
    if unit_code is not None and db().get(Unit, unit_code) is None:
        raise BadInput(f"没有单位 {unit_code}")
    done = dispatch(db(), deps(), case, me().actor, unit_code=unit_code, category_code=category)
    if done.unit is None:  # it would stay with the dispatcher: refused, nothing is kept
        raise BadInput("案件尚未确定类别，或该单位未配置企业微信部门，无法派遣。")


def _merge(case: Case) -> None:
    into = _field("into")
    primary = db().scalar(select(Case).where(Case.number == into).with_for_update())
    if primary is None:
        raise CaseNotFound(into)
    bureau.merge_into(db(), deps(), case, primary, me().actor)


DECISIONS: dict[str, Decision] = {
    "dispatch": _dispatch,
    "close": lambda case: close_case(db(), deps(), case, me().actor, "核查通过"),
    "rework": lambda case: bureau.verification_failed(db(), deps(), case, me().actor, _field("note")),
    "invalidate": lambda case: invalidate(db(), deps(), case, me().actor, _required("reason")),
    "note": lambda case: bureau.add_note(db(), deps(), case, me().actor, _field("text")),
    "reply": lambda case: bureau.reply_to_residents(db(), deps(), case, me().actor, _field("text")),
    "merge": _merge,
    "split": lambda case: split(db(), deps(), case, me().actor),
}


def _required(name: str) -> str:
    value = _field(name)
    if not value or len(value) > bureau.MAX_TEXT:
        raise bureau.EmptyText(name)
    return value


def _refused(case_number: str, error: DomainError) -> tuple[str, int]:
    db().rollback()
    message, status = (str(error), 422) if isinstance(error, BadInput) else labels.refusal(error)
    flash(message, "error")
    return render_case(visible_case(db(), case_number), status)


@bp.post("/cases/<number>/<action>")
@require("cases")
def act(number: str, action: str) -> Response | tuple[str, int]:
    if action not in DECISIONS:
        abort(404)
    if not me().can(ACTIONS[action]):
        abort(403)
    case = visible_case(db(), number, lock=True)
    try:
        DECISIONS[action](case)
        db().commit()
    except DomainError as error:
        return _refused(number, error)
    flash(labels.DONE[action], "success")
    return redirect(url_for("console.case_page", number=number))


@bp.post("/extensions/<int:request_id>/<choice>")
@require("decide")
def extension(request_id: int, choice: str) -> Response | tuple[str, int]:
    if choice not in ("approve", "refuse"):
        abort(404)
    pending = db().get(ExtensionRequest, request_id)
    if pending is None:
        abort(404)
    number = db().get_one(Case, pending.case_id).number
    try:
        squad.decide_extension(db(), deps(), me().actor, request_id, choice == "approve")
        db().commit()
    except DomainError as error:
        return _refused(number, error)
    flash(labels.DONE[choice], "success")
    return redirect(url_for("console.case_page", number=number))
