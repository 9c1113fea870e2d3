"""Distances, the equal-area projection and cluster outlines."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from clustering.geometry import (
    EARTH_RADIUS_KM,
    central_longitude,
    centre_of,
    haversine_km,
    outline,
    sinusoidal_km,
)

UK_CENTRAL_LON = -3.0  # the docstring's "all of the UK around -3"


def destination(
    lat: float, lon: float, bearing_deg: float, km: float
) -> tuple[float, float]:
    """Exact great-circle destination from (lat, lon)."""
    phi, lam, theta = math.radians(lat), math.radians(lon), math.radians(bearing_deg)
    delta = km / EARTH_RADIUS_KM
    phi2 = math.asin(
        math.sin(phi) * math.cos(delta)
        + math.cos(phi) * math.sin(delta) * math.cos(theta)
    )
    lam2 = lam + math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(phi),
        math.cos(delta) - math.sin(phi) * math.sin(phi2),
    )
    return math.degrees(phi2), math.degrees(lam2)


def projected_ratio(
    lat: float, lon: float, bearing: float, km: float, central: float
) -> float:
    lat2, lon2 = destination(lat, lon, bearing, km)
    x1, y1 = sinusoidal_km(lat, lon, central)
    x2, y2 = sinusoidal_km(lat2, lon2, central)
    projected = math.hypot(float(x2 - x1), float(y2 - y1))
    return projected / float(haversine_km(lat, lon, lat2, lon2))


def inside(point: tuple[float, float], ring: list[list[float]]) -> bool:
    """Ray casting: is (x, y) strictly inside the closed ring?"""
    x, y = point
    result = False
    for (x1, y1), (x2, y2) in itertools.pairwise(ring):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            result = not result
    return result


# --- haversine ---------------------------------------------------------------


def test_edinburgh_to_glasgow_is_about_67_km() -> None:
    km = float(haversine_km(55.9533, -3.1883, 55.8642, -4.2518))
    assert km == pytest.approx(67.0, abs=1.0)


def test_london_to_paris_is_about_344_km() -> None:
    km = float(haversine_km(51.5074, -0.1278, 48.8566, 2.3522))
    assert km == pytest.approx(344.0, abs=1.5)


def test_haversine_is_symmetric_zero_on_the_diagonal_and_elementwise() -> None:
    lat1 = np.array([55.9533, 51.5074, 52.0])
    lon1 = np.array([-3.1883, -0.1278, -1.0])
    lat2 = np.array([55.8642, 48.8566, 52.0])
    lon2 = np.array([-4.2518, 2.3522, -1.0])
    there = haversine_km(lat1, lon1, lat2, lon2)
    back = haversine_km(lat2, lon2, lat1, lon1)
    assert there.shape == (3,)
    np.testing.assert_allclose(there, back)
    assert there[2] == 0.0
    assert there[0] == pytest.approx(67.0, abs=1.0)


def test_one_degree_of_latitude_is_the_arc_of_one_degree() -> None:
    km = float(haversine_km(54.0, -2.0, 55.0, -2.0))
    assert km == pytest.approx(EARTH_RADIUS_KM * math.pi / 180, rel=1e-9)


# --- the sinusoidal projection ------------------------------------------------

uk_point = st.tuples(
    st.floats(50.0, 59.0, allow_nan=False), st.floats(-8.0, 2.0, allow_nan=False)
)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(
    start=uk_point,
    bearing=st.sampled_from([0.0, 90.0, 180.0, 270.0]),
    km=st.floats(0.1, 20.0),
)
def test_projection_keeps_north_south_and_east_west_distances_across_the_uk(
    start: tuple[float, float], bearing: float, km: float
) -> None:
    ratio = projected_ratio(*start, bearing, km, UK_CENTRAL_LON)
    # diagonals stretch away from the central meridian: ~4% at 5 degrees (docstring)
    assert ratio == pytest.approx(1.0, abs=0.05)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(
    lat=st.floats(50.0, 59.0),
    dlon=st.floats(-0.3, 0.3),
    bearing=st.floats(0.0, 360.0),
    km=st.floats(0.1, 20.0),
)
def test_projection_keeps_local_distances_near_the_central_meridian(
    lat: float, dlon: float, bearing: float, km: float
) -> None:
    ratio = projected_ratio(lat, UK_CENTRAL_LON + dlon, bearing, km, UK_CENTRAL_LON)
    assert ratio == pytest.approx(1.0, abs=0.005)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(start=uk_point, bearing=st.floats(0.0, 360.0), km=st.floats(0.1, 20.0))
@example(start=(58.5, -8.0), bearing=45.0, km=20.0)
def test_projection_keeps_local_distances_anywhere_in_the_uk(
    start: tuple[float, float], bearing: float, km: float
) -> None:
    ratio = projected_ratio(*start, bearing, km, UK_CENTRAL_LON)
    # diagonals stretch away from the central meridian: ~4% at 5 degrees (docstring)
    assert ratio == pytest.approx(1.0, abs=0.05)


def test_projection_is_equal_area_on_a_one_degree_cell() -> None:
    # area of the lat 55-56, lon -4..-3 cell on the sphere vs. its projected area
    r = EARTH_RADIUS_KM
    true_area = (
        r
        * r
        * math.radians(1)
        * (math.sin(math.radians(56)) - math.sin(math.radians(55)))
    )
    lats = np.linspace(55, 56, 2001)
    x_west, _ = sinusoidal_km(lats, -4.0, -3.0)
    x_east, y = sinusoidal_km(lats, -3.0, -3.0)
    projected = np.trapezoid(np.asarray(x_east - x_west), np.asarray(y))
    assert projected == pytest.approx(true_area, rel=1e-6)


def test_central_longitude_is_the_median_of_the_known_longitudes() -> None:
    assert central_longitude([-4.0, np.nan, -3.0, 1.0]) == -3.0
    assert central_longitude([np.nan]) == 0.0


def test_centre_is_the_coordinate_wise_median() -> None:
    lat = np.array([55.0, 55.1, 55.2, 60.0])
    lon = np.array([-3.0, -3.2, -3.1, 5.0])
    assert centre_of(lat, lon) == pytest.approx((55.15, -3.05))


# --- outlines -----------------------------------------------------------------


def _assert_closed_polygon(shape: dict) -> list[list[float]]:
    assert shape["type"] == "Polygon"
    (ring,) = shape["coordinates"]
    assert len(ring) >= 4
    assert ring[0] == ring[-1]
    return ring


def test_outline_of_many_points_is_their_convex_hull() -> None:
    lat = np.array([55.90, 55.90, 56.00, 56.00, 55.95, 55.93])
    lon = np.array([-3.30, -3.10, -3.10, -3.30, -3.20, -3.25])
    ring = _assert_closed_polygon(outline(lat, lon))
    # the four corners, not the two inner points
    assert sorted(map(tuple, ring[:-1])) == sorted(
        [(-3.3, 55.9), (-3.1, 55.9), (-3.1, 56.0), (-3.3, 56.0)]
    )
    c_lat, c_lon = centre_of(lat, lon)
    assert inside((c_lon, c_lat), ring)
    assert inside((float(lon.mean()), float(lat.mean())), ring)


def test_outline_of_an_irregular_group_contains_its_centre() -> None:
    rng = np.random.default_rng(7)
    lat = 52.0 + rng.normal(0, 0.05, 40)
    lon = -1.5 + rng.normal(0, 0.08, 40)
    ring = _assert_closed_polygon(outline(lat, lon))
    c_lat, c_lon = centre_of(lat, lon)
    assert inside((c_lon, c_lat), ring)


def test_outline_of_one_point_is_a_circle_of_the_minimum_radius() -> None:
    ring = _assert_closed_polygon(outline(np.array([55.95]), np.array([-3.19])))
    assert len(ring) == 25
    radii = haversine_km(55.95, -3.19, [p[1] for p in ring], [p[0] for p in ring])
    np.testing.assert_allclose(radii, 1.0, rtol=0.01)
    assert inside((-3.19, 55.95), ring)


def test_outline_of_one_place_repeated_is_still_a_circle() -> None:
    ring = _assert_closed_polygon(
        outline(np.full(5, 55.95), np.full(5, -3.19), min_radius_km=2.0)
    )
    radii = haversine_km(55.95, -3.19, [p[1] for p in ring], [p[0] for p in ring])
    np.testing.assert_allclose(radii, 2.0, rtol=0.01)


def test_outline_of_two_points_is_a_circle_through_them() -> None:
    lat, lon = np.array([55.90, 56.00]), np.array([-3.30, -3.10])
    ring = _assert_closed_polygon(outline(lat, lon))
    assert len(ring) == 25
    c_lat, c_lon = 55.95, -3.20
    assert inside((c_lon, c_lat), ring)
    half = float(haversine_km(55.90, -3.30, 56.00, -3.10)) / 2
    radii = haversine_km(c_lat, c_lon, [p[1] for p in ring], [p[0] for p in ring])
    np.testing.assert_allclose(radii, half, rtol=0.01)


def test_outline_of_points_on_a_line_is_a_circle_around_them() -> None:
    lat, lon = np.array([55.0, 55.1, 55.2]), np.array([-3.0, -3.0, -3.0])
    ring = _assert_closed_polygon(outline(lat, lon))
    assert len(ring) == 25
    radii = haversine_km(55.1, -3.0, [p[1] for p in ring], [p[0] for p in ring])
    reach = float(haversine_km(55.1, -3.0, 55.2, -3.0))
    np.testing.assert_allclose(radii, reach, rtol=0.01)
