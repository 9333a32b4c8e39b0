"""Issue 11: each role sees and does only what it needs; residents are never shown by openid.

admin and dispatcher: everything, residents masked; leader: their unit's cases (another unit's is a 404), read
and notes; viewer: statistics and the map, no resident data, no actions; operator: reads cases, decides nothing.
"""

from __future__ import annotations

import json
import logging

import pytest

from bot.residents.privacy import mask
from tests.console import csrf_token, decide, fresh_session, signed_in
from tests.support import BARBECUE, make_case, make_resident, report_case, the_case

ANNA = "oConsoleRolesAnna00000000001"
MASKED = mask(ANNA).split(" ")[1]  # "oC***0001"
ROLES = ("admin", "dispatcher", "leader", "viewer", "operator")


@pytest.fixture
def db(app):  # noqa: ANN001, ANN201
    yield from fresh_session(app)


@pytest.fixture
def cases(app, wechat, wework, run_worker, db):  # noqa: ANN001, ANN201
    """A case of 城区二中队 (SQ02) reported through WeChat, with pushes and an extension request; one of SQ01."""
    ours = report_case(wechat, ANNA)
    run_worker()
    wework.text("wujingjing", f"延期 {ours} 1天 等待市场配合")
    theirs = make_case(db, make_resident(db), unit_code="SQ01", description="城区一中队的案件：井盖缺失").number
    return ours, theirs


def user(app, role: str):  # noqa: ANN001, ANN201
    return signed_in(app, f"u{role}", role, unit="SQ02" if role == "leader" else None, name=f"{role}用户")


def pages(number: str) -> list[str]:
    return ["/console/", "/console/live", "/console/cases", "/console/cases?q=" + number, "/console/cases.csv",
            f"/console/cases/{number}", "/console/map", "/console/map/points", "/console/map/grids", "/console/units",
            "/console/reports", "/console/intake", "/console/intake/grids",
            "/console/intake/category?description=明珠菜场门口有人烤串", "/console/intake/places?address=明珠"]


@pytest.mark.parametrize("role", ROLES)
def test_no_raw_openid_on_any_page_and_the_masked_id_only_for_admin_and_dispatcher(app, cases, role, caplog):
    caplog.set_level(logging.INFO)
    client = user(app, role)
    ours, _ = cases
    seen = ""
    for path in pages(ours):
        response = client.get(path)
        assert response.status_code in (200, 403), (path, response.status_code)
        body = response.get_data(as_text=True)
        assert ANNA not in body and ANNA[2:-4] not in body, f"the openid on {path} for {role}"
        assert ANNA not in response.headers.get("Location", "")
        seen += body
    assert (MASKED in seen) is (role in ("admin", "dispatcher"))
    console_logs = [r.getMessage() for r in caplog.records if r.name.startswith(("bot.console", "bot.accounts"))]
    assert console_logs and not any(ANNA in line for line in console_logs)


def test_a_leader_sees_only_their_units_cases_and_may_only_add_notes(app, cases, db):
    ours, theirs = cases
    leader = user(app, "leader")
    assert leader.get(f"/console/cases/{ours}").status_code == 200
    assert leader.get(f"/console/cases/{theirs}").status_code == 404
    listing = leader.get("/console/cases").get_data(as_text=True)
    assert ours in listing and theirs not in listing
    assert theirs not in leader.get("/console/cases?unit=SQ01").get_data(as_text=True)  # the scope is not a choice
    assert theirs not in leader.get("/console/cases.csv").get_data(as_text=True)
    assert theirs not in leader.get("/console/map/points").get_data(as_text=True)
    for action, fields in (("dispatch", {"unit": "SQ01"}), ("close", {}), ("invalidate", {"reason": "x"}),
                           ("reply", {"text": "x"}), ("merge", {"into": theirs}), ("split", {}), ("rework", {"note": "x"})):
        assert decide(leader, ours, action, **fields).status_code == 403, action
    token = csrf_token(leader, f"/console/cases/{ours}")
    assert leader.post(f"/console/cases/{theirs}/note", data={"text": "x", "csrf_token": token}).status_code == 404
    assert leader.post("/console/extensions/1/approve", data={"csrf_token": token}).status_code == 403
    assert decide(leader, ours, "note", text="已电话督促中队").status_code == 302
    last = the_case(db, ours).events[-1]
    assert (last.action, last.actor_name, last.note) == ("note", "leader用户", "已电话督促中队")
    page = leader.get(f"/console/cases/{ours}").get_data(as_text=True)
    assert "/dispatch" not in page and "同意延期" not in page and "市民发来的消息" not in page
    assert "已派遣至城区二中队" not in page  # pushes to residents are resident data


def test_a_viewer_sees_statistics_and_the_map_but_no_cases_and_acts_on_nothing(app, cases):
    ours, _ = cases
    viewer = user(app, "viewer")
    dashboard = viewer.get("/console/").get_data(as_text=True)
    assert "待分拨" in dashboard and "延期待批" in dashboard and ours not in dashboard and BARBECUE not in dashboard
    for path in ("/console/cases", f"/console/cases/{ours}", "/console/cases.csv"):
        assert viewer.get(path).status_code == 403, path
    points = json.loads(viewer.get("/console/map/points").get_data(as_text=True))["points"]
    assert points and all(p["url"] is None and "description" not in p for p in points)
    assert viewer.get("/console/units").status_code == 200
    token = csrf_token(viewer, "/console/")
    for action in ("dispatch", "close", "note", "reply"):
        assert viewer.post(f"/console/cases/{ours}/{action}", data={"csrf_token": token, "text": "x"}).status_code == 403
    assert viewer.post("/console/extensions/1/approve", data={"csrf_token": token}).status_code == 403


def test_an_operator_reads_cases_without_resident_data_and_decides_nothing(app, cases):
    ours, _ = cases
    operator = user(app, "operator")
    response = operator.get("/console/login")  # signed in already: the form again, no harm
    assert response.status_code == 200
    page = operator.get(f"/console/cases/{ours}").get_data(as_text=True)
    assert BARBECUE in page and MASKED not in page and "反映人：市民" in page
    assert operator.get("/console/").status_code == 403  # statistics are not the operator's
    assert decide(operator, ours, "note", text="x").status_code == 403
    assert decide(operator, ours, "close").status_code == 403


def test_admin_and_dispatcher_see_the_masked_reporter_and_the_residents_messages(app, cases):
    ours, _ = cases
    for role in ("admin", "dispatcher"):
        page = user(app, role).get(f"/console/cases/{ours}").get_data(as_text=True)
        assert f"反映人：{mask(ANNA)}" in page and "市民发来的消息" in page and BARBECUE in page


def test_a_post_without_csrf_is_refused_for_every_role(app, cases, db):
    ours, _ = cases
    before = len(the_case(db, ours).events)
    for role in ROLES:
        client = user(app, role)
        assert client.post(f"/console/cases/{ours}/note", data={"text": "x"}).status_code == 400
    assert len(the_case(db, ours).events) == before
