"""Distances and shapes on the sphere, and the equal-area projection density runs on."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

EARTH_RADIUS_KM = 6371.0088

FloatArray = NDArray[np.float64]


def haversine_km(
    lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike
) -> FloatArray:
    """Great-circle (geodesic on the sphere) distance in km, element-wise."""
    p1, p2 = np.radians(np.asarray(lat1, float)), np.radians(np.asarray(lat2, float))
    dlat = p2 - p1
    dlon = np.radians(np.asarray(lon2, float) - np.asarray(lon1, float))
    a = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1))))


def sinusoidal_km(
    lat: ArrayLike, lon: ArrayLike, central_lon: float
) -> tuple[FloatArray, FloatArray]:
    """Equal-area sinusoidal projection to km around central_lon.

    Areas are exact, so counts per cell are densities. Distances along parallels
    and meridians are exact; diagonal ones stretch with the distance from the
    central meridian (about 4% at 5 degrees, the UK's edges around -3), which the
    grid's cell-width tolerance already exceeds.
    """
    phi = np.radians(np.asarray(lat, float))
    lam = np.radians(np.asarray(lon, float) - central_lon)
    return EARTH_RADIUS_KM * lam * np.cos(phi), EARTH_RADIUS_KM * phi


def unit_vectors(lat: ArrayLike, lon: ArrayLike) -> FloatArray:
    """Points as 3-D unit vectors: straight-line (chord) nearness there is
    great-circle nearness, so a k-d tree over them finds geodesic neighbours."""
    phi, lam = np.radians(np.asarray(lat, float)), np.radians(np.asarray(lon, float))
    return np.column_stack(
        [np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)]
    )


def central_longitude(lon: ArrayLike) -> float:
    """The median longitude: the projection's central meridian for these sites."""
    values = np.asarray(lon, float)
    values = values[np.isfinite(values)]
    return float(np.median(values)) if values.size else 0.0


def centre_of(lat: FloatArray, lon: FloatArray) -> tuple[float, float]:
    """Coordinate-wise median: a centre that outlying members do not drag."""
    return float(np.median(lat)), float(np.median(lon))


def circle_polygon(
    lat: float, lon: float, radius_km: float, vertices: int = 24
) -> list[list[float]]:
    """A closed [lon, lat] ring approximating a circle (for one-point outlines)."""
    angles = np.linspace(0, 2 * math.pi, vertices, endpoint=False)
    dlat = np.degrees(radius_km / EARTH_RADIUS_KM) * np.sin(angles)
    coslat = max(math.cos(math.radians(lat)), 1e-6)
    dlon = np.degrees(radius_km / EARTH_RADIUS_KM) * np.cos(angles) / coslat
    ring = [
        [round(lon + x, 5), round(lat + y, 5)] for x, y in zip(dlon, dlat, strict=False)
    ]
    return [*ring, ring[0]]


def outline(lat: FloatArray, lon: FloatArray, min_radius_km: float = 1.0) -> dict:
    """GeoJSON Polygon around the points: their convex hull, or a circle when the
    points are fewer than three distinct places or all on one line."""
    points = np.unique(np.column_stack([lon, lat]).round(6), axis=0)
    if len(points) >= 3:
        from scipy.spatial import ConvexHull, QhullError

        try:
            hull = ConvexHull(points)
        except QhullError:
            hull = None
        if hull is not None:
            ring = [
                [round(float(x), 5), round(float(y), 5)]
                for x, y in points[hull.vertices]
            ]
            return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}
    c_lat, c_lon = centre_of(lat, lon)
    reach = float(haversine_km(c_lat, c_lon, lat, lon).max()) if len(lat) else 0.0
    radius = max(min_radius_km, reach)
    return {"type": "Polygon", "coordinates": [circle_polygon(c_lat, c_lon, radius)]}
