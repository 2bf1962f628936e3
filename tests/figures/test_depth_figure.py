"""The depth curve: the score at each depth, the band the one-standard-error rule accepts
and the depth it picks."""

from __future__ import annotations

import pandas as pd

from lowback.figures.depth import depth_figure
from lowback.study.evaluation import choose_depth

CURVE = pd.DataFrame(
    {
        "depth": [1, 2, 3, 4],
        "macro_f1": [0.40, 0.70, 0.79, 0.80],
        "macro_f1_se": [0.01, 0.01, 0.01, 0.02],
        "accuracy": [0.6, 0.75, 0.82, 0.83],
        "leaves": [2, 4, 8, 16],
    }
)


def test_the_depth_figure_marks_the_rule_s_band_and_the_chosen_depth():
    chosen = choose_depth(CURVE)
    assert chosen == 3  # 0.79 is within one standard error (0.02) of the best, 0.80
    fig = depth_figure(CURVE, chosen)
    (band,) = fig.layout.shapes
    assert (band.y0, band.y1) == (0.78, 0.80)  # best minus its standard error, up to best
    (note,) = fig.layout.annotations
    assert "depth 3, 8 leaves" in note.text and note.x == 3
    score = next(t for t in fig.data if t.name.startswith("macro F1"))
    assert list(score.y) == list(CURVE["macro_f1"]) and list(score.error_y.array) == list(
        CURVE["macro_f1_se"]
    )
