"""The ``if`` core's counters, exactly, from :func:`sparrow.model.run_if`'s spike trains.

Each layer runs the SSF walk of :mod:`sparrow.hw.schedule` once per timestep (see
:mod:`sparrow.hw.if_plan`), on that step's source: the raw samples for the ANN layer (the same
at every step: ``T`` times its SSF counters, its weights read ``T x MACs`` times), the input
spikes of step ``t`` for a later layer (event-driven: a spike issues one weight read per lane,
a zero spike nothing, a word costs at least one cycle). So a spiking layer's weight reads over
the window are ``sum over inputs of count x fan-out``, the figure ``run_if`` reports.
"""

from __future__ import annotations

import numpy as np

from .if_plan import IfPlan
from .params import check_instance
from .schedule import Counters, layer_counters


def if_counters(plan: IfPlan, x: np.ndarray | None = None,
                spike_trains: list[np.ndarray] | None = None) -> Counters:
    """The counters of inferences ``x`` (N, C, L) whose per-step spikes are ``spike_trains``
    (``IfResult.spike_trains``: per layer but the output, (N, T, C, L)); both None: every
    input spiking at every step, an upper bound on any inference's counters."""
    check_instance("plan", plan, IfPlan)
    if (x is None) != (spike_trains is None):
        raise ValueError("give both x and spike_trains, or neither (the dense bound)")
    totals = None
    for layer in plan.layers:
        if x is None or layer.src == "input":
            source = None if x is None else x
            c = layer_counters(plan, layer, source)
            c = Counters(*(plan.steps * v for v in c.as_dict().values()))
        else:
            train = spike_trains[layer.index - 1]
            c = None
            for t in range(plan.steps):
                step = layer_counters(plan, layer, train[:, t])
                c = step if c is None else c + step
        totals = c if totals is None else totals + c
    return totals
