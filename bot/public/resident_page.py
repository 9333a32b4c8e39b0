"""A resident's own case page (``/r/<token>``), linked from template and subscription messages: the state, the
steps, the after-photo, and the rating buttons (the same rating service as replying 1/2/3).

The token names one case and one resident, is signed (its own salt: a squad's link is not a resident's) and
expires after ``RESIDENT_LINK_MAX_AGE``. The page never shows anyone else's identity.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from bot import texts
from bot.core.signing import RESIDENT_SALT, media_link, read_token
from bot.dispatch import feedback
from bot.extensions import get_db
from bot.models import Case, Resident, Unit
from bot.services import get_services

bp = Blueprint("resident_page", __name__)


def _load(token: str) -> tuple[Case, Resident]:
    settings, clock = get_services().settings, get_services().clock
    data = read_token(token, settings.secret_key, settings.resident_link_max_age, clock.time(), salt=RESIDENT_SALT)
    db = get_db().session
    case = db.get(Case, data.get("c")) if data else None
    resident = db.get(Resident, data.get("r")) if data else None
    if case is None or resident is None:
        abort(404)
    return case, resident


@bp.get("/r/<token>")
def case_page(token: str) -> str:
    case, resident = _load(token)
    services = get_services()
    settings, now, db = services.settings, services.clock.time(), get_db().session
    zone = settings.timezone
    steps = [(texts.local_time(e.at, zone), texts.step_label(e.action, e.to_state))
             for e in case.events if e.from_state != e.to_state or e.action in texts.STEP_LABELS]
    after = [media_link(settings.public_base_url, settings.secret_key, m.id, now)
             for m in case.media if m.kind == "image" and m.state == "stored" and m.staff_userid is not None]
    unit = db.get(Unit, case.unit_code) if case.unit_code else None
    rateable = feedback.awaiting(db, services.deps, resident, case.number) is not None
    rated = request.args.get("rated", "")
    return render_template(
        "public/resident_case.html", token=token, case=case, state=texts.STATE_LABELS.get(case.state, case.state),
        place=texts.place(case), unit=unit.name if unit else "", steps=steps, after=after, rateable=rateable,
        labels=texts.RATING_LABELS, rated=texts.RATING_LABELS.get(int(rated)) if rated.isdigit() else None)


@bp.post("/r/<token>/rate")
def rate(token: str) -> BaseResponse:
    case, resident = _load(token)
    value = request.form.get("value", "")
    if value not in ("1", "2", "3"):
        abort(400)
    services, db = get_services(), get_db().session
    if feedback.awaiting(db, services.deps, resident, case.number) is None:
        return redirect(url_for("resident_page.case_page", token=token))  # rated already, or not resolved now
    feedback.rate(db, services.deps, resident, case, int(value), texts.RATING_LABELS[int(value)])
    db.commit()
    return redirect(url_for("resident_page.case_page", token=token, rated=value))
