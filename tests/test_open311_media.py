"""An Open311 ``media_url`` photo fetched by the worker over real HTTP (from a server on 127.0.0.1, which only
this module's settings allow: by default private addresses are refused, see test_open311.py)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from bot.config import Settings
from bot.models import Media
from tests.images import street_photo
from tests.open311 import make_key, post_request
from tests.support import the_case

PHOTO = street_photo()


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.replace(media_url_allow_private=True, max_media_bytes=200_000)


@pytest.fixture
def photo_server() -> Iterator[str]:
    @Request.application
    def serve(request: Request) -> Response:
        if request.path == "/moved.jpg":
            return Response(status=302, headers={"Location": "/photo.jpg"})
        if request.path == "/big.jpg":
            return Response(b"\xff" * 300_000, content_type="image/jpeg")
        if request.path == "/text":
            return Response("not a photo", content_type="text/plain")
        if request.path == "/photo.jpg":
            return Response(PHOTO, content_type="image/jpeg")
        return Response(status=404)

    server = make_server("127.0.0.1", 0, serve, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def _media_after_worker(app, client, db, run_worker, url: str) -> Media:  # noqa: ANN001
    number = post_request(client, make_key(app), media_url=url).get_json()[0]["service_request_id"]
    media = db.scalar(select(Media).where(Media.case_id == the_case(db, number).id))
    assert media.state == "pending" and media.url == url and media.channel == "url"
    run_worker()
    db.expire_all()
    return db.get_one(Media, media.id)


def test_media_url_is_fetched_by_a_job_like_a_residents_photo(app, client, db, run_worker, photo_server):
    media = _media_after_worker(app, client, db, run_worker, f"{photo_server}/moved.jpg")  # one redirect, checked again
    assert media.state == "stored" and (media.width, media.height) == (32, 64)  # turned upright
    assert media.path.endswith(".jpg") and media.thumb_path and media.gps_lat is not None


@pytest.mark.parametrize(("path", "error"), [("/big.jpg", "too_large"), ("/text", "unreadable"), ("/gone", "unavailable")])
def test_media_url_that_cannot_be_used_is_failed_not_retried(app, client, db, run_worker, photo_server, path, error):
    media = _media_after_worker(app, client, db, run_worker, f"{photo_server}{path}")
    assert media.state == "failed" and media.error.startswith(error) and media.attempts == 1
