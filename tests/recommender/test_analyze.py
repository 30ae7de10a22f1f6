"""Behavior analysis: segment descriptions with exact values, k-means on separable users."""

import numpy as np
import pytest

from recommender.data.datasets import from_arrays
from recommender.evaluation.analysis import describe_segments, long_tail_share, segment_users


def two_taste_data():
    # users 0-5 watch the ten comedies (items 0-9), users 6-11 the ten horror films (10-19);
    # everyone watches item 20 (a drama)
    users, items = [], []
    for user in range(12):
        own = range(10) if user < 6 else range(10, 20)
        for item in [*own, 20, *own]:  # the repeats are dropped by from_arrays
            users.append(user)
            items.append(item)
    n = len(users)
    genres = [("Comedy",)] * 10 + [("Horror",)] * 10 + [("Drama",)]
    titles = [f"c{i}" for i in range(10)] + [f"h{i}" for i in range(10)] + ["d"]
    return from_arrays("toy", np.array(users), np.array(items), np.full(n, 4.0, np.float32),
                       np.arange(n), None, np.array(titles), titles, genres, 4.0,
                       np.ones(n, dtype=bool), "timestamp", [], [])


def test_describe_segments_by_hand():
    data = two_taste_data()
    assert len(data.users) == 12 * 11
    segments = describe_segments(data, np.array([0] * 6 + [1] * 6), 2)
    comedy, horror = segments
    assert [comedy["users"], horror["users"]] == [6, 6]
    assert comedy["mean_history_length"] == 11.0 and comedy["mean_rating"] == 4.0
    # Comedy: 60 of the segment's 66 interactions vs 60 of all 132 → lift 2.0; Drama has only
    # 6 interactions in the segment (< 20), so it is not listed
    assert comedy["top_genres"] == [{"genre": "Comedy", "lift": 2.0}]
    assert horror["top_genres"] == [{"genre": "Horror", "lift": 2.0}]
    # examples: distinctive items first (the drama everyone saw has log lift 0), index order
    assert comedy["example_titles"] == ["c0", "c1", "c2", "c3", "c4"]
    assert horror["example_titles"][0] == "h0"


def test_long_tail_share():
    data = two_taste_data()
    # 21 items, the top 20 % = 4 items: the drama (12) and three films with 6 each
    assert long_tail_share(data) == pytest.approx((12 + 3 * 6) / 132)


def test_kmeans_separates_two_clear_groups():
    rng = np.random.default_rng(0)
    points = np.concatenate([rng.normal(0, 0.1, (20, 4)), rng.normal(5, 0.1, (20, 4))])
    labels, silhouette = segment_users(points, 2)
    assert len(set(labels[:20])) == 1 and len(set(labels[20:])) == 1 and labels[0] != labels[20]
    assert silhouette > 0.9
