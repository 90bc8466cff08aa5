"""Energy of the three hardware twins of a Sparrow model under each estimator.

Twins (DESIGN.md section 5), all from the same descriptor and the same spike statistics:

* ``ssf``: spike counts; each weight read once per use, products with a zero count skipped;
  a count x weight product is a b x w multiply-accumulate (b = ceil(log2(T+1))).
* ``qnn``: b-bit activations, dense multi-bit MACs, no zero skipping.
* ``if``: per-timestep integrate-and-fire, event-driven: each input spike of each timestep
  reads the weights it meets (T x s_r x synapses reads); the ANN (first) layer reads all its
  weights every timestep.

The first layer of a hybrid network reads raw samples in every twin: a multi-bit layer.

Estimators: ``naive`` (FLOPs-based, :mod:`.naive`), ``analytical`` (2409.08290,
:mod:`.analytical`), ``sata`` (systolic array, :mod:`.sata`), ``spikesim`` (crossbars,
:mod:`.spikesim`). Energies in J per inference.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model.descriptor import MAX_TIMESTEPS
from .analytical import count_bits, qnn_energy, snn_energy
from .naive import naive_ann_energy, naive_snn_energy
from .params import EnergyParams, ParamsError
from .sata import SATA, SATA_MAC_PE, SataArch, SataOps, sata_energy, traffic_for_layers
from .spikesim import CrossbarLayer, crossbar_energy
from .terms import PJ, EnergyTerms, sum_terms
from .workload import LayerWork

TWINS = ("ssf", "qnn", "if")
ESTIMATORS = ("naive", "analytical", "sata", "spikesim")


class TimestepsError(ParamsError):
    """T outside what a twin can run."""


def check_timesteps(timesteps: int) -> int:
    """T for the twins: 1..255 (the descriptor's limit; the QNN twin then has 1..8 bits)."""
    if isinstance(timesteps, bool) or not isinstance(timesteps, int) or \
            not 1 <= timesteps <= MAX_TIMESTEPS:
        raise TimestepsError(f"T = {timesteps!r} is outside the twins' limit 1..{MAX_TIMESTEPS} "
                             f"(the ssf and if cores count to T, the qnn twin has "
                             f"ceil(log2(T+1)) <= 8 bits)")
    return timesteps


@dataclass(frozen=True)
class TwinEstimate:
    """One twin under one estimator: energy per inference (J) per weighted layer, plus the
    fixed (leakage/clock) energy per inference where the estimator has one; ``cycles``: the
    clock cycles per inference its per-cycle term counted (None: not known, term left out)."""

    twin: str
    estimator: str
    timesteps: int
    layers: tuple[tuple[str, EnergyTerms], ...]
    fixed: EnergyTerms = EnergyTerms()
    cycles: float | None = None

    @property
    def total(self) -> EnergyTerms:
        return sum_terms(t for _, t in self.layers) + self.fixed

    def to_dict(self) -> dict:
        return {"twin": self.twin, "estimator": self.estimator, "timesteps": self.timesteps,
                "total_j": self.total.to_dict(),
                "layers_j": {name: t.to_dict() for name, t in self.layers},
                "fixed_j": self.fixed.to_dict(), "cycles": self.cycles}


def _analytical(work: LayerWork, twin: str, t: int, p: EnergyParams) -> EnergyTerms:
    if work.input_bits is not None:
        once = qnn_energy(work, work.input_bits, 1.0, p)
        return once.scaled(t) if twin == "if" else once
    if twin == "if":
        return snn_energy(work, t, p)
    return qnn_energy(work, count_bits(t), work.nonzero_fraction if twin == "ssf" else 1.0, p)


def _naive(work: LayerWork, twin: str, t: int, p: EnergyParams) -> EnergyTerms:
    # The naive estimate sees both spiking twins as one SNN: it cannot tell SSF from IF.
    return naive_ann_energy(work) if twin == "qnn" else naive_snn_energy(work)


def _sata(work: LayerWork, twin: str, t: int, p: EnergyParams) -> EnergyTerms:
    spiking = twin == "if" and work.input_bits is None
    passes = t if twin == "if" else 1
    if spiking:
        ops = SataOps(macs=work.spike_deliveries, neuron_updates=work.neurons * t)
        arch = SATA
    else:
        skip = work.nonzero_fraction if twin == "ssf" and work.input_bits is None else 1.0
        ops = SataOps(macs=skip * work.synapses * passes, neuron_updates=work.neurons * passes)
        arch = SataArch(pe=SATA_MAC_PE)
    return sata_energy(ops, traffic_for_layers([work], passes, arch), arch).terms()


def _spikesim(work: LayerWork, twin: str, t: int, p: EnergyParams) -> EnergyTerms:
    layer = CrossbarLayer(work.in_channels, work.out_channels, work.kernel, work.out_positions)
    bits = work.input_bits if work.input_bits is not None else count_bits(t)
    if twin == "if":
        passes = t * (work.input_bits or 1)
    else:
        passes = bits
    return crossbar_energy(layer, passes)


_LAYER_ESTIMATORS = {"naive": _naive, "analytical": _analytical, "sata": _sata,
                     "spikesim": _spikesim}


def estimate_twin(works: list[LayerWork], twin: str, estimator: str, timesteps: int,
                  params: EnergyParams, cycles: float | None = None) -> TwinEstimate:
    """Energy of ``twin`` under ``estimator`` for the layers ``works`` at T = ``timesteps``;
    the analytical estimator adds ``e_fixed`` and ``e_cycle`` x ``cycles`` (the twin's core's
    cycles per inference, :mod:`.cycles`; None leaves the per-cycle term out)."""
    if twin not in TWINS:
        raise ValueError(f"unknown twin {twin!r}; one of {', '.join(TWINS)}")
    if estimator not in ESTIMATORS:
        raise ValueError(f"unknown estimator {estimator!r}; one of {', '.join(ESTIMATORS)}")
    t = check_timesteps(timesteps)
    per_layer = _LAYER_ESTIMATORS[estimator]
    layers = tuple((w.name, per_layer(w, twin, t, params)) for w in works)
    fixed = EnergyTerms()
    if estimator == "analytical":
        per_cycle = params.e_cycle * cycles if cycles is not None else 0.0
        fixed = EnergyTerms(fixed=(params.e_fixed + per_cycle) * PJ)
    return TwinEstimate(twin, estimator, t, layers, fixed, cycles)


def estimate_all(works: list[LayerWork], timesteps: int, params: EnergyParams,
                 cycles: dict[str, float | None] | None = None
                 ) -> dict[tuple[str, str], TwinEstimate]:
    """Every twin under every estimator, keyed (twin, estimator); ``cycles`` per twin."""
    cycles = cycles or {}
    return {(twin, est): estimate_twin(works, twin, est, timesteps, params, cycles.get(twin))
            for est in ESTIMATORS for twin in TWINS}


def works_at_timesteps(works: list[LayerWork], measured_timesteps: int,
                       timesteps: int) -> list[LayerWork]:
    """The layers run at another T with the same spike rates (spikes per neuron per step):
    spike counts scale by T'/T; which inputs are zero is kept as measured."""
    check_timesteps(timesteps)
    factor = timesteps / measured_timesteps
    return [w.with_spike_rate_scaled(factor, scale_nonzero=False) if w.input_bits is None else w
            for w in works]
