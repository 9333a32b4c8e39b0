"""Grid lookups per second with 1000 grids (a 40 × 25 lattice of irregular quadrilaterals).

Reference in the same run: the naive approach, testing every polygon with shapely.

    .venv/bin/python benchmarks/geo.py [--lookups 100000]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shapely import Point  # noqa: E402
from shapely.geometry import shape  # noqa: E402

from bot.geo.index import AreaIndex  # noqa: E402
from bot.models import Grid  # noqa: E402

COLS, ROWS = 40, 25
LAT0, LNG0, STEP = 29.50, 118.90, 0.005


def lattice() -> list[Grid]:
    rng = random.Random(7)
    nodes = {(i, j): (LNG0 + i * STEP + rng.uniform(-0.001, 0.001) * (0 < i < COLS),
                      LAT0 + j * STEP + rng.uniform(-0.001, 0.001) * (0 < j < ROWS))
             for i in range(COLS + 1) for j in range(ROWS + 1)}
    grids = []
    for i in range(COLS):
        for j in range(ROWS):
            ring = [nodes[i, j], nodes[i + 1, j], nodes[i + 1, j + 1], nodes[i, j + 1], nodes[i, j]]
            geometry = {"type": "Polygon", "coordinates": [[list(p) for p in ring]]}
            grids.append(Grid(code=f"330127{i:03d}{j:03d}001", name=f"g{i}-{j}", squad_code=f"SQ{i // 10}",
                              geometry=json.dumps(geometry)))
    return grids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lookups", type=int, default=100_000)
    args = parser.parse_args()
    grids = lattice()
    started = time.perf_counter()
    index = AreaIndex(grids, [])
    build = time.perf_counter() - started

    rng = random.Random(1)
    points = [(LAT0 + rng.uniform(-0.01, ROWS * STEP + 0.01), LNG0 + rng.uniform(-0.01, COLS * STEP + 0.01))
              for _ in range(args.lookups)]
    started = time.perf_counter()
    for lat, lng in points:
        index.grid_at(lat, lng)
    ours = len(points) / (time.perf_counter() - started)

    shapes = [(g.code, shape(json.loads(g.geometry))) for g in grids]
    sample = points[: max(1000, args.lookups // 50)]
    started = time.perf_counter()
    for lat, lng in sample:
        point = Point(lng, lat)
        next((code for code, polygon in shapes if polygon.intersects(point)), None)
    naive = len(sample) / (time.perf_counter() - started)

    print(f"grid lookup benchmark: {len(grids)} grids, {len(points)} random points (some outside)")
    print(f"  index build                            {build * 1000:8.1f} ms")
    print(f"  citybot AreaIndex.grid_at (STRtree)    {ours:10.0f} lookups/s")
    print(f"  reference: test every polygon          {naive:10.0f} lookups/s")
    print(f"  ratio: {ours / naive:.0f}×")


if __name__ == "__main__":
    main()
