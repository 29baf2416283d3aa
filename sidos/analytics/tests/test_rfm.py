import numpy as np
import polars as pl

from sidos.analytics import rfm


def test_quintiles_put_ties_in_the_lowest_score():
    scores = rfm.quintile(pl.Series([1, 1, 1, 1, 1, 1, 2, 3, 4, 5]))
    assert scores.to_list()[:6] == [1] * 6
    assert scores.to_list()[-1] == 5


def test_recent_customers_score_high_on_recency():
    scores = rfm.quintile(pl.Series([1, 50, 100, 200, 400]), higher_is_better=False)
    assert scores.to_list() == [5, 4, 3, 2, 1]


def test_the_grid_names_every_combination():
    for r in range(1, 6):
        for f in range(1, 6):
            for m in range(1, 6):
                (segment,) = rfm.segment_for(np.array([r]), np.array([f]), np.array([m]))
                assert segment in rfm.Segment.values


def test_the_best_recent_customers_are_champions_and_the_best_old_ones_cant_be_lost():
    segments = rfm.segment_for(np.array([5, 1, 5, 1]), np.array([5, 5, 1, 1]), np.array([5, 5, 1, 1]))
    assert segments.tolist() == ["champions", "cant_lose", "new", "lost"]
