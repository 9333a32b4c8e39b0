"""Inbound message → service calls → passive reply. No business rules here."""

from __future__ import annotations

from bot.handlers import events, resident
from bot.handlers.router import Router


def build_router() -> Router:
    """The official account's router, built fresh for each app."""
    router = Router()
    resident.register(router)
    events.register(router)
    router.on("*")(resident.on_anything_else)  # last: after every specific route
    return router
