"""What gunicorn reads by itself when started from the repository root; the settings are ``bot.gunicorn_conf``."""

from bot.gunicorn_conf import preload_app, threads, timeout, worker_class

__all__ = ["preload_app", "threads", "timeout", "worker_class"]
