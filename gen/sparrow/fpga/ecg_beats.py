"""MIT-BIH beats for the prototype: a few of every AAMI class, from three records.

Records 208 (N, S, V, F, Q), 217 (N, V, Q: paced and fusion-of-paced beats) and 232 (N, S)
together hold beats of all five classes, so a handful of records (seconds to read) gives a
class-balanced sample without loading the whole database.
"""

from __future__ import annotations

import os

import numpy as np

from ..ecg import data

DEMO_RECORDS = ("208", "217", "232")


def class_balanced_beats(per_class: int, *, data_dir: str | os.PathLike | None = None,
                         cache_dir: str | os.PathLike | None = None
                         ) -> tuple[np.ndarray, np.ndarray]:
    """(x, y): ``per_class`` beats of each class, evenly spaced over that class's beats of
    :data:`DEMO_RECORDS` in record and time order; x (N, 1, 180) int64, y (N,) class index
    (0..4 = N, S, V, F, Q), grouped by class."""
    beats = data.load_beats(data_dir, records=DEMO_RECORDS, cache_dir=cache_dir)
    picks = []
    for c in range(len(data.CLASSES)):
        idx = np.flatnonzero(beats.y == c)
        take = min(per_class, len(idx))
        picks += idx[np.linspace(0, len(idx) - 1, take).round().astype(int)].tolist()
    return beats.x[picks].astype(np.int64), beats.y[picks].astype(np.int64)
