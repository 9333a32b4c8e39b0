"""Open311 GeoReport v2 under ``/open311/v2/``: other systems (the city's 12345 platform, apps) report into the
same lifecycle as WeChat, and read the public projection of every case. The surface parses, checks the key,
calls ``bot.intake.open311.submit`` or ``bot.dispatch.projection``, and renders XML or JSON."""

from bot.open311.views import bp, init_app

__all__ = ["bp", "init_app"]
