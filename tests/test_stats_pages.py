"""Issue 12's pages: the console's ``/console/stats`` and the residents' ``/public/``, on cases made through the
real webhooks and console (a resident reports, the squad resolves in WeChat Work, the dispatcher closes).

The fixture, on Wednesday 2026-11-18 at 09:00 (露天烧烤: 2 working hours to resolve):
- A (城区二中队, SQ02): resolved after 1 h (on time), rated 满意, closed;
- B (SQ02, another grid): dispatched, never resolved: overdue since 11:00;
- C (城区一中队, SQ01): resolved after 3 h (late), closed;
- D (路灯不亮): 不予立案 by the dispatcher before it was dispatched.
Seen on Saturday 2026-11-21 09:00, November holds: 受理 4, 立案 3 (75.0%), 派遣 3, 应结案 3 (A, C, B), 结案 2
(66.7%), 按期结案 1 (33.3%), 超期 2 (C late, B open), 返工 0 (0.0%), 满意率 100.0% (one 满意); October is empty.
SQ02 alone: 受理 2, 立案 2, 应结案 2, 结案 1 (50.0%), 按期结案 1 (50.0%).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest

from tests.console import decide, signed_in
from tests.support import MARKET, advance, freeze, report_case, resolve

SQ02_OTHER_GRID = (29.619022, 119.054411)
SQ01_GRID = (29.609947, 119.044177)
RESIDENTS = ("oStatsResidentA000000000001", "oStatsResidentB000000000002", "oStatsResidentC000000000003",
             "oStatsResidentD000000000004")
DESCRIPTIONS = ("明珠菜场门口有人占道烧烤", "新安北路有人烤串摆摊", "阳光路夜宵摊烧烤冒烟", "阳光路的路灯不亮了")


@pytest.fixture
def november(app, clock, wechat, wework, fake_platform, run_worker):  # noqa: ANN001, ANN201
    freeze(clock, datetime(2026, 11, 18, 1, 0, tzinfo=UTC))  # 09:00 in the bureau's zone
    a = report_case(wechat, RESIDENTS[0], DESCRIPTIONS[0], MARKET, "明珠菜场")
    b = report_case(wechat, RESIDENTS[1], DESCRIPTIONS[1], SQ02_OTHER_GRID, "新安北路")
    c = report_case(wechat, RESIDENTS[2], DESCRIPTIONS[2], SQ01_GRID, "阳光路")
    d = report_case(wechat, RESIDENTS[3], DESCRIPTIONS[3], SQ01_GRID, "阳光路")
    dispatcher = signed_in(app, "zhangli", "dispatcher", name="张丽")
    assert decide(dispatcher, d, "invalidate", reason="不属于城管职责").status_code == 302
    run_worker()  # A, B, C dispatched
    advance(clock, hours=1)
    resolve(wework, fake_platform, a)  # on time
    assert "感谢您的评价（满意）" in wechat.text(RESIDENTS[0], "1").text
    advance(clock, hours=2)
    resolve(wework, fake_platform, c, member="fangxiaoyu")  # 城区一中队, an hour late
    for number in (a, c):
        assert decide(dispatcher, number, "close").status_code == 302
    run_worker()
    advance(clock, days=2, hours=21)  # Saturday 09:00 (a new sign-in: the console session has expired)
    return {"numbers": (a, b, c, d), "dispatcher": signed_in(app, "wangfang", "dispatcher", name="王芳")}


def kpis(html: str) -> dict[str, str]:
    """The big numbers of the stats page: label -> value."""
    return dict(re.findall(r'<span class="label">([^<]+)</span><span class="value">([^<]+)</span>', html))


def test_the_stats_page_shows_the_months_figures_against_the_previous_month(november):
    page = november["dispatcher"].get("/console/stats?period=month&day=2026-11-18")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "2026年11月" in html and "与上期（2026年10月）比较" in html
    assert kpis(html) == {"立案率": "75.0%", "结案率": "66.7%", "按期结案率": "33.3%", "返工率": "0.0%",
                          "满意率": "100.0%", "受理数": "4", "立案数": "3", "派遣数": "3", "应结案数": "3",
                          "结案数": "2", "按期结案数": "1", "超期数": "2", "返工数": "0", "延期数": "0"}
    assert '<span class="delta none">上期无数据</span>' in html  # October has no rates: no made-up change
    assert '<span class="delta flat">↑ 4</span>' in html  # 受理 4 against 0
    assert '<span class="delta bad">↑ 2</span>' in html  # 超期 2 against 0
    ranking = html[html.index("单位排名"):html.index("处置用时（按类别）")]
    assert "城区一中队" in ranking and "城区二中队" in ranking and "路灯所" in ranking  # D was routed there
    assert ranking.count("样本不足") == 3  # fewer than 10 cases due: listed, not ranked
    assert "露天烧烤" in html  # the categories
    sla = html[html.index("时限监控"):html.index("分类受理")]
    assert re.search(r"7 天以上</td><td class=\"num \">0", sla) and re.search(r"1–3 天</td><td class=\"num overdue-text\">1", sla)
    assert "overdue=1" in sla  # the overdue list is a click away


def test_a_period_without_cases_shows_dashes_not_zero_percent(november):
    html = november["dispatcher"].get("/console/stats?period=custom&from=2026-11-19&to=2026-11-20").get_data(as_text=True)
    assert "2026-11-19 至 2026-11-20" in html
    figures = kpis(html)
    assert figures["受理数"] == "0" and figures["应结案数"] == "0"
    assert {figures[k] for k in ("立案率", "结案率", "按期结案率", "返工率", "满意率")} == {"—"}
    wrong = november["dispatcher"].get("/console/stats?period=custom&from=2026-11-20&to=2026-11-01").get_data(as_text=True)
    assert "结束日期不早于开始日期" in wrong and "2026年11月" in wrong


def test_a_leader_sees_only_their_units_figures_and_cannot_pick_another(app, november):
    leader = signed_in(app, "yuzhiqiang", "leader", unit="SQ02", name="余志强")
    for path in ("/console/stats?period=month&day=2026-11-18", "/console/stats?period=month&day=2026-11-18&unit=SQ01"):
        html = leader.get(path).get_data(as_text=True)
        figures = kpis(html)
        assert (figures["受理数"], figures["立案数"], figures["应结案数"], figures["结案数"]) == ("2", "2", "2", "1")
        assert (figures["结案率"], figures["按期结案率"]) == ("50.0%", "50.0%")
        ranking = html[html.index("单位排名"):html.index("处置用时（按类别）")]
        assert "城区二中队" in ranking and "城区一中队" not in ranking
        assert 'name="unit"' not in html  # no unit to choose


def test_the_viewer_sees_the_statistics_without_links_to_cases(app, november):
    viewer = signed_in(app, "guest", "viewer", name="访客")
    page = viewer.get("/console/stats")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and kpis(html)["受理数"] == "4"
    assert "/console/cases" not in html.split("</nav>", 1)[1]  # no case list behind the numbers for a viewer
    assert 'href="/console/stats"' in html  # the nav link


def test_the_filters_narrow_the_figures(november):
    client = november["dispatcher"]
    assert kpis(client.get("/console/stats?unit=SQ01").get_data(as_text=True))["受理数"] == "1"
    assert kpis(client.get("/console/stats?category=E05").get_data(as_text=True))["受理数"] == "3"
    assert kpis(client.get("/console/stats?category=C0110").get_data(as_text=True))["立案数"] == "0"
    assert kpis(client.get("/console/stats?channel=hotline").get_data(as_text=True))["受理数"] == "0"
    assert kpis(client.get("/console/stats?period=week&day=2026-11-16").get_data(as_text=True))["结案数"] == "2"
    assert kpis(client.get("/console/stats?period=day&day=2026-11-17").get_data(as_text=True))["受理数"] == "0"


def test_the_public_page_needs_no_login_is_cacheable_and_holds_no_case(app, november):
    client = app.test_client()
    page = client.get("/public/")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "public, max-age=300" and page.headers["ETag"]
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    html = page.get_data(as_text=True)
    november_, october = (dict(re.findall(r"<b>([^<]+)</b><span>([^<]+)</span>", part))
                          for part in html.split('<section class="card month">')[1:3])
    assert november_ == {"4": "受理数", "66.7%": "结案率", "33.3%": "按期结案率", "100.0%": "满意率"}
    assert october == {"0": "受理数", "—": "满意率"}  # and '—' for 结案率 and 按期结案率: no case was due
    assert "2026年11月" in html and "2026年10月" in html and html.count(">样本不足</td>") == 3
    assert "露天烧烤" in html
    data = re.search(r'<script type="application/json" id="public-data">(.*?)</script>', html, re.S).group(1)
    readable = html + json.dumps(json.loads(data), ensure_ascii=False)  # the chart data, unescaped
    assert "露天烧烤" in readable and "排岭路网格二" in readable
    for secret in (*november["numbers"], *RESIDENTS, *DESCRIPTIONS, "<img", "/media/"):
        assert secret not in readable, secret
    assert client.get("/public/", headers={"If-None-Match": page.headers["ETag"]}).status_code == 304
    assert client.get("/").status_code == 200  # the landing page still answers
    assert client.get("/public/static/echarts/echarts.min.js").status_code == 200
    assert client.get("/public/static/leaflet/leaflet.js").status_code == 200
