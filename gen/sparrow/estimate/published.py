"""Published figures the estimators are checked against, with where they come from."""

from __future__ import annotations

from dataclasses import dataclass

PAPER_2409 = "Yan, Bai, Wong, arXiv 2409.08290 (v2-v4)"


@dataclass(frozen=True)
class BreakEvenPoint:
    """A published break-even spike rate of the SNN vs its QNN twin.

    ``movement_scale`` / ``weight_scale``: the factor applied to the data-movement or
    weight-memory energy in the paper's +-50 % sensitivity sweeps (1 = nominal).
    """

    timesteps: int
    weight_bits: int
    fan_in: int
    spike_rate: float
    label: str
    movement_scale: float = 1.0
    weight_scale: float = 1.0


BREAK_EVEN_POINTS = (
    BreakEvenPoint(5, 4, 4096, 0.057, "T=5, 4-bit weights, fan-in 4096 (headline)"),
    BreakEvenPoint(1, 8, 4096, 0.297, "T=1, 8-bit weights"),
    BreakEvenPoint(3, 8, 4096, 0.082, "T=3, 8-bit weights"),
    BreakEvenPoint(2, 4, 4096, 0.104, "T=2, 4-bit weights"),
    BreakEvenPoint(2, 8, 4096, 0.123, "T=2, 8-bit weights"),
    BreakEvenPoint(5, 4, 64, 0.054, "T=5, fan-in 64"),
    BreakEvenPoint(5, 4, 4096, 0.0341, "T=5, data movement +50 %", movement_scale=1.5),
    BreakEvenPoint(5, 4, 4096, 0.1080, "T=5, data movement -50 %", movement_scale=0.5),
    BreakEvenPoint(5, 4, 4096, 0.0539, "T=5, weight energy -50 %", weight_scale=0.5),
    BreakEvenPoint(5, 4, 4096, 0.0608, "T=5, weight energy +50 %", weight_scale=1.5),
)
"""The paper's published break-even points (its text; ranges of the sweeps read as the
values at 0.5x and 1.5x: moving data dearer lowers the break-even, dearer weights raise it)."""

MOVEMENT_CONSTANTS = ("e_sparse_hop", "e_state_synapse")
"""Constants the data-movement sweep scales (see :mod:`sparrow.estimate.analytical`)."""

WEIGHT_CONSTANTS = ("e_weight_bit",)
"""Constants the weight-energy sweep scales."""

NAIVE_GAIN_RANGE_2309 = (10.0, 83.0)
REALISTIC_GAIN_RANGE_2309 = (1.3, 25.0)
"""Bhattacharjee, Yin, Moitra, Panda, arXiv 2309.03388: SNN energy gains over ANNs as
claimed by the FLOPs x T x (1 - sparsity) estimate, and as found on SATA and SpikeSim."""
