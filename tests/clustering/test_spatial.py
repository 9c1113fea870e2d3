"""SpatialIndex.groups: DBSCAN* density clusters on the equal-area grid."""

from __future__ import annotations

import math

import numpy as np

from tests.clustering.builders import CITIES, offset, spot

D = 15.0  # distance_km
OPTIONS = {"min_samples": 10, "min_size": 10, "concentration": 1.5}


def index(lat: np.ndarray, lon: np.ndarray, distance_km: float = D):
    from clustering.spatial import SpatialIndex

    return SpatialIndex(np.asarray(lat, float), np.asarray(lon, float), distance_km)


def labels_of(idx, group: np.ndarray, background: np.ndarray, **options) -> np.ndarray:
    """SpatialIndex.groups as a cluster label per site, -1 for none."""
    labels = np.full(len(idx.located), -1)
    for label, found in enumerate(idx.groups(group, background, **options)):
        labels[found] = label
    return labels


def scattered() -> tuple[np.ndarray, np.ndarray]:
    """Twelve isolated sites, each far (> 40 km) from the others and Edinburgh."""
    names = ["Aberdeen", "Inverness", "Newcastle", "Belfast", "Leeds", "Manchester"]
    names += ["Birmingham", "Norwich", "Cambridge", "London", "Bristol", "Plymouth"]
    return (
        np.array([CITIES[n][0] for n in names]),
        np.array([CITIES[n][1] for n in names]),
    )


def members(labels: np.ndarray) -> list[set[int]]:
    return [set(np.flatnonzero(labels == k).tolist()) for k in range(labels.max() + 1)]


def test_a_tight_group_among_scattered_sites_is_the_one_cluster() -> None:
    g_lat, g_lon = spot(*CITIES["Edinburgh"], 12, spread_km=1.0)
    s_lat, s_lon = scattered()
    lat, lon = np.r_[s_lat[:6], g_lat, s_lat[6:]], np.r_[s_lon[:6], g_lon, s_lon[6:]]
    everyone = np.ones(len(lat), bool)
    labels = labels_of(index(lat, lon), everyone, everyone, **OPTIONS)
    assert members(labels) == [set(range(6, 18))]
    assert (labels[:6] == -1).all() and (labels[18:] == -1).all()


def test_nine_sites_are_too_few_for_min_size_ten() -> None:
    g_lat, g_lon = spot(*CITIES["Edinburgh"], 9, spread_km=1.0)
    s_lat, s_lon = scattered()
    lat, lon = np.r_[g_lat, s_lat], np.r_[g_lon, s_lon]
    everyone = np.ones(len(lat), bool)
    labels = labels_of(index(lat, lon), everyone, everyone, **OPTIONS)
    assert (labels == -1).all()
    # the same nine do make a cluster when nine is enough
    nine = {"min_samples": 9, "min_size": 9, "concentration": 1.5}
    labels = labels_of(index(lat, lon), everyone, everyone, **nine)
    assert members(labels) == [set(range(9))]


def test_a_group_smaller_than_min_size_alone_gives_no_labels() -> None:
    lat, lon = spot(*CITIES["Edinburgh"], 9, spread_km=1.0)
    everyone = np.ones(9, bool)
    assert (labels_of(index(lat, lon), everyone, everyone, **OPTIONS) == -1).all()


def test_two_groups_100_km_apart_are_two_clusters() -> None:
    a_lat, a_lon = spot(54.0, -2.0, 12, seed=1)
    b_lat, b_lon = spot(*offset(54.0, -2.0, 100.0, 0.0), 12, seed=2)
    lat, lon = np.r_[a_lat, b_lat], np.r_[a_lon, b_lon]
    everyone = np.ones(24, bool)
    labels = labels_of(index(lat, lon), everyone, everyone, **OPTIONS)
    assert sorted(members(labels), key=min) == [set(range(12)), set(range(12, 24))]


def _chain(spacing_km: float) -> tuple[np.ndarray, np.ndarray]:
    lats, lons = [], []
    for k in range(4):
        lat, lon = spot(*offset(54.0, -2.0, k * spacing_km, 0.0), 12, 0.3, seed=k)
        lats.append(lat)
        lons.append(lon)
    return np.concatenate(lats), np.concatenate(lons)


def test_a_chain_of_groups_within_reach_of_the_next_is_one_cluster() -> None:
    # 4 dense groups 10.5 km apart: ends 31.5 km apart, linked through the middle
    lat, lon = _chain(0.7 * D)
    everyone = np.ones(len(lat), bool)
    labels = labels_of(index(lat, lon), everyone, everyone, **OPTIONS)
    assert members(labels) == [set(range(48))]


def test_the_same_chain_spaced_wider_than_the_distance_falls_apart() -> None:
    lat, lon = _chain(2.0 * D)
    everyone = np.ones(len(lat), bool)
    labels = labels_of(index(lat, lon), everyone, everyone, **OPTIONS)
    assert sorted(members(labels), key=min) == [
        set(range(k * 12, (k + 1) * 12)) for k in range(4)
    ]


def _pair_joined(distance_km: float, bearing: float, shift: tuple[float, float]):
    """Two dense groups `distance_km` apart; are they one cluster?

    Thirty sites outside the group, far to the west, pin the projection's
    central meridian, so `shift` moves the pair across the grid's cells.
    """
    rad = np.radians(bearing)
    start = offset(54.0, -2.0, *shift)
    end = offset(*start, distance_km * np.sin(rad), distance_km * np.cos(rad))
    a_lat, a_lon = spot(*start, 12, 0.05, seed=1)
    b_lat, b_lon = spot(*end, 12, 0.05, seed=2)
    lat = np.r_[a_lat, b_lat, np.full(30, 54.0)]
    lon = np.r_[a_lon, b_lon, np.full(30, -5.0)]
    pair = np.r_[np.ones(24, bool), np.zeros(30, bool)]
    labels = labels_of(index(lat, lon), pair, pair, **OPTIONS)
    assert (labels[:24] >= 0).all()  # each group is dense on its own
    return labels[0] == labels[23]


CELL = D / 4
SHIFTS = [(i * CELL / 5, j * CELL / 5) for i in range(5) for j in range(5)]


def test_pair_helper_joins_close_groups_and_separates_far_ones() -> None:
    assert all(_pair_joined(0.5 * D, 45.0, shift) for shift in SHIFTS)
    assert not any(_pair_joined(2.0 * D, 45.0, shift) for shift in SHIFTS)


# Distances are measured between cell centres, so the neighbourhood's edge is
# exact to within a cell diagonal (documented in clustering.spatial).
SLACK = math.sqrt(2) * CELL


def test_dense_groups_a_cell_diagonal_inside_the_distance_always_join() -> None:
    assert all(_pair_joined(D - SLACK, 45.0, shift) for shift in SHIFTS)
    assert all(_pair_joined(D - SLACK, 90.0, shift) for shift in SHIFTS)


def test_dense_groups_a_cell_diagonal_beyond_the_distance_never_join() -> None:
    assert not any(_pair_joined(D + SLACK + 0.5, 90.0, shift) for shift in SHIFTS)
    assert not any(_pair_joined(D + SLACK + 0.5, 45.0, shift) for shift in SHIFTS)


def test_concentration_against_the_background() -> None:
    # 12 group sites and 12 other sites in one place: the group is half of the
    # background there, and half of it overall -- not concentrated
    g_lat, g_lon = spot(*CITIES["Edinburgh"], 12, seed=1)
    o_lat, o_lon = spot(*CITIES["Edinburgh"], 12, seed=2)
    lat, lon = np.r_[g_lat, o_lat], np.r_[g_lon, o_lon]
    group = np.r_[np.ones(12, bool), np.zeros(12, bool)]
    background = np.ones(24, bool)
    idx = index(lat, lon)
    assert (labels_of(idx, group, background, **OPTIONS) == -1).all()
    # concentration 1.0 asks only "as common locally as overall", so the cells are
    # dense; but no group site has more group sites among its nearest than its
    # overall share allows: still no cluster
    even = {**OPTIONS, "concentration": 1.0}
    assert (labels_of(idx, group, background, **even) == -1).all()
    # with nothing to compare with, density alone decides
    assert members(labels_of(idx, group, group, **OPTIONS)) == [set(range(12))]


def test_a_group_concentrated_against_a_spread_background_is_clustered() -> None:
    g_lat, g_lon = spot(*CITIES["Edinburgh"], 12, seed=1)
    s_lat, s_lon = scattered()
    lat, lon = np.r_[g_lat, s_lat], np.r_[g_lon, s_lon]
    group = np.r_[np.ones(12, bool), np.zeros(12, bool)]
    labels = labels_of(index(lat, lon), group, np.ones(24, bool), **OPTIONS)
    assert members(labels) == [set(range(12))]


def test_unlocated_sites_never_get_a_label() -> None:
    g_lat, g_lon = spot(*CITIES["Edinburgh"], 12)
    lat = np.r_[g_lat, np.nan, np.nan, CITIES["Edinburgh"][0]]
    lon = np.r_[g_lon, np.nan, CITIES["Edinburgh"][1], np.nan]
    everyone = np.ones(len(lat), bool)
    labels = labels_of(index(lat, lon), everyone, everyone, **OPTIONS)
    assert members(labels) == [set(range(12))]
    assert (labels[12:] == -1).all()


def test_nine_located_and_many_unlocated_sites_make_no_cluster() -> None:
    g_lat, g_lon = spot(*CITIES["Edinburgh"], 9)
    lat, lon = np.r_[g_lat, np.full(20, np.nan)], np.r_[g_lon, np.full(20, np.nan)]
    everyone = np.ones(len(lat), bool)
    assert (labels_of(index(lat, lon), everyone, everyone, **OPTIONS) == -1).all()


def test_only_group_sites_are_labelled() -> None:
    a_lat, a_lon = spot(*CITIES["Edinburgh"], 12, seed=1)
    b_lat, b_lon = spot(*CITIES["London"], 12, seed=2)
    lat, lon = np.r_[a_lat, b_lat], np.r_[a_lon, b_lon]
    group = np.r_[np.zeros(12, bool), np.ones(12, bool)]
    labels = labels_of(index(lat, lon), group, group, **OPTIONS)
    assert members(labels) == [set(range(12, 24))]


def _three_groups() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lats, lons = [], []
    for k, city in enumerate(["Edinburgh", "Manchester", "London"]):
        lat, lon = spot(*CITIES[city], 12 + k, seed=k)
        lats.append(lat)
        lons.append(lon)
    s_lat, s_lon = scattered()
    lat, lon = np.concatenate([*lats, s_lat]), np.concatenate([*lons, s_lon])
    return lat, lon, np.ones(len(lat), bool)


def test_results_are_identical_on_repeated_runs() -> None:
    lat, lon, group = _three_groups()
    background = np.ones(len(lat), bool)
    first = labels_of(index(lat, lon), group, background, **OPTIONS)
    idx = index(lat, lon)
    second = labels_of(idx, group, background, **OPTIONS)
    third = labels_of(idx, group, background, **OPTIONS)  # cached background
    assert first.max() == 2
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(first, third)


def test_results_do_not_depend_on_row_order() -> None:
    lat, lon, group = _three_groups()
    background = np.ones(len(lat), bool)
    labels = labels_of(index(lat, lon), group, background, **OPTIONS)
    expected = {frozenset(m) for m in members(labels)}
    assert len(expected) == 3
    for seed in range(3):
        order = np.random.default_rng(seed).permutation(len(lat))
        shuffled = labels_of(
            index(lat[order], lon[order]), group[order], background[order], **OPTIONS
        )
        found = {frozenset(order[list(m)].tolist()) for m in members(shuffled)}
        assert found == expected


def town(
    centre: tuple[float, float], side: int = 25, spacing_km: float = 0.25
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A square lattice of sites 6 km across, every 20th of them in the group (5%):
    a town whose group sites are spread evenly, with no hot spot of their own."""
    half = (side - 1) * spacing_km / 2
    points = [
        offset(*centre, i * spacing_km - half, j * spacing_km - half)
        for i in range(side)
        for j in range(side)
    ]
    lat, lon = np.array([p[0] for p in points]), np.array([p[1] for p in points])
    return lat, lon, np.arange(side * side) % 20 == 0


def _two_spots_in_a_town() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two tight groups of 15 (300 m across), 1.5 km apart, in the town's centre."""
    leeds = CITIES["Leeds"]
    a_lat, a_lon = spot(*offset(*leeds, -0.75, 0.0), 15, spread_km=0.15, seed=4)
    b_lat, b_lon = spot(*offset(*leeds, 0.75, 0.0), 15, spread_km=0.15, seed=5)
    t_lat, t_lon, t_group = town(leeds)
    lat, lon = np.r_[a_lat, b_lat, t_lat], np.r_[a_lon, b_lon, t_lon]
    return lat, lon, np.r_[np.ones(30, bool), t_group]


def test_a_tight_group_in_a_town_leaves_out_the_ordinary_sites_around_it() -> None:
    lat, lon, group = _two_spots_in_a_town()
    labels = labels_of(index(lat, lon, 2.0), group, np.ones(len(lat), bool), **OPTIONS)
    found = sorted(members(labels), key=min)
    assert len(found) == 2
    assert set(range(15)) <= found[0] and set(range(15, 30)) <= found[1]
    # at most the odd town site right beside a group, of the 32 in the town
    assert all(len(f) - 15 <= 2 for f in found)


def test_by_density_alone_the_same_groups_take_in_the_town_and_join() -> None:
    # what the excess test prevents: DBSCAN* makes every cell within 2 km of a
    # tight group dense, so the group's ordinary sites there join it
    lat, lon, group = _two_spots_in_a_town()
    labels = labels_of(index(lat, lon, 2.0), group, group, **OPTIONS)
    found = members(labels)
    assert len(found) == 1 and set(range(30)) < found[0]
    assert len(found[0] - set(range(30))) >= 10


def test_significance_decides_how_much_excess_makes_a_member() -> None:
    lat, lon, group = _two_spots_in_a_town()
    idx = index(lat, lon, 2.0)
    everyone = np.ones(len(lat), bool)
    # at a level no count can reach, nobody is a member
    none = labels_of(idx, group, everyone, **OPTIONS, significance=1e-300)
    assert (none == -1).all()
    # a strict level keeps exactly the two groups; the default also takes the
    # town sites right beside them, whose nearest sites are mostly the group's
    strict = labels_of(idx, group, everyone, **OPTIONS, significance=1e-6)
    assert sorted(members(strict), key=min) == [set(range(15)), set(range(15, 30))]
    loose = labels_of(idx, group, everyone, **OPTIONS, significance=0.01)
    assert set(np.flatnonzero(strict >= 0)) < set(np.flatnonzero(loose >= 0))


def test_sites_sharing_one_point_are_counted_whole_whatever_their_order() -> None:
    # 12 group and 48 other sites at one postcode's coordinates (20%), and a town
    # of 625 with 5% in the group: which 10 of the 60 at the point are "the 10
    # nearest" would be arbitrary (and 10 or 40 of them too few to tell 20% from
    # 6%), so a window takes in every site at its edge's distance
    leeds = CITIES["Leeds"]
    t_lat, t_lon, t_group = town(CITIES["Manchester"])
    lat = np.r_[np.full(60, leeds[0]), t_lat]
    lon = np.r_[np.full(60, leeds[1]), t_lon]
    group = np.r_[np.ones(12, bool), np.zeros(48, bool), t_group]
    everyone = np.ones(len(lat), bool)
    labels = labels_of(index(lat, lon, 2.0), group, everyone, **OPTIONS)
    assert members(labels) == [set(range(12))]
    order = np.random.default_rng(1).permutation(len(lat))
    shuffled = labels_of(
        index(lat[order], lon[order], 2.0), group[order], everyone, **OPTIONS
    )
    assert members(shuffled) == [set(np.flatnonzero(order < 12).tolist())]


def test_groups_are_disjoint_ascending_and_in_order_of_their_first_site() -> None:
    lat, lon, group = _two_spots_in_a_town()
    idx = index(lat, lon, 2.0)
    everyone = np.ones(len(lat), bool)
    for background in (everyone, group):
        found = idx.groups(group, background, **OPTIONS)
        assert len(found) >= 1
        every = np.concatenate(found)
        assert len(set(every.tolist())) == len(every)  # no site in two
        assert all((np.diff(g) > 0).all() for g in found)
        assert [int(g[0]) for g in found] == sorted(int(g[0]) for g in found)


def test_window_counts_match_counting_every_site_in_each_disc() -> None:
    from scipy.spatial import cKDTree

    from clustering.spatial import TIE_ROOM, _window_counts

    rng = np.random.default_rng(3)
    # scattered sites, and piles at one point around the room past the widest window
    points = [rng.uniform(0, 5, (400, 2))]
    for size in (3, 10, 40, TIE_ROOM + 40, TIE_ROOM + 41, 90):
        points.append(np.repeat(rng.uniform(0, 5, (1, 2)), size, axis=0))
    xy = np.concatenate(points)
    in_group = rng.random(len(xy)) < 0.3
    windows = [10, 20, 40]
    # scattered points, and a point in each pile (the bigger piles run past the room)
    piles = np.cumsum([400, 3, 10, 40, TIE_ROOM + 40, TIE_ROOM + 41])
    queries = np.concatenate([xy[rng.choice(400, 100, replace=False)], xy[piles]])
    counts, radii = _window_counts(cKDTree(xy), in_group, queries, windows)
    gaps = np.linalg.norm(queries[:, None, :] - xy[None, :, :], axis=2)
    for (total, count), radius, window in zip(counts, radii, windows, strict=True):
        nearest = np.sort(gaps, axis=1)[:, window - 1]
        inside = gaps <= nearest[:, None] * (1 + 1e-9) + 1e-9
        np.testing.assert_allclose(radius, nearest * (1 + 1e-9) + 1e-9)
        assert total.tolist() == inside.sum(axis=1).tolist()
        assert count.tolist() == (inside & in_group).sum(axis=1).tolist()
