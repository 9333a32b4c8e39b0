"""A resident's own case page (/r/<token>), linked from template and subscription messages."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import select, update

from bot.models import Rating, Resident
from tests.support import advance, card_url, cards, freeze_now, report_case, resolve, the_case

OPENID = "oResidentOwnPage00000000001"
CSRF = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


def resolved_with_template(app, wechat, wework, fake_platform, run_worker, db) -> tuple[str, str]:  # noqa: ANN001
    services = app.extensions["citybot.services"]
    services.deps = replace(services.deps, settings=services.settings.replace(wechat_template_case_update="TPL-1"))
    number = report_case(wechat, OPENID)
    db.execute(update(Resident).values(last_interaction_at=datetime.now(UTC) - timedelta(hours=49)))
    db.commit()
    run_worker()  # dispatched: the card goes out
    resolve(wework, fake_platform, number)
    run_worker()
    link = [c["body"]["url"] for c in fake_platform.calls("/cgi-bin/message/template/send")][-1]
    return number, urlsplit(link).path


def test_the_page_shows_state_steps_and_the_after_photo_and_rates(app, wechat, wework, fake_platform, run_worker,
                                                                   db, client):
    number, path = resolved_with_template(app, wechat, wework, fake_platform, run_worker, db)
    assert path.startswith("/r/")
    page = client.get(path).get_data(as_text=True)
    assert f"编号 {number}" in page and "已处置" in page and "已派遣" in page and "处置后照片" in page
    assert "您对处理结果满意吗" in page
    photo = re.search(r'<img src="([^"]+)" alt="处置后照片"', page)
    assert photo and client.get(urlsplit(photo.group(1)).path).mimetype == "image/jpeg"

    token = CSRF.search(page).group(1)
    rated = client.post(f"{path}/rate", data={"csrf_token": token, "value": "1"})
    assert rated.status_code == 302
    assert db.scalar(select(Rating.value)) == 1
    after = client.get(rated.headers["Location"]).get_data(as_text=True)
    assert "感谢您的评价（满意）" in after and "您对处理结果满意吗" not in after  # one rating per round


def test_dissatisfied_on_the_page_reopens_like_the_reply_3(app, wechat, wework, fake_platform, run_worker, db,
                                                           client):
    number, path = resolved_with_template(app, wechat, wework, fake_platform, run_worker, db)
    token = CSRF.search(client.get(path).get_data(as_text=True)).group(1)
    client.post(f"{path}/rate", data={"csrf_token": token, "value": "3"})
    case = the_case(db, number)
    assert case.state == "dispatched" and case.reopen_count == 1  # 返工: back to the squad


def test_the_link_expires_and_a_squads_link_is_no_residents_link(app, wechat, wework, fake_platform, run_worker, db,
                                                                 client, clock):
    freeze_now(clock)
    _, path = resolved_with_template(app, wechat, wework, fake_platform, run_worker, db)
    squad_token = urlsplit(card_url(cards(fake_platform)[0])).path.rsplit("/", 1)[1]
    assert client.get(f"/r/{squad_token}").status_code == 404
    assert client.get(path).status_code == 200
    advance(clock, days=31)
    assert client.get(path).status_code == 404
