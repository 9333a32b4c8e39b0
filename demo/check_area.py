#!/usr/bin/env python3
"""Sanity checks for demo/area.geojson and demo/directory.yaml.

Needs shapely and PyYAML. Run:  python demo/check_area.py
Prints what it checks and exits non-zero if anything is wrong.
"""

import itertools
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

import yaml
from shapely.geometry import shape
from shapely.ops import unary_union
from shapely.validation import explain_validity

HERE = Path(__file__).parent
TAXONOMY = HERE.parent.parent / "shared" / "taxonomy.yaml"  # /work/shared/taxonomy.yaml
if not TAXONOMY.exists():
    TAXONOMY = Path("/work/shared/taxonomy.yaml")

M_PER_DEG = 111_000   # rough metres per degree, for readable distances/areas
problems = []


def check(ok, msg):
    print(("ok   " if ok else "FAIL ") + msg)
    if not ok:
        problems.append(msg)


fc = json.loads((HERE / "area.geojson").read_text(encoding="utf-8"))
check(fc.get("type") == "FeatureCollection", "top level is a FeatureCollection")
grids = [f for f in fc["features"] if f["geometry"]["type"] in ("Polygon", "MultiPolygon")]
places = [f for f in fc["features"] if f["geometry"]["type"] == "Point"]
check(len(grids) == 24, f"24 grid features (found {len(grids)})")
check(len(places) >= 35, f">= 35 place features (found {len(places)})")
check(all(p["properties"].get("kind") == "place" for p in places), "every point has kind=place")
multi = [g["properties"]["name"] for g in grids if g["geometry"]["type"] == "MultiPolygon"]
check(1 <= len(multi) <= 2, f"one or two MultiPolygons: {multi}")

# properties
codes = [g["properties"]["grid_code"] for g in grids]
check(all(len(c) == 15 and c.isdigit() and c.startswith("330127") for c in codes),
      "grid codes are 15 digits starting 330127")
check(len(set(codes)) == len(codes), "grid codes unique")
names = [g["properties"]["name"] for g in grids]
check(len(set(names)) == len(names), "grid names unique")
required = {"grid_code", "name", "community", "street", "squad_code", "squad_name"}
check(all(required <= g["properties"].keys() for g in grids), "grids carry all required properties")
streets = {g["properties"]["street"] for g in grids}
check(2 <= len(streets) <= 3, f"2-3 streets: {sorted(streets)}")

# geometry validity
geoms = {g["properties"]["grid_code"]: shape(g["geometry"]) for g in grids}
for code, geom in geoms.items():
    if not geom.is_valid:
        check(False, f"{code} invalid: {explain_validity(geom)}")
check(all(g.is_valid for g in geoms.values()), "every grid geometry is valid")

# overlaps: interiors must not intersect
max_overlap = 0.0
touching = 0
for (a, ga), (b, gb) in itertools.combinations(geoms.items(), 2):
    if ga.intersects(gb):
        area = ga.intersection(gb).area
        max_overlap = max(max_overlap, area)
        if area > 1e-12:
            check(False, f"{a} and {b} overlap, area {area * M_PER_DEG ** 2:.1f} m2")
        touching += 1
check(max_overlap <= 1e-12, f"no overlapping grids (max intersection area {max_overlap:.2e} deg2; {touching} touching pairs)")

# union: one connected region without holes, areas add up (no gaps)
union = unary_union(list(geoms.values()))
check(union.geom_type == "Polygon", f"union is one connected polygon ({union.geom_type})")
if union.geom_type == "Polygon":
    check(len(union.interiors) == 0, f"union has no holes ({len(union.interiors)} found)")
total = sum(g.area for g in geoms.values())
check(abs(total - union.area) < 1e-10, f"sum of grid areas equals union area ({total:.8f} vs {union.area:.8f})")

# places: inside exactly one grid, clear of borders
place_names = [p["properties"]["name"] for p in places]
check(len(set(place_names)) == len(place_names), "place names unique")
all_aliases = [a for p in places for a in p["properties"].get("aliases", [])]
clash = set(all_aliases) & set(place_names) | {a for a, n in Counter(all_aliases).items() if n > 1}
check(not clash, f"aliases unique and not equal to another place's name {sorted(clash)}")
min_clear = float("inf")
place_grid = {}
for p in places:
    pt = shape(p["geometry"])
    inside = [c for c, g in geoms.items() if g.contains(pt)]
    on_border = [c for c, g in geoms.items() if g.touches(pt)]
    name = p["properties"]["name"]
    if len(inside) != 1 or on_border:
        check(False, f"place {name}: inside {inside}, on border of {on_border}")
        continue
    place_grid[name] = inside[0]
    min_clear = min(min_clear, geoms[inside[0]].boundary.distance(pt) * M_PER_DEG)
check(len(place_grid) == len(places), "every place lies inside exactly one grid, none on a border")
print(f"     closest place to a grid border: {min_clear:.0f} m")

# squads: >= 5 grids each, contiguous
by_squad = defaultdict(list)
for g in grids:
    by_squad[g["properties"]["squad_code"]].append(g["properties"]["grid_code"])
check(sorted(by_squad) == ["SQ01", "SQ02", "SQ03", "SQ04"], "squads are SQ01..SQ04")
for sq, cs in sorted(by_squad.items()):
    u = unary_union([geoms[c] for c in cs])
    check(5 <= len(cs) <= 7, f"{sq} has {len(cs)} grids (5-7)")
    # an island owned by the squad is a separate piece; ignore pieces smaller than 1 ha
    pieces = [p for p in getattr(u, "geoms", [u]) if p.area * M_PER_DEG ** 2 > 100_000]
    check(len(pieces) == 1, f"{sq} grids form one contiguous block")
squad_names = {(g["properties"]["squad_code"], g["properties"]["squad_name"]) for g in grids}
check(len(squad_names) == 4, "each squad code has one squad name")

# directory
directory = yaml.safe_load((HERE / "directory.yaml").read_text(encoding="utf-8"))
units = {u["code"]: u for u in directory["units"]}
taxonomy = yaml.safe_load(TAXONOMY.read_text(encoding="utf-8"))
handlers = {c["handler"] for c in taxonomy["categories"]} - {"squad"}
departments = {c for c, u in units.items() if u["kind"] == "department"}
check(departments == handlers, f"departments match taxonomy handlers (missing {handlers - departments}, extra {departments - handlers})")
check({c for c, u in units.items() if u["kind"] == "squad"} == set(by_squad), "squad units match the grids' squads")
check(all(units[sq]["name"] == n for sq, n in squad_names), "squad unit names match the grids")
party_ids = [u["wework_party_id"] for u in directory["units"]]
check(all(isinstance(p, str) for p in party_ids) and len(set(party_ids)) == len(party_ids), "party ids are unique strings")
staff = directory["staff"]
userids = [s["wework_userid"] for s in staff]
check(len(set(userids)) == len(userids), f"{len(staff)} staff, userids unique")
check(all(s["unit"] in units and s["role"] in ("leader", "member") for s in staff), "staff units and roles valid")
for code, u in units.items():
    roles = Counter(s["role"] for s in staff if s["unit"] == code)
    want = {"leader": 1, "member": 2 if u["kind"] == "squad" else 1}
    if roles != want:
        check(False, f"{code}: roles {dict(roles)}, want {want}")
check(all(Counter(s["role"] for s in staff if s["unit"] == c)["leader"] == 1 for c in units), "one leader per unit")

# summary
minx, miny, maxx, maxy = union.bounds
print()
print(f"bbox: lng {minx:.6f}..{maxx:.6f}, lat {miny:.6f}..{maxy:.6f}")
print(f"area: {union.area * M_PER_DEG ** 2 * 0.87 / 1e6:.1f} km2 (approx.)")
print(f"grids: {len(grids)}, places: {len(places)}, streets: {len(streets)}, "
      f"communities: {len({g['properties']['community'] for g in grids})}")
grid_by_code = {g["properties"]["grid_code"]: g["properties"] for g in grids}
places_in = Counter(place_grid.values())
for sq, cs in sorted(by_squad.items()):
    print(f"{sq} {grid_by_code[cs[0]]['squad_name']}: {len(cs)} grids")
    for c in sorted(cs):
        p = grid_by_code[c]
        kind = geoms[c].geom_type
        print(f"    {c} {p['name']:<10} {p['community']:<6} {p['street']:<5} {kind:<12} places={places_in[c]}")
print()
print("RESULT:", "all checks passed" if not problems else f"{len(problems)} problem(s)")
sys.exit(1 if problems else 0)
