#!/usr/bin/env python3
"""Generate demo/area.geojson: the demo town's management grids and named places.

The town is a made-up but plausible 千岛湖镇 (淳安县, Zhejiang). Coordinates are
GCJ-02, written [lng, lat] as GeoJSON requires. Nothing here is surveyed data.

How the grids are built:
  * A 6 x 4 lattice of cells covers lng 119.010-119.070, lat 29.585-29.625.
  * Interior lattice vertices are nudged by a deterministic pseudo-random amount,
    and every cell edge gets two extra points nudged sideways, so cells look like
    hand-drawn blocks instead of a perfect rectangle lattice.
  * Each edge's points are computed once, from the edge's two lattice corners,
    so the two cells sharing an edge use exactly the same coordinates
    (no gaps, no overlaps).
  * Two islands in the lake are cut out of the lake cell that surrounds them
    (as a hole) and given to a neighbouring grid (as an extra polygon), which
    makes that grid a MultiPolygon.

The "randomness" comes from SHA-256 of a key, so the output is the same on every
run and every Python version. Run:  python3 demo/make_area.py
Only the standard library is needed.
"""

import hashlib
import json
import math
from pathlib import Path

OUT = Path(__file__).with_name("area.geojson")

# --- lattice ---------------------------------------------------------------
LNG0, LAT0 = 119.010, 29.585  # south-west corner
COLS, ROWS = 6, 4             # columns run west->east, rows south->north
DX, DY = 0.010, 0.010         # cell size in degrees (about 970 m x 1110 m)
VERTEX_JITTER = 0.0018        # max shift of a lattice vertex, degrees
EDGE_WIGGLE = 0.0008          # max sideways shift of an edge's inner points
DIGITS = 6                    # coordinate rounding (about 0.1 m)

DISTRICT = "330127"           # 淳安县 administrative division code

# --- administrative names ----------------------------------------------------
# street name -> 3-digit street code
STREETS = {"千岛湖镇": "001", "排岭街道": "002", "坪山街道": "003"}

# community name -> (street name, 3-digit community code)
COMMUNITIES = {
    "新安社区": ("千岛湖镇", "001"),
    "明珠社区": ("千岛湖镇", "002"),
    "城中社区": ("千岛湖镇", "003"),
    "阳光社区": ("千岛湖镇", "004"),
    "排岭社区": ("排岭街道", "001"),
    "环湖社区": ("排岭街道", "002"),
    "梦姑塘社区": ("排岭街道", "003"),
    "坪山社区": ("坪山街道", "001"),
    "开元社区": ("坪山街道", "002"),
}

SQUAD_NAMES = {"SQ01": "城区一中队", "SQ02": "城区二中队",
               "SQ03": "城区三中队", "SQ04": "城区四中队"}

# One entry per lattice cell: (col, row) -> (grid name, community, squad).
# Row 0 is the lakeside row in the south. The serial number inside a
# community follows the order of this table.
CELLS = {
    # row 3 (north, hills and old town)
    (0, 3): ("坪山路网格一", "坪山社区", "SQ03"),
    (1, 3): ("坪山路网格二", "坪山社区", "SQ03"),
    (2, 3): ("城中湖网格一", "城中社区", "SQ01"),
    (3, 3): ("城中湖网格二", "城中社区", "SQ01"),
    (4, 3): ("阳光路网格一", "阳光社区", "SQ02"),
    (5, 3): ("阳光路网格二", "阳光社区", "SQ02"),
    # row 2
    (0, 2): ("坪山工业园网格", "坪山社区", "SQ03"),
    (1, 2): ("开元路网格一", "开元社区", "SQ03"),
    (2, 2): ("新安东路网格一", "新安社区", "SQ01"),
    (3, 2): ("新安东路网格二", "新安社区", "SQ01"),
    (4, 2): ("明珠菜场网格", "明珠社区", "SQ02"),
    (5, 2): ("阳光水岸网格", "阳光社区", "SQ02"),
    # row 1
    (0, 1): ("开元路网格二", "开元社区", "SQ03"),
    (1, 1): ("开发区网格", "开元社区", "SQ03"),
    (2, 1): ("排岭路网格一", "新安社区", "SQ01"),
    (3, 1): ("秀水广场网格", "明珠社区", "SQ01"),
    (4, 1): ("梦姑塘网格一", "梦姑塘社区", "SQ02"),
    (5, 1): ("梦姑塘网格二", "梦姑塘社区", "SQ02"),
    # row 0 (south, on the lake)
    (0, 0): ("鼓山湖湾网格", "开元社区", "SQ03"),
    (1, 0): ("排岭路网格二", "排岭社区", "SQ04"),
    (2, 0): ("排岭半岛网格", "排岭社区", "SQ04"),
    (3, 0): ("环湖北路网格", "环湖社区", "SQ04"),
    (4, 0): ("中心湖区网格", "环湖社区", "SQ04"),
    (5, 0): ("梦姑塘湖湾网格", "梦姑塘社区", "SQ04"),
}

# Islands: name -> (cell the island sits in, cell that owns it,
#                   centre lng, centre lat, x radius, y radius)
ISLANDS = {
    "天清岛": ((4, 0), (3, 0), 119.0555, 29.5905, 0.0015, 0.0010),
    "龙山岛": ((2, 0), (1, 0), 119.0345, 29.5895, 0.0011, 0.0008),
}

# Places: (name, aliases, where). `where` is either (col, row, fx, fy) -- a
# position inside that cell, fx/fy in 0..1 from its west/south side, kept
# within 0.2..0.8 so the point stays clear of the wiggly borders -- or
# ("island", island name) for the centre of an island.
# Streets (路) are given as a point near their midpoint.
PLACES = [
    # 千岛湖镇 / 城中社区, 新安社区, 明珠社区, 阳光社区
    ("城中湖公园", ["城中湖"], (2, 3, 0.45, 0.50)),
    ("淳安中学", [], (2, 3, 0.70, 0.75)),
    ("千岛湖镇政府", ["镇政府", "千岛湖镇人民政府"], (3, 3, 0.40, 0.55)),
    ("新安北路", [], (3, 3, 0.70, 0.30)),
    ("阳光路", [], (4, 3, 0.50, 0.40)),
    ("淳安县中医院", ["县中医院", "中医院"], (4, 3, 0.30, 0.70)),
    ("淳安县人民政府", ["县政府"], (5, 3, 0.45, 0.55)),
    ("淳安县第一人民医院", ["县一院", "县人民医院", "淳安一院", "第一人民医院"], (2, 2, 0.35, 0.60)),
    ("千岛湖镇中心小学", ["中心小学"], (2, 2, 0.70, 0.30)),
    ("新安东路", [], (3, 2, 0.50, 0.45)),
    ("新安中学", [], (3, 2, 0.30, 0.75)),
    ("明珠菜场", ["明珠菜市场", "明珠农贸市场"], (4, 2, 0.45, 0.50)),
    ("明珠路", [], (4, 2, 0.75, 0.25)),
    ("阳光水岸小区", ["阳光水岸"], (5, 2, 0.50, 0.50)),
    ("排岭路", ["排岭北路"], (2, 1, 0.50, 0.40)),
    ("新安大街", [], (2, 1, 0.30, 0.75)),
    ("秀水广场", ["秀水街广场"], (3, 1, 0.40, 0.50)),
    ("秀水街", [], (3, 1, 0.70, 0.70)),
    # 坪山街道
    ("坪山路", [], (0, 3, 0.50, 0.40)),
    ("淳安县行政服务中心", ["行政服务中心", "市民中心"], (1, 3, 0.50, 0.55)),
    ("坪山工业园", ["坪山工业区", "工业园区"], (0, 2, 0.45, 0.50)),
    ("开元路", [], (1, 2, 0.50, 0.50)),
    ("千岛湖汽车站", ["汽车站", "客运中心", "千岛湖客运中心"], (0, 1, 0.55, 0.45)),
    ("青溪大道", [], (0, 1, 0.30, 0.75)),
    ("开发区", ["千岛湖开发区", "坪山开发区"], (1, 1, 0.50, 0.55)),
    ("千岛湖体育中心", ["体育中心", "体育馆"], (1, 1, 0.75, 0.25)),
    ("鼓山公园", ["鼓山"], (0, 0, 0.40, 0.60)),
    ("千岛湖大桥", ["大桥"], (0, 0, 0.70, 0.30)),
    # 排岭街道
    ("排岭农贸市场", ["排岭菜场", "排岭菜市场"], (1, 0, 0.40, 0.70)),
    ("鱼味馆", ["千岛湖鱼味馆"], (2, 0, 0.30, 0.75)),
    ("排岭半岛", [], (2, 0, 0.75, 0.70)),
    ("千岛湖广场", ["千岛湖文化广场"], (3, 0, 0.45, 0.70)),
    ("环湖北路", ["环湖路"], (3, 0, 0.30, 0.40)),
    ("千岛湖中心湖区码头", ["中心湖区码头", "中心码头", "千岛湖码头"], (4, 0, 0.25, 0.75)),
    ("千岛湖环湖绿道", ["环湖绿道", "绿道"], (4, 0, 0.75, 0.75)),
    ("梦姑塘", [], (4, 1, 0.45, 0.50)),
    ("梦姑塘路", [], (4, 1, 0.75, 0.25)),
    ("梦姑塘公园", ["梦姑塘湿地公园"], (5, 1, 0.45, 0.55)),
    ("梦姑塘码头", ["梦姑塘游艇码头"], (5, 0, 0.50, 0.60)),
    ("天清岛", ["天清岛度假区"], ("island", "天清岛")),
    ("龙山岛", ["龙山"], ("island", "龙山岛")),
]


# --- geometry helpers ----------------------------------------------------------
def noise(*key):
    """Deterministic pseudo-random number in [-1, 1] for any key."""
    digest = hashlib.sha256(repr(key).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**63 - 1.0


def rnd(x):
    return round(x, DIGITS)


def vertex(i, j):
    """Lattice vertex (i, j) as [lng, lat]. Interior vertices move freely;
    vertices on the outer boundary only slide along it; corners stay put."""
    lng, lat = LNG0 + i * DX, LAT0 + j * DY
    if 0 < i < COLS:
        lng += VERTEX_JITTER * noise("v", i, j, "x")
    if 0 < j < ROWS:
        lat += VERTEX_JITTER * noise("v", i, j, "y")
    return [rnd(lng), rnd(lat)]


def inward_normal(a, b):
    """For an edge on the outer boundary, the unit vector pointing into the town."""
    (i1, j1), (i2, j2) = a, b
    if j1 == j2 == 0:
        return (0.0, 1.0)
    if j1 == j2 == ROWS:
        return (0.0, -1.0)
    if i1 == i2 == 0:
        return (1.0, 0.0)
    if i1 == i2 == COLS:
        return (-1.0, 0.0)
    return None


_edge_cache = {}


def edge(a, b):
    """Points of the edge from lattice vertex a to b, both ends included.
    Computed once per undirected edge, so neighbours share identical points."""
    key = (min(a, b), max(a, b))
    if key not in _edge_cache:
        p, q = vertex(*key[0]), vertex(*key[1])
        dx, dy = q[0] - p[0], q[1] - p[1]
        length = math.hypot(dx, dy)
        normal = (-dy / length, dx / length)
        inward = inward_normal(*key)
        pts = [p]
        for t in (1 / 3, 2 / 3):
            shift = EDGE_WIGGLE * noise("e", key, t)
            if inward is not None:  # outer boundary: only bend inwards
                normal, shift = inward, abs(shift)
            pts.append([rnd(p[0] + t * dx + shift * normal[0]),
                        rnd(p[1] + t * dy + shift * normal[1])])
        pts.append(q)
        _edge_cache[key] = pts
    pts = _edge_cache[key]
    return pts if a == key[0] else pts[::-1]


def cell_ring(i, j):
    """Closed, counter-clockwise outer ring of cell (i, j)."""
    corners = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1), (i, j)]
    ring = []
    for a, b in zip(corners, corners[1:]):
        ring.extend(edge(a, b)[:-1])  # drop the end point: next edge starts there
    ring.append(ring[0])
    return ring


def island_ring(name):
    """Closed, counter-clockwise ring of an island: a lumpy ellipse."""
    _, _, cx, cy, rx, ry = ISLANDS[name]
    n = 14
    ring = []
    for k in range(n):
        angle = 2 * math.pi * k / n
        r = 1.0 + 0.18 * noise("island", name, k)
        ring.append([rnd(cx + rx * r * math.cos(angle)),
                     rnd(cy + ry * r * math.sin(angle))])
    ring.append(ring[0])
    return ring


def place_point(where):
    """[lng, lat] of a place. Cell positions are bilinear in the cell's
    (jittered) corners, so they follow the cell when the lattice moves."""
    if where[0] == "island":
        _, _, cx, cy, _, _ = ISLANDS[where[1]]
        return [rnd(cx), rnd(cy)]
    i, j, fx, fy = where
    sw, se, ne, nw = vertex(i, j), vertex(i + 1, j), vertex(i + 1, j + 1), vertex(i, j + 1)
    return [rnd((1 - fy) * ((1 - fx) * sw[k] + fx * se[k]) + fy * ((1 - fx) * nw[k] + fx * ne[k]))
            for k in (0, 1)]


# --- features -----------------------------------------------------------------
def grid_features():
    serial = {}  # community -> last serial used
    features = []
    for (i, j), (name, community, squad) in CELLS.items():
        street, community_code = COMMUNITIES[community]
        serial[community] = serial.get(community, 0) + 1
        code = DISTRICT + STREETS[street] + community_code + f"{serial[community]:03d}"

        # Main polygon, with holes for islands sitting in this cell
        # (holes run clockwise, so the island ring is reversed).
        polygons = [[cell_ring(i, j)] + [island_ring(n)[::-1] for n, v in ISLANDS.items() if v[0] == (i, j)]]
        # Islands owned by this grid become extra polygons.
        polygons += [[island_ring(n)] for n, v in ISLANDS.items() if v[1] == (i, j)]

        if len(polygons) == 1:
            geometry = {"type": "Polygon", "coordinates": polygons[0]}
        else:
            geometry = {"type": "MultiPolygon", "coordinates": polygons}
        features.append({
            "type": "Feature",
            "properties": {
                "kind": "grid",
                "grid_code": code,
                "name": name,
                "community": community,
                "street": street,
                "squad_code": squad,
                "squad_name": SQUAD_NAMES[squad],
            },
            "geometry": geometry,
        })
    features.sort(key=lambda f: f["properties"]["grid_code"])
    return features


def place_features():
    features = []
    for name, aliases, where in PLACES:
        props = {"kind": "place", "name": name}
        if aliases:
            props["aliases"] = aliases
        features.append({
            "type": "Feature",
            "properties": props,
            "geometry": {"type": "Point", "coordinates": place_point(where)},
        })
    return features


def main():
    features = grid_features() + place_features()
    # One feature per line: small diffs, still easy to read.
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features]
    text = '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT} ({len(features)} features)")


if __name__ == "__main__":
    main()
