"""Estimates for a Sparrow model: its three twins under every estimator, from golden-model
spike statistics, with the break-even spike rates."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import defaults
from ..model import Model, run
from .analytical import break_even_spike_rate, count_bits, solve_crossing
from .cycles import TwinCycles, twin_cycles
from .params import EnergyParams
from .twins import (ESTIMATORS, TWINS, TwinEstimate, check_timesteps, estimate_all,
                    estimate_twin, works_at_timesteps)
from .workload import LayerWork, model_work


@dataclass(frozen=True)
class ModelEstimate:
    """Everything ``sparrow energy`` prints: per twin and estimator, per layer and term."""

    model: str
    timesteps: int
    inferences: int
    spike_rate: float                         # measured, spikes per neuron per timestep
    params: EnergyParams
    works: tuple[LayerWork, ...]
    estimates: dict[tuple[str, str], TwinEstimate]
    break_even_model: float | None            # spike-count layers' rate where if == qnn
    break_even_generic: float                 # the paper's generic layer at this T
    lanes: int = defaults.LANES               # PE lanes of the cores the cycles are of
    cycles: dict[str, TwinCycles | None] | None = None   # per twin

    def get(self, twin: str, estimator: str) -> TwinEstimate:
        return self.estimates[(twin, estimator)]

    def cycles_at(self, twin: str, timesteps: int) -> float | None:
        """Cycles per inference of ``twin``'s core at T = ``timesteps`` and the measured
        spike rates (the if core walks once per step; the others' walks do not depend on T)."""
        c = (self.cycles or {}).get(twin)
        if c is None:
            return None
        return c.scaled(timesteps / self.timesteps).measured if twin == "if" else c.measured

    def to_dict(self) -> dict:
        return {
            "model": self.model, "timesteps": self.timesteps,
            "count_bits": count_bits(self.timesteps), "inferences": self.inferences,
            "spike_rate": self.spike_rate, "params": self.params.to_dict(),
            "break_even": {
                "model_spike_rate": self.break_even_model,
                "generic_spike_rate": self.break_even_generic,
                "meaning": "spike rate (spikes per neuron per timestep) below which the if "
                           "twin costs less than the qnn twin (analytical estimator); "
                           "model_spike_rate scales the measured activity of this model's "
                           "spike-count layers (the ANN input layer excluded), "
                           "generic_spike_rate is the paper's layer (8-bit weights, fan-in "
                           "4096) at this T",
            },
            "lanes": self.lanes,
            "cycles": {twin: None if c is None else {"measured": c.measured,
                                                     "silent": c.silent}
                       for twin, c in (self.cycles or {}).items()},
            "estimates": [e.to_dict() for e in self.estimates.values()],
            "units": "J per inference",
        }


def estimate_model(model: Model, x: np.ndarray, params: EnergyParams, *, aux=None,
                   timesteps: int | None = None, lanes: int = defaults.LANES) -> ModelEstimate:
    """Run the golden model on ``x`` (and ``aux``) for the spike statistics, then estimate
    every twin at ``timesteps`` (default the model's T; another T keeps the measured spike
    rates per layer), the per-cycle term with the cycles of ``lanes``-lane cores."""
    result = run(model, x, aux=aux)
    works = model_work(model, result)
    cycles = twin_cycles(model, x, result, lanes=lanes, aux=aux)
    t = model.timesteps if timesteps is None else check_timesteps(timesteps)
    if t != model.timesteps:
        works = works_at_timesteps(works, model.timesteps, t)
        if cycles["if"] is not None:      # one walk per step; ssf and qnn walks keep theirs
            cycles["if"] = cycles["if"].scaled(t / model.timesteps)
    rate = float(np.mean(result.spike_rate))
    measured = {twin: None if c is None else c.measured for twin, c in cycles.items()}
    return ModelEstimate(
        model=model.name, timesteps=t, inferences=len(result.predictions), spike_rate=rate,
        params=params, works=tuple(works), estimates=estimate_all(works, t, params, measured),
        break_even_model=model_break_even([w for w in works if w.input_bits is None], t, rate,
                                          params, cycles),
        break_even_generic=break_even_spike_rate(t, 8, 4096, params),
        lanes=lanes, cycles=cycles)


def twin_energy_at_rate(works: list[LayerWork], twin: str, estimator: str, timesteps: int,
                        params: EnergyParams, factor: float,
                        cycles: TwinCycles | None = None) -> float:
    """Total energy (J) of ``twin`` with every spike-count layer's activity times ``factor``
    (a first-order spike-rate sweep: spikes and non-zero inputs scale together, and the
    core's cycles with them)."""
    scaled = [w.with_spike_rate_scaled(factor, scale_nonzero=True) if w.input_bits is None
              else w for w in works]
    return estimate_twin(scaled, twin, estimator, timesteps, params,
                         None if cycles is None else cycles.at_activity(factor)).total.total


def model_break_even(works: list[LayerWork], timesteps: int, spike_rate: float,
                     params: EnergyParams,
                     cycles: dict[str, TwinCycles | None] | None = None,
                     twin: str = "if") -> float | None:
    """Mean spike rate at which the spiking ``twin`` (``if`` or ``ssf``) of ``works`` costs
    what its ``qnn`` twin does (analytical estimator), scaling the measured activity (and the
    twins' ``cycles``); None without spikes to scale. :func:`estimate_model` passes the
    spike-count layers only: the ANN layer, which the if twin re-runs every timestep, would
    otherwise decide alone."""
    if spike_rate <= 0:
        return None
    cycles = cycles or {}
    qnn_cycles = cycles.get("qnn")
    qnn = estimate_twin(works, "qnn", "analytical", timesteps, params,
                        None if qnn_cycles is None else qnn_cycles.measured).total.total

    def excess(rate: float) -> float:
        return twin_energy_at_rate(works, twin, "analytical", timesteps, params,
                                   rate / spike_rate, cycles.get(twin)) - qnn

    return solve_crossing(excess)


def format_estimate(e: ModelEstimate) -> str:
    """The human-readable summary: totals per twin and estimator, terms, break-even."""
    from .terms import TERM_LABELS, TERM_NAMES
    lines = [f"{e.model}: T = {e.timesteps} (qnn twin: {count_bits(e.timesteps)}-bit "
             f"activations), {e.inferences} inference(s), measured spike rate "
             f"{e.spike_rate * 100:.2f} % (spikes per neuron per timestep); parameters "
             f"{e.params.name}",
             f"cycles per inference of {e.lanes}-lane cores (hardware schedule; the "
             f"per-cycle term counts them): " + ", ".join(
                 f"{twin} {'n/a (not buildable)' if c is None else f'{c:,.0f}'}"
                 for twin in TWINS for c in [e.cycles_at(twin, e.timesteps)]),
             "energy per inference (J), by term:"]
    header = f"  {'estimator':<11}{'twin':<6}{'total':>11}" + "".join(
        f"{TERM_LABELS[n][:13]:>15}" for n in TERM_NAMES)
    lines.append(header)
    for est in ESTIMATORS:
        for twin in TWINS:
            t = e.get(twin, est).total
            lines.append(f"  {est:<11}{twin:<6}{t.total:>11.3e}" + "".join(
                f"{getattr(t, n):>15.3e}" for n in TERM_NAMES))
    if e.break_even_model is None:
        lines.append("break-even: the model has no spikes to scale")
    else:
        lines.append(f"break-even spike rate (analytical; if twin cheaper than qnn below it): "
                     f"{e.break_even_model * 100:.2f} % for this model's spike-count layers "
                     f"(measured {e.spike_rate * 100:.2f} %), "
                     f"{e.break_even_generic * 100:.2f} % for the paper's generic layer "
                     f"(8-bit weights, fan-in 4096) at T = {e.timesteps}")
    return "\n".join(lines)
