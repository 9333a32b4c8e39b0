"""Issue 11: an admin uploads a grid file, sees it checked and previewed, then applies it in one transaction
(the loader of ``citybot load-area``); a bad file changes nothing; only admins may."""

from __future__ import annotations

import io
import json
import re

import pytest
from sqlalchemy import select

from bot.models import Grid
from tests.conftest import ROOT
from tests.console import csrf_token, fresh_session, signed_in


@pytest.fixture
def db(app):  # noqa: ANN001, ANN201
    yield from fresh_session(app)


def upload(client, data: bytes):  # noqa: ANN001, ANN201
    token = csrf_token(client, "/console/areas")
    return client.post("/console/areas/preview", data={"csrf_token": token, "file": (io.BytesIO(data), "area.geojson")},
                       content_type="multipart/form-data")


def renamed_area() -> bytes:
    area = json.loads((ROOT / "demo" / "area.geojson").read_text(encoding="utf-8"))
    grid = next(f for f in area["features"] if f["properties"].get("grid_code"))
    grid["properties"]["name"] = "新命名网格"
    return json.dumps(area, ensure_ascii=False).encode()


def test_an_admin_previews_then_applies_a_grid_file(app, db):
    admin = signed_in(app, "admin1", "admin")
    preview = upload(admin, renamed_area())
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "24 个网格" in page and "确认更新" in page
    assert db.scalar(select(Grid).where(Grid.name == "新命名网格")) is None  # nothing applied yet
    token = re.search(r'name="token" value="([0-9a-f]+)"', page).group(1)
    features = admin.get(f"/console/areas/preview/{token}.geojson").get_json()["features"]
    assert len(features) == 24
    applied = admin.post("/console/areas/apply", data={"csrf_token": csrf_token(admin, "/console/areas"), "token": token})
    assert applied.status_code == 302
    assert db.scalar(select(Grid).where(Grid.name == "新命名网格")) is not None
    assert "已更新 24 个网格" in admin.get("/console/areas").get_data(as_text=True)
    again = admin.post("/console/areas/apply", data={"csrf_token": csrf_token(admin, "/console/areas"), "token": token})
    assert again.status_code == 404  # a preview is applied once


def test_a_bad_file_is_refused_whole(app, db):
    admin = signed_in(app, "admin1", "admin")
    before = sorted(db.scalars(select(Grid.name)))
    for data in (b"not json", json.dumps({"type": "FeatureCollection", "features": []}).encode()):
        response = upload(admin, data)
        assert response.status_code == 422 and "文件无法使用" in response.get_data(as_text=True)
    assert sorted(db.scalars(select(Grid.name))) == before


@pytest.mark.parametrize("role", ["dispatcher", "leader", "viewer", "operator"])
def test_only_admins_manage_areas(app, role):
    client = signed_in(app, f"u{role}", role, unit="SQ02" if role == "leader" else None)
    assert client.get("/console/areas").status_code == 403
    token = csrf_token(client, "/console/login")
    data = {"csrf_token": token, "file": (io.BytesIO(renamed_area()), "a.geojson")}
    response = client.post("/console/areas/preview", data=data, content_type="multipart/form-data")
    assert response.status_code == 403
