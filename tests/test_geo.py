"""Geography: datum conversion, the area file, grid lookup (borders, outside), the gazetteer."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import shape
from sqlalchemy import func, select

from bot.geo.area_file import AreaFileError, parse_area
from bot.geo.datum import distance_m, gcj02_to_wgs84, wgs84_to_gcj02
from bot.geo.index import AreaIndex
from bot.geo.loading import load_area
from bot.models import Grid, Place
from bot.understanding.geotag import BadCoordinates, locate_point

ROOT = Path(__file__).resolve().parent.parent
DEMO = json.loads((ROOT / "demo" / "area.geojson").read_text(encoding="utf-8"))
china = st.tuples(st.floats(18.0, 53.0), st.floats(74.0, 134.0))


# -- datum ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("wgs", "gcj"),
    [  # published reference values (coordtransform / hutool test suites)
        ((39.915, 116.404), (39.91640428150164, 116.41024449916938)),
        ((40.0, 116.0), (40.001213650174, 116.006141221789)),
    ],
)
def test_wgs84_to_gcj02_matches_reference_points(wgs, gcj):
    lat, lng = wgs84_to_gcj02(*wgs)
    assert distance_m(lat, lng, *gcj) < 0.01


@settings(max_examples=300)
@given(china)
def test_gcj02_round_trip_is_within_a_centimetre(point):
    back = gcj02_to_wgs84(*wgs84_to_gcj02(*point))
    assert distance_m(*back, *point) < 0.01


@settings(max_examples=200)
@given(china)
def test_the_offset_is_a_few_hundred_metres_at_most(point):
    assert distance_m(*point, *wgs84_to_gcj02(*point)) < 1000


def test_outside_china_nothing_changes():
    assert wgs84_to_gcj02(48.8566, 2.3522) == (48.8566, 2.3522)


# -- area file ----------------------------------------------------------------------------------
def test_demo_area_is_complete():
    area = parse_area(DEMO)
    assert len(area.grids) >= 20 and len(area.places) >= 30
    assert len({g.squad_code for g in area.grids}) == 4
    assert all(len(g.code) == 15 and g.code.isdigit() for g in area.grids)


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (lambda f: f[3]["properties"].pop("squad_code"), "feature #3 (330127"),
        (lambda f: f[5]["geometry"]["coordinates"][0].__setitem__(1, ["x", 29.6]), "must be numbers"),
        (lambda f: f[2]["geometry"].update(coordinates=[[[119, 29], [119.1, 29.1], [119, 29.1], [119.1, 29],
                                                           [119, 29]]]), "invalid polygon"),
        (lambda f: f[7]["properties"].update(grid_code=f[6]["properties"]["grid_code"]), "duplicate grid_code"),
        (lambda f: f[-1]["properties"].update(name=""), "needs a name"),
        (lambda f: f[4]["geometry"].update(type="LineString"), "feature #4"),
        (lambda f: f[1]["geometry"]["coordinates"][0].__setitem__(0, [500, 29.6]), "out of range"),
    ],
)
def test_a_malformed_file_is_refused_naming_the_feature(breakage, message):
    broken = copy.deepcopy(DEMO)
    breakage(broken["features"])
    with pytest.raises(AreaFileError, match=message.replace("(", r"\(")):
        parse_area(broken)


def test_loading_twice_is_idempotent(app, db):
    with app.app_context():
        with app.extensions["citybot.db"].transaction() as session:
            load_area(session, parse_area(DEMO))  # the fixture loaded it once already
    assert db.scalar(select(func.count()).select_from(Grid)) == 24
    assert db.scalar(select(func.count()).select_from(Place)) == len(parse_area(DEMO).places)


def test_cli_load_area_refuses_a_bad_file_whole(app, db, tmp_path):
    broken = copy.deepcopy(DEMO)
    broken["features"][0]["properties"]["grid_code"] = "999999999999999"  # a new grid, loadable…
    broken["features"][-1]["geometry"]["coordinates"] = ["a", "b"]  # …but the file is bad
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps(broken), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["load-area", str(path)])
    assert result.exit_code != 0 and "nothing was loaded" in result.output
    assert db.get(Grid, "999999999999999") is None


# -- lookup -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def index() -> AreaIndex:
    area = parse_area(DEMO)
    grids = [Grid(code=g.code, name=g.name, squad_code=g.squad_code, geometry=json.dumps(g.geometry))
             for g in area.grids]
    places = [Place(name=p.name, aliases=list(p.aliases), lat=p.lat, lng=p.lng) for p in area.places]
    return AreaIndex(grids, places)


def shared_border_points() -> list[tuple[float, float, set[str]]]:
    """Vertices that two or more demo grids share (exactly on both borders), with their owners."""
    owners: dict[tuple[float, float], set[str]] = {}
    for feature in DEMO["features"]:
        if feature["geometry"]["type"] == "Point":
            continue
        geometry = shape(feature["geometry"])
        for polygon in getattr(geometry, "geoms", [geometry]):
            for x, y in polygon.exterior.coords:
                owners.setdefault((y, x), set()).add(feature["properties"]["grid_code"])
    return [(lat, lng, codes) for (lat, lng), codes in owners.items() if len(codes) > 1]


def test_a_point_on_a_shared_border_goes_to_exactly_one_grid_deterministically(index):
    borders = shared_border_points()
    assert len(borders) >= 20
    for lat, lng, owners in borders:
        hit = index.grid_at(lat, lng)
        assert hit is not None and hit.code in owners
        assert hit.code == min(owners)  # the rule: lowest grid code wins


SHAPES = {f["properties"]["grid_code"]: shape(f["geometry"]) for f in DEMO["features"]
          if f["geometry"]["type"] != "Point"}


@settings(max_examples=500)
@given(st.floats(29.58, 29.63), st.floats(119.005, 119.075))
def test_the_index_agrees_with_brute_force(index, lat, lng):
    from shapely import Point

    covering = sorted(code for code, polygon in SHAPES.items() if polygon.intersects(Point(lng, lat)))
    hit = index.grid_at(lat, lng)
    assert (hit.code if hit else None) == (covering[0] if covering else None)


@settings(max_examples=300)
@given(st.floats(29.590, 29.620), st.floats(119.015, 119.065))
def test_the_inner_town_has_no_gaps(index, lat, lng):
    assert index.grid_at(lat, lng) is not None


@pytest.mark.parametrize(("lat", "lng"), [(30.2741, 120.1551), (29.5, 119.04), (29.63, 119.04), (-10, 50)])
def test_points_outside_every_grid_are_outside(index, lat, lng):
    result = locate_point(index, lat, lng, "message")
    assert (result.grid_code, result.reason) == (None, "outside")


@pytest.mark.parametrize(("lat", "lng"), [("abc", 119.0), (None, 119.0), (91, 119.0), (29.6, 181),
                                          (float("nan"), 119.0), (True, 119.0)])
def test_nonsense_coordinates_are_refused(index, lat, lng):
    with pytest.raises(BadCoordinates):
        locate_point(index, lat, lng, "message")


def test_gazetteer_matches_names_and_aliases_longest_first(index):
    assert index.place_in("明珠菜市场门口有人摆摊").name == "明珠菜场"
    assert index.place_in("千岛湖中心湖区码头边上很多垃圾").name == "千岛湖中心湖区码头"
    assert index.place_in("县一院门口乱停车").name == "淳安县第一人民医院"
    assert index.place_in("家门口有垃圾") is None
