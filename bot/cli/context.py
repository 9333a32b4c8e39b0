"""The app's objects for a command, imported only when the command runs (``citybot --help`` stays quick)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.extensions import Database
    from bot.services import Services


def get_db() -> Database:
    from bot.extensions import get_db

    return get_db()


def get_services() -> Services:
    from bot.services import get_services

    return get_services()
