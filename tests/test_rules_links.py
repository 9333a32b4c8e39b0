"""Squads' signed links, pinned at their boundaries: a case link opens for 14 days, and a photo is
served only from inside MEDIA_DIR, whatever path its media row holds."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import update

from bot.models import Media
from tests.images import street_photo
from tests.support import card_url, cards, freeze, freeze_now, report_case

OPENID = "oResidentLinks0000000000001"


def case_page_link(fake_platform) -> str:  # noqa: ANN001
    """The link on the squad's card, as a path on our server."""
    [card] = cards(fake_platform)
    return urlsplit(card_url(card)).path


@pytest.mark.parametrize(("age", "status"), [
    (timedelta(days=14) - timedelta(minutes=1), 200),
    (timedelta(days=14) + timedelta(minutes=1), 404),
], ids=["just inside 14 days: opens", "just outside: 404"])
def test_a_squads_case_link_opens_for_14_days(wechat, run_worker, fake_platform, client, clock, age, status):
    sent = freeze_now(clock)
    report_case(wechat, OPENID)
    run_worker()  # the card with the link
    freeze(clock, sent + age)
    assert client.get(case_page_link(fake_platform)).status_code == status


def photo_links(wechat, run_worker, fake_platform, client) -> list[str]:  # noqa: ANN001
    """A case reported with a photo; the links to the photo and its thumbnail on the squad's case page."""
    wechat.image(OPENID, fake_platform.upload(street_photo(gps=None)))
    report_case(wechat, OPENID)
    run_worker()  # stores the photo, sends the card
    page = client.get(case_page_link(fake_platform)).get_data(as_text=True)
    links = re.search(r'<a href="([^"]+)"><img src="([^"]+)"', page)
    assert links is not None, page
    return [urlsplit(link).path for link in links.groups()]


def test_a_photo_stored_inside_media_dir_is_served(wechat, run_worker, fake_platform, client):
    """Inside side of the /m/ guard."""
    for link in photo_links(wechat, run_worker, fake_platform, client):
        response = client.get(link)
        assert response.status_code == 200 and response.mimetype == "image/jpeg"


@pytest.mark.parametrize("where", ["parent", "sibling", "absolute", "symlink"])
def test_a_media_row_pointing_outside_media_dir_is_404(wechat, run_worker, fake_platform, client, db, settings,
                                                       tmp_path, where):
    """Outside side of the /m/ guard: a file exists there, and is not served."""
    links = photo_links(wechat, run_worker, fake_platform, client)
    media_dir = Path(settings.media_dir)
    outside = tmp_path / ("media-sibling" if where == "sibling" else "elsewhere") / "photo.jpg"
    outside.parent.mkdir()
    outside.write_bytes(street_photo())
    stored = {"parent": "../elsewhere/photo.jpg", "sibling": "../media-sibling/photo.jpg",
              "absolute": str(outside), "symlink": "zz/link.jpg"}[where]
    if where == "symlink":
        (media_dir / "zz").mkdir()
        (media_dir / stored).symlink_to(outside)
    db.execute(update(Media).values(path=stored, thumb_path=stored))
    db.commit()
    assert [client.get(link).status_code for link in links] == [404, 404]
