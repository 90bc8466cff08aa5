"""MIT-BIH beats as the inputs of hardware runs (``sparrow flow`` on a one-beat ECG model)."""

from __future__ import annotations

import os

import numpy as np

from ..errors import SparrowError
from ..model import Model
from ..model.golden import check_input
from .data import WINDOW, intra_test_beats, load_split

BEAT_SHAPE = (1, WINDOW)
"""Input shape (channels, samples) of a model that classifies one beat."""


def takes_one_beat(model: Model) -> bool:
    """True when ``model``'s input is one beat window."""
    return tuple(model.input.shape) == BEAT_SHAPE


def flow_beats(model: Model, count: int, *, mitdb: str | os.PathLike | None = None
               ) -> tuple[np.ndarray, np.ndarray | None, str]:
    """(x, aux, description): ``count`` MIT-BIH test beats (``mitdb``: the records' folder),
    the first beat of each class in turn, so a few beats already cover the classes; ``x`` is
    (count, 1, WINDOW) int64. A model without an aux input gets beats of the intra-patient
    test split (``aux`` None); a model with one (the RR models, trained on DS1) gets DS2 beats
    of the inter-patient split with their features (:func:`sparrow.ecg.evaluate.beat_aux`)."""
    if not takes_one_beat(model):
        raise SparrowError(f"model {model.name!r} takes inputs of shape {model.input.shape}, "
                           "not one ECG beat: give --inputs FILE.npy or --random N")
    if count < 1:
        raise SparrowError(f"--inferences must be at least 1, got {count}")
    if model.aux_input is None:
        beats, labels = intra_test_beats(mitdb)
        aux, split = None, "intra-patient test split"
    else:
        from .evaluate import beat_aux
        _, test = load_split("inter", mitdb)
        beats, labels, aux = test.x.astype(np.int64), test.y, beat_aux(model, test)
        split = (f"inter-patient test split (DS2), with {model.aux_input.features} aux "
                 "features each")
    picked = _one_per_class(labels, count)
    return check_input(model, beats[picked]), None if aux is None else aux[picked], (
        f"{count} beats of the MIT-BIH {split} (indices {', '.join(map(str, picked))}; "
        f"classes {', '.join(str(int(labels[i])) for i in picked)})")


def _one_per_class(labels: np.ndarray, count: int) -> list[int]:
    """Indices of ``count`` beats: the first beat of each class present, in class order,
    then the next of each, and so on."""
    queues = [list(np.flatnonzero(labels == c)) for c in np.unique(labels)]
    picked: list[int] = []
    while len(picked) < count and any(queues):
        for q in queues:
            if q and len(picked) < count:
                picked.append(int(q.pop(0)))
    if len(picked) < count:
        raise SparrowError(f"the test split holds only {len(picked)} beats")
    return picked
