"""WSGI entry point: ``gunicorn wsgi:app`` (settings in gunicorn.conf.py)."""

from bot import create_app

app = create_app()
app.extensions["citybot.services"].understanding.classifier  # noqa: B018 - warm before gunicorn forks
