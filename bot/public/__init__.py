"""Pages residents and squads may reach outside the chat: the landing page at ``/``, the error pages and the
town's monthly figures at ``/public/``."""

from bot.public import statistics  # noqa: F401 - registers /public/
from bot.public.pages import bp

__all__ = ["bp"]
