"""What a generated core must answer for given inputs, from the golden model of its variant:
scores, classes, the hardware counters (``ssf``: :mod:`sparrow.hw.schedule` on
:func:`sparrow.model.run`'s activations; ``if``: :mod:`sparrow.hw.if_schedule` on
:func:`sparrow.model.run_if`'s spike trains) and the values it writes to its activation banks."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..model.golden import check_aux, check_input, run
from ..model.if_reference import run_if
from .if_schedule import if_counters
from .plan import HardwarePlan
from .schedule import Counters, inference_counters


@dataclass(frozen=True)
class Expected:
    """Per inference of a batch: the core's answers and counters."""

    scores: np.ndarray                 # (N, classes)
    predictions: np.ndarray            # (N,)
    counters: Counters
    activations: list[np.ndarray]
    """Per layer (N, C, columns): what neuron ``c`` holds in the word written for a column
    (``ssf``: the count at position ``q``; ``if``: the spike at step ``t``, position ``q``, in
    column ``t * L + q``); the output layer's entry holds its scores."""


def expected_run(plan: HardwarePlan, x, aux=None) -> Expected:
    """The expected answers of ``plan``'s core for inputs ``x`` (N, C, L) and, for a model
    with an aux input, the aux values ``aux`` (N, features)."""
    x = check_input(plan.model, x)
    aux = check_aux(plan.model, aux, len(x))
    if plan.variant == "if":
        result = run_if(plan.model, x)
        n = len(x)
        columns = [t.transpose(0, 2, 1, 3).reshape(n, t.shape[2], -1).astype(np.int64)
                   for t in result.spike_trains]
        return Expected(result.scores, result.predictions,
                        if_counters(plan, x, result.spike_trains),
                        columns + [result.counts[-1]])
    golden = run(plan.model, x, aux=aux, lanes=plan.lanes)
    return Expected(golden.scores, golden.predictions,
                    inference_counters(plan, x, golden.activations, aux), golden.activations)
