"""``gunicorn wsgi:app`` from the repository root; the entry point itself is ``bot.wsgi``."""

from bot.wsgi import app

__all__ = ["app"]
