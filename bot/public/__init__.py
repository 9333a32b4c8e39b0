"""Pages residents and squads reach outside the chat: the landing page at ``/``, the error pages, the
bureau's notices (``/public/notices/<id>``), the town's monthly figures at ``/public/``, the squad's mobile work
page (``/s/``) and a resident's own case page (``/r/``)."""

from bot.public import notices, statistics  # noqa: F401 - they register their views on the blueprint
from bot.public.pages import bp
from bot.public.resident_page import bp as resident_bp
from bot.public.squad_page import bp as squad_bp

__all__ = ["bp", "resident_bp", "squad_bp"]
