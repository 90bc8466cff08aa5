"""The usual SNN energy estimate: operations times a per-operation energy, nothing else.

SNN: FLOPs x T x (1 - sparsity) x E_AC, i.e. one accumulate per spike delivered to a synapse;
ANN/QNN: FLOPs x E_MAC. This is the estimate Bhattacharjee et al. (arXiv 2309.03388) show to
overstate SNN gains: it ignores memory, data movement, the neuron module and repeated work.
"""

from __future__ import annotations

from dataclasses import dataclass

from .terms import PJ, EnergyTerms
from .workload import LayerWork


@dataclass(frozen=True)
class NaiveConstants:
    """Per-operation energies (pJ) of the naive estimate."""

    e_ac: float = 0.9
    e_mac: float = 4.6
    source: str = ("45 nm, 32-bit float add 0.9 pJ and multiply 3.7 pJ (Horowitz, ISSCC "
                   "2014), as the SNN literature applies them")


NAIVE_45NM = NaiveConstants()


def naive_snn_energy(work: LayerWork, c: NaiveConstants = NAIVE_45NM) -> EnergyTerms:
    """One accumulate per spike delivery (J); a layer reading raw samples (the ANN layer of
    a hybrid network) does one MAC per synapse instead."""
    if work.input_bits is not None:
        return naive_ann_energy(work, c)
    return EnergyTerms(compute=work.spike_deliveries * c.e_ac * PJ)


def naive_ann_energy(work: LayerWork, c: NaiveConstants = NAIVE_45NM) -> EnergyTerms:
    """One MAC per synapse (J)."""
    return EnergyTerms(compute=work.synapses * c.e_mac * PJ)
