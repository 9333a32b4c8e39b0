"""WSGI entry point: ``gunicorn wsgi:app``."""

from bot import create_app

app = create_app()
