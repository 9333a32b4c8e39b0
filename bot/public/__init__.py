"""Pages residents and squads may reach outside the chat: the landing page at ``/``, the error pages and the
bureau's notices (``/public/notices/<id>``) and the town's monthly figures at ``/public/``."""

from bot.public import notices, statistics  # noqa: F401 - they register their views on the blueprint
from bot.public.pages import bp

__all__ = ["bp"]
