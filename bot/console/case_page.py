"""The case page ``/console/cases/<number>``: the case file, and the actions its state allows this user."""

from __future__ import annotations

from typing import Any

from flask import render_template
from sqlalchemy import select

from bot.console import labels
from bot.console.access import ACTIONS, me, require, visible_case
from bot.console.blueprint import bp, db, deps
from bot.core.signing import media_link
from bot.dispatch.bureau import reply_window
from bot.dispatch.casefile import case_file
from bot.dispatch.states import can
from bot.models import Case, Media, Unit
from bot.models.enums import State


def offered(case: Case) -> set[str]:
    """The actions this user may take on ``case`` now (the state machine decides what exists at all)."""
    state = case.state
    possible = {
        "dispatch": can(state, "dispatch"),
        "close": can(state, "close"),
        "rework": state == State.RESOLVED,  # 核查不通过: only a resolved case is verified
        "invalidate": can(state, "invalidate"),
        "merge": can(state, "merge"),
        "split": can(state, "split"),
        "note": True,
        "reply": True,  # the form says when WeChat's 48-hour window leaves nobody to reach
    }
    user = me()
    return {action for action, ok in possible.items() if ok and user.can(ACTIONS[action])}


def photo_links(media: list[Media]) -> list[tuple[str, str]]:
    """(full, thumbnail) signed links, relative to this site."""
    settings, now = deps().settings, deps().clock.time()
    return [(media_link("", settings.secret_key, m.id, now), media_link("", settings.secret_key, m.id, now, thumb=True))
            for m in media]


def render_case(case: Case, status: int = 200) -> tuple[str, int]:
    session, services = db(), deps()
    file = case_file(session, services, case)
    taxonomy = services.taxonomy
    everyone, reachable = reply_window(session, services, case)
    context: dict[str, Any] = dict(
        file=file, case=case, labels=labels, actions=offered(case), see_residents=me().can("residents"),
        category=taxonomy.categories.get(case.category_code or ""), zone=services.calendar.zone,
        categories=sorted(taxonomy.categories.values(), key=lambda c: c.code),
        units=list(session.scalars(select(Unit).order_by(Unit.kind.desc(), Unit.code))),
        unit=session.get(Unit, case.unit_code) if case.unit_code else None,
        merged_into=case.merged_into, photos=photo_links(file.photos), after_photos=photo_links(file.after_photos),
        followers_count=len(everyone), reachable_count=len(reachable), now=services.now(),
    )
    return render_template("console/case.html", **context), status


@bp.get("/cases/<number>")
@require("cases")
def case_page(number: str) -> tuple[str, int]:
    return render_case(visible_case(db(), number))
