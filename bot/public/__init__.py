"""Pages residents and squads may reach outside the chat: the landing page at ``/``, the error pages and the
bureau's notices (``/public/notices/<id>``)."""

from bot.public import notices  # noqa: F401 - registers its views on the blueprint
from bot.public.pages import bp

__all__ = ["bp"]
