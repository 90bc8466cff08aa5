"""Clock cycles per inference of each twin's Sparrow core: the count the analytical model's
per-cycle term (``e_cycle``) multiplies.

The cycles come from the hardware schedules, the same predictions every testbench checks the
cores' cycle counters against (:mod:`sparrow.hw.schedule`, :mod:`sparrow.hw.if_schedule`):

* ``ssf``: the zero-skipping schedule on the golden model's spike counts;
* ``qnn``: the dense schedule (every count issues: cycles independent of the data);
* ``if``: the per-timestep schedule on :func:`sparrow.model.run_if`'s spike trains.

Each twin's count is given at the measured activity and with every spike silent (the first
layer still reads its samples); a spike-rate sweep interpolates between the two (cycles grow
with the non-zero counts, one per count and word, to first order linearly). A twin the
generator cannot build for the model (for example ``if`` beyond its T limit) has no cycle
count (None), and the estimate then leaves its per-cycle term out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..hw.if_schedule import if_counters
from ..hw.plan import HardwareLimitError, plan_core
from ..hw.schedule import inference_counters
from ..model import Model, run_if
from ..model.golden import GoldenResult


@dataclass(frozen=True)
class TwinCycles:
    """Mean clock cycles per inference of one twin's core: at the measured activity and with
    every spike count (or spike) zero."""

    measured: float
    silent: float

    def at_activity(self, factor: float) -> float:
        """Cycles with the spike activity times ``factor`` (linear between silent and
        measured)."""
        return self.silent + (self.measured - self.silent) * factor

    def scaled(self, factor: float) -> TwinCycles:
        """Both counts times ``factor`` (the if core at another T: one walk per step)."""
        return TwinCycles(self.measured * factor, self.silent * factor)


def twin_cycles(model: Model, x: np.ndarray, result: GoldenResult, *, lanes: int,
                aux: np.ndarray | None = None) -> dict[str, TwinCycles | None]:
    """Cycles per inference of the ``ssf``, ``qnn`` and ``if`` cores with ``lanes`` PE lanes
    on inputs ``x`` (and ``aux``), ``result`` being the golden model's run on them."""
    cycles: dict[str, TwinCycles | None] = {}
    silent = [np.zeros_like(a) for a in result.activations]
    for twin, zero_skip in (("ssf", True), ("qnn", False)):
        try:
            plan = plan_core(model, lanes=lanes, zero_skip=zero_skip)
        except HardwareLimitError:
            cycles[twin] = None
            continue
        cycles[twin] = TwinCycles(
            *(float(np.mean(inference_counters(plan, x, acts, aux).cycles))
              for acts in (result.activations, silent)))
    try:
        plan = plan_core(model, lanes=lanes, variant="if")
    except HardwareLimitError:
        cycles["if"] = None
    else:
        trains = run_if(model, x, aux=aux).spike_trains
        cycles["if"] = TwinCycles(
            *(float(np.mean(if_counters(plan, x, t).cycles))
              for t in (trains, [np.zeros_like(a) for a in trains])))
    return cycles
