"""Small hand-made sites, links and places for the clustering tests."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from clustering.geometry import EARTH_RADIUS_KM, haversine_km

KM_PER_DEG = EARTH_RADIUS_KM * math.pi / 180

CITIES = {
    "Edinburgh": (55.9533, -3.1883),
    "Glasgow": (55.8642, -4.2518),
    "Aberdeen": (57.1497, -2.0943),
    "Inverness": (57.4778, -4.2247),
    "Newcastle": (54.9783, -1.6178),
    "Belfast": (54.5973, -5.9301),
    "Leeds": (53.8008, -1.5491),
    "Manchester": (53.4808, -2.2426),
    "Birmingham": (52.4862, -1.8904),
    "Norwich": (52.6309, 1.2974),
    "Cambridge": (52.2053, 0.1218),
    "Oxford": (51.7520, -1.2577),
    "London": (51.5074, -0.1278),
    "Bristol": (51.4545, -2.5879),
    "Cardiff": (51.4816, -3.1791),
    "Plymouth": (50.3755, -4.1427),
}

PLACES = pd.DataFrame(
    [(name, lat, lon) for name, (lat, lon) in CITIES.items()],
    columns=["name", "lat", "lon"],
)

SECTORS = ("Digital", "Energy", "Life sciences", "Manufacturing")


def offset(
    lat: float, lon: float, east_km: float, north_km: float
) -> tuple[float, float]:
    """The point east_km east and north_km north of (lat, lon) (small offsets)."""
    new_lat = lat + north_km / KM_PER_DEG
    return new_lat, lon + east_km / (KM_PER_DEG * math.cos(math.radians(lat)))


def spot(
    lat: float, lon: float, n: int, spread_km: float = 1.0, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """n points scattered uniformly within spread_km (per axis) of (lat, lon)."""
    rng = np.random.default_rng(seed)
    east = rng.uniform(-spread_km, spread_km, n)
    north = rng.uniform(-spread_km, spread_km, n)
    points = [offset(lat, lon, e, nn) for e, nn in zip(east, north, strict=True)]
    return np.array([p[0] for p in points]), np.array([p[1] for p in points])


def group(
    prefix: str,
    n: int,
    where: tuple[float, float],
    sectors: str | Sequence[str],
    *,
    spread_km: float = 1.0,
    seed: int = 0,
    rdi_active: bool = True,
    kind: str = "company",
) -> pd.DataFrame:
    """n sites around `where`; sectors is one sector or a list cycled through."""
    lat, lon = spot(*where, n, spread_km, seed)
    cycle = [sectors] if isinstance(sectors, str) else list(sectors)
    return pd.DataFrame(
        {
            "id": [f"{prefix}{i:02d}" for i in range(n)],
            "name": [f"{prefix.title()} Org {i}" for i in range(n)],
            "kind": kind,
            "lat": lat,
            "lon": lon,
            "sector": [cycle[i % len(cycle)] for i in range(n)],
            "rdi_active": rdi_active,
        }
    )


def background(
    avoid: Sequence[tuple[float, float]], min_km: float = 40.0
) -> pd.DataFrame:
    """Isolated sites on a coarse grid over Great Britain (each > 40 km from the
    next), mixed sectors, none within min_km of the `avoid` points."""
    rows = []
    for lat in np.arange(50.8, 57.9, 0.5):
        for lon in np.arange(-4.6, 0.9, 0.8):
            near = [float(haversine_km(lat, lon, a, b)) for a, b in avoid]
            if near and min(near) < min_km:
                continue
            i = len(rows)
            rows.append(
                {
                    "id": f"bg{i:03d}",
                    "name": f"Background Org {i}",
                    "kind": "company" if i % 3 else "university",
                    "lat": round(float(lat), 4),
                    "lon": round(float(lon), 4),
                    "sector": SECTORS[i % len(SECTORS)],
                    "rdi_active": True,
                }
            )
    return pd.DataFrame(rows)


def clique(ids: Sequence[str], weight: float = 1.0) -> pd.DataFrame:
    """A link between every pair of ids."""
    pairs = [(a, b) for i, a in enumerate(ids) for b in ids[i + 1 :]]
    return pd.DataFrame(pairs, columns=["org_a", "org_b"]).assign(weight=weight)


def no_links() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "org_a": pd.Series(dtype=object),
            "org_b": pd.Series(dtype=object),
            "weight": pd.Series(dtype=float),
        }
    )
