"""The inferences a flow runs: an ``.npy`` of raw samples, random inputs, or (for a model
that takes one ECG beat) beats of the MIT-BIH intra-patient test split."""

from __future__ import annotations

import os

import numpy as np

from ..errors import SparrowError
from ..model import Model
from ..model.golden import check_input
from ..model.inputs import load_inputs, random_inputs

ECG_BEAT_SHAPE = (1, 180)


def resolve_inputs(model: Model, *, inputs: str | os.PathLike | None = None,
                   random: int | None = None, count: int = 2, seed: int = 0,
                   mitdb: str | os.PathLike | None = None) -> tuple[np.ndarray, str]:
    """(x, description): ``x`` is (N, C, L) int64 raw samples, ``description`` says where
    they came from. Exactly one of ``inputs`` (an .npy, first ``count`` inferences) and
    ``random`` (that many uniform random inputs, ``seed``) may be given; without either, a
    model of ECG-beat shape takes the first ``count`` beats of each class in turn from the
    intra-patient test split (``mitdb``: the records' folder), any other model is an error."""
    if inputs is not None and random is not None:
        raise SparrowError("give either --inputs or --random, not both")
    if count < 1:
        raise SparrowError(f"--inferences must be at least 1, got {count}")
    if random is not None:
        return random_inputs(model, random, seed), f"{random} uniform random inputs (seed {seed})"
    if inputs is not None:
        x = load_inputs(model, inputs, option="--inputs")[:count]
        return x, f"the first {len(x)} inputs of {inputs}"
    if tuple(model.input.shape) != ECG_BEAT_SHAPE:
        raise SparrowError(f"model {model.name!r} takes inputs of shape {model.input.shape}, "
                           "not one ECG beat: give --inputs FILE.npy or --random N")
    from ..ecg.data import intra_test_beats
    beats, labels = intra_test_beats(mitdb)
    picked = _one_per_class(labels, count)
    return check_input(model, beats[picked]), (
        f"{count} beats of the MIT-BIH intra-patient test split (indices "
        f"{', '.join(map(str, picked))}; classes {', '.join(str(int(labels[i])) for i in picked)})")


def _one_per_class(labels: np.ndarray, count: int) -> list[int]:
    """Indices of ``count`` beats: the first beat of each class present, in class order,
    then the next of each, and so on (so a few beats already cover the classes)."""
    queues = [list(np.flatnonzero(labels == c)) for c in np.unique(labels)]
    picked: list[int] = []
    while len(picked) < count and any(queues):
        for q in queues:
            if q and len(picked) < count:
                picked.append(int(q.pop(0)))
    if len(picked) < count:
        raise SparrowError(f"the test split holds only {len(picked)} beats")
    return picked
