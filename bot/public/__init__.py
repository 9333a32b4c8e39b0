"""Pages residents and squads may reach outside the chat: the landing page at ``/`` and the error pages."""

from bot.public.pages import bp

__all__ = ["bp"]
