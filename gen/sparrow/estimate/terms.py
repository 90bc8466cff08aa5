"""Energy of one inference split by what spends it, so estimates and measurements line up.

Every estimator in :mod:`sparrow.estimate` returns :class:`EnergyTerms` per layer; a measured
figure (gate-level power split by block) can be mapped onto the same five terms.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

TERM_NAMES = ("compute", "weight_reads", "movement", "neuron_state", "fixed")
"""The terms, in report order.

* ``compute``: arithmetic: accumulates, multiply-accumulates, compares, subtracts.
* ``weight_reads``: reading weights from the weight memory.
* ``movement``: moving activations or spikes (buffers, network-on-chip hops, H-trees).
* ``neuron_state``: keeping neuron state (membrane potentials) and the neuron modules.
* ``fixed``: energy that does not depend on the data: leakage and ungated clocking over the
  inference window.
"""

TERM_LABELS = {
    "compute": "compute",
    "weight_reads": "weight reads",
    "movement": "activation/spike movement",
    "neuron_state": "neuron state",
    "fixed": "leakage/clock",
}


@dataclass(frozen=True)
class EnergyTerms:
    """Energy per inference in joules (J), by term (see :data:`TERM_NAMES`)."""

    compute: float = 0.0
    weight_reads: float = 0.0
    movement: float = 0.0
    neuron_state: float = 0.0
    fixed: float = 0.0

    @property
    def total(self) -> float:
        """Sum of the terms (J per inference)."""
        return sum(getattr(self, name) for name in TERM_NAMES)

    def __add__(self, other: EnergyTerms) -> EnergyTerms:
        return EnergyTerms(**{f.name: getattr(self, f.name) + getattr(other, f.name)
                              for f in fields(self)})

    def scaled(self, factor: float) -> EnergyTerms:
        """Every term times ``factor`` (e.g. pJ -> J with 1e-12)."""
        return EnergyTerms(**{f.name: getattr(self, f.name) * factor for f in fields(self)})

    def to_dict(self) -> dict[str, float]:
        """The terms and ``total``, in J per inference."""
        out = {name: getattr(self, name) for name in TERM_NAMES}
        out["total"] = self.total
        return out


def sum_terms(parts) -> EnergyTerms:
    """The sum of an iterable of :class:`EnergyTerms` (zero for none)."""
    total = EnergyTerms()
    for part in parts:
        total = total + part
    return total


PJ = 1e-12
"""Joules per picojoule: the analytical constants are in pJ, the results in J."""
