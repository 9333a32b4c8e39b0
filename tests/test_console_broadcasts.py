"""The console's notices page ``/console/broadcasts``: who may use it, composing with the audience's size and
quota impact, preview, the second person's approval of a send to all, scheduling and cancelling; and the
compose page in a real browser (screenshots in ``test-artifacts/``; the README's is one of them)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Broadcast
from tests.console import PASSWORD, add_user, csrf_token, fresh_session, signed_in
from tests.support import CHROMIUM, chromium_page, make_resident

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def db(app) -> Iterator[Session]:  # noqa: ANN001
    yield from fresh_session(app)


def post(client: FlaskClient, path: str, **fields: str):  # noqa: ANN201
    return client.post(path, data={**fields, "csrf_token": csrf_token(client, "/console/broadcasts")})


def compose(client: FlaskClient, to: str = "all", **fields: str):  # noqa: ANN201
    values = {"title": "台风预警", "text": "今晚有台风，请收好阳台物品，注意安全。", "to": to, **fields}
    return post(client, "/console/broadcasts", **values)


def newest(db: Session) -> Broadcast:
    db.expire_all()
    return db.scalars(select(Broadcast).order_by(Broadcast.id.desc())).first()


def test_only_dispatchers_and_admins_use_notices(app):
    for role in ("leader", "viewer", "operator"):
        refused = signed_in(app, f"u{role}", role, unit="SQ02" if role == "leader" else None)
        assert refused.get("/console/broadcasts").status_code == 403
    for role in ("dispatcher", "admin"):
        page = signed_in(app, f"u{role}", role).get("/console/broadcasts")
        assert page.status_code == 200 and "撰写通知" in page.get_data(as_text=True)
    assert app.test_client().get("/console/broadcasts").status_code == 302  # to the sign-in page


def test_compose_shows_audience_size_and_quota_impact(app, db):
    make_resident(db)
    make_resident(db)
    alice = signed_in(app, "alice", "dispatcher", name="李调度")
    fragment = alice.get("/console/broadcasts/audience", query_string={"to": "all"}).get_data(as_text=True)
    assert "<strong>2</strong> 人" in fragment and "将发送给 <strong>2</strong> 人" in fragment
    assert "明珠社区" in alice.get("/console/broadcasts").get_data(as_text=True)
    answer = compose(alice, to="reported:明珠社区", days="7")
    assert answer.status_code == 302
    draft = newest(db)
    assert (draft.state, draft.audience, draft.area, draft.days) == ("draft", "reported", "明珠社区", 7)
    refused = compose(alice, title="")
    assert refused.status_code == 422 and "标题不符合要求" in refused.get_data(as_text=True)


def test_a_send_to_all_is_approved_by_another_dispatcher_then_sent(app, db, run_worker, fake_platform):
    make_resident(db)
    alice = signed_in(app, "alice", "dispatcher", name="李调度")
    carol = signed_in(app, "carol", "dispatcher", name="王值班")
    compose(alice)
    pk = newest(db).id
    assert post(alice, f"/console/broadcasts/{pk}/preview", openid="oStaffPreview0000000001").status_code == 302
    assert post(alice, f"/console/broadcasts/{pk}/submit").status_code == 302
    assert newest(db).state == "awaiting_approval"
    own = post(alice, f"/console/broadcasts/{pk}/approve")
    assert own.status_code == 409 and "不能审核自己撰写的通知" in own.get_data(as_text=True)
    assert post(carol, f"/console/broadcasts/{pk}/approve").status_code == 302
    run_worker()
    assert len(fake_platform.calls("/cgi-bin/message/mass/preview")) == 1
    (sent,) = fake_platform.calls("/cgi-bin/message/mass/sendall")
    assert sent["body"]["filter"] == {"is_to_all": True}
    listed = alice.get("/console/broadcasts").get_data(as_text=True)
    assert "已发送" in listed and "李调度 · 王值班" in listed


def test_a_scheduled_notice_can_be_cancelled_before_it_goes(app, db, run_worker, fake_platform):
    alice = signed_in(app, "alice", "dispatcher")
    compose(alice, to="area:明珠社区", send_at="2031-01-01T08:00")
    pk = newest(db).id
    assert post(alice, f"/console/broadcasts/{pk}/submit", send_at="2031-01-01T08:00").status_code == 302
    assert newest(db).state == "scheduled"
    assert post(alice, f"/console/broadcasts/{pk}/cancel").status_code == 302
    run_worker()
    assert newest(db).state == "cancelled" and not fake_platform.calls("/cgi-bin/message/mass/sendall")
    again = post(alice, f"/console/broadcasts/{pk}/cancel")
    assert again.status_code == 409 and "已取消" in again.get_data(as_text=True)


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)")
def test_compose_page_in_the_browser(app, live_url, db):
    pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    from playwright.sync_api import expect

    for _ in range(3):
        make_resident(db)
    add_user(app, "alice", "dispatcher", name="李调度")
    with chromium_page(1366, 900) as page:
        problems: list[str] = []  # failed requests (the browser's own favicon.ico aside) and script errors
        page.on("response", lambda r: r.status >= 400 and not r.url.endswith("/favicon.ico") and problems.append(r.url))
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(f"{live_url}/console/login")
        page.fill("input[name=username]", "alice")
        page.fill("input[name=password]", PASSWORD)
        page.click("button.primary")
        page.goto(f"{live_url}/console/broadcasts")
        expect(page.locator("#audience")).to_contain_text("3 人")  # HTMX loaded the audience's size
        page.fill("input[name=title]", "新安路夜间施工绕行通知")
        page.fill("textarea[name=text]", "11月25日至12月10日每晚22时至次日5时，新安路（明珠菜场至城中路口）封闭施工，"
                                          "渣土车按夜间路线通行，请过往车辆和行人绕行。")
        page.select_option("select[name=to]", "reported:明珠社区")
        expect(page.locator("#audience")).to_contain_text("0 人")
        page.select_option("select[name=to]", "all")
        expect(page.locator("#audience")).to_contain_text("将发送给 3 人")
        artifacts = ROOT / "test-artifacts"
        artifacts.mkdir(exist_ok=True)
        page.screenshot(path=str(artifacts / "console-broadcasts-compose.png"), full_page=True)
        page.click("form.compose button.primary")
        expect(page.locator("h1")).to_contain_text("新安路夜间施工绕行通知")
        page.click("button:has-text('提交发送')")
        expect(page.locator(".flash.success")).to_contain_text("需另一位派遣员或管理员审核")
        page.screenshot(path=str(artifacts / "console-broadcast-awaiting.png"), full_page=True)
        assert problems == []
