"""The analytical SNN/QNN model against the published break-even points of arXiv 2409.08290,
and its energies against hand evaluations of its own formulas."""

from __future__ import annotations

import math

import pytest

from sparrow.estimate.analytical import (break_even_spike_rate, count_bits, generic_energies,
                                         qnn_energy, snn_energy)
from sparrow.estimate.params import PAPER_22NM
from sparrow.estimate.published import (BREAK_EVEN_POINTS, MOVEMENT_CONSTANTS,
                                        WEIGHT_CONSTANTS)
from sparrow.estimate.workload import square_layer

TOLERANCE = 0.005       # the brief: within +-0.005 (absolute spike rate) of each point


def _params_for(point):
    p = PAPER_22NM
    if point.movement_scale != 1:
        p = p.with_scaled(**{k: point.movement_scale for k in MOVEMENT_CONSTANTS})
    if point.weight_scale != 1:
        p = p.with_scaled(**{k: point.weight_scale for k in WEIGHT_CONSTANTS})
    return p


@pytest.mark.parametrize("point", BREAK_EVEN_POINTS, ids=lambda pt: pt.label)
def test_published_break_even_point(point):
    """Each published break-even spike rate (the paper's text) within +-0.005."""
    s = break_even_spike_rate(point.timesteps, point.weight_bits, point.fan_in,
                              _params_for(point))
    assert s == pytest.approx(point.spike_rate, abs=TOLERANCE), point.label


def test_break_even_is_where_energies_cross():
    """At the returned rate the two energies agree; just below it the SNN is cheaper."""
    s = break_even_spike_rate(5, 4, 4096, PAPER_22NM)
    snn, qnn = generic_energies(s, 5, 4, 4096, PAPER_22NM)
    assert snn.total == pytest.approx(qnn.total, rel=1e-9)
    snn_lo, qnn_lo = generic_energies(0.9 * s, 5, 4, 4096, PAPER_22NM)
    assert snn_lo.total < qnn_lo.total


def test_break_even_bounds():
    """An SNN cheaper even when every neuron fires every step gives 1.0 (here: a QNN MAC
    1000x dearer); one dearer even without spikes gives 0.0 (neuron-state upkeep 1e4x)."""
    dear_mac = PAPER_22NM.with_scaled(mac_scale=1000)
    assert break_even_spike_rate(5, 4, 64, dear_mac) == 1.0
    snn, qnn = generic_energies(1.0, 5, 4, 64, dear_mac)
    assert snn.total < qnn.total
    dear_state = PAPER_22NM.with_scaled(e_state_synapse=1e4)
    assert break_even_spike_rate(5, 4, 64, dear_state) == 0.0
    snn, qnn = generic_energies(0.0, 5, 4, 64, dear_state)
    assert snn.total > qnn.total


@pytest.mark.parametrize("t,bits", [(1, 1), (2, 2), (3, 2), (4, 3), (7, 3), (8, 4), (15, 4),
                                    (255, 8)])
def test_count_bits(t, bits):
    assert count_bits(t) == bits == math.ceil(math.log2(t + 1))


def test_layer_energies_by_hand():
    """One layer at s_r = 0.05, T = 5, 4-bit weights, fan-in 100, 10 neurons: every term
    evaluated by hand from the constants (pJ), then compared in J."""
    p = PAPER_22NM
    s, t, w, f, n = 0.05, 5, 4, 100, 10
    work = square_layer(f, s, t, w, nonzero_fraction=0.5, neurons=n)
    d = s * t * n * f                       # 250 spike deliveries
    snn = snn_energy(work, t, p)
    assert snn.compute == pytest.approx((p.e_acc * d + p.e_cmp * t * n + p.e_sub * s * t * n)
                                        * 1e-12)
    assert snn.weight_reads == pytest.approx(p.e_weight_bit * w * d * 1e-12)
    assert snn.movement == pytest.approx(p.e_sparse_hop * p.k_hop * d * 1e-12)
    assert snn.neuron_state == pytest.approx(p.e_state_synapse * n * f * 1e-12)
    qnn = qnn_energy(work, 3, 0.5, p)
    mac = p.e_acc * (1 + p.mac_scale * 3 * 4 / 64)
    assert qnn.compute == pytest.approx((0.5 * n * f * mac + 3 * p.e_cmp * n) * 1e-12)
    assert qnn.weight_reads == pytest.approx(0.5 * n * f * p.e_weight_bit * w * 1e-12)
    assert qnn.movement == pytest.approx(p.e_dense_hop * p.k_hop * 3 * n * f * 1e-12)
    assert qnn.neuron_state == 0


def test_dense_dataflow_taken_at_high_rates():
    """At s_r = 1 the spike bit-maps (0.25 pJ/bit) beat one 3 pJ event per spike: the SNN's
    movement is then the dense T x synapses bits, not the spike events."""
    p = PAPER_22NM
    work = square_layer(64, 1.0, 5, 4, nonzero_fraction=1.0, neurons=4)
    snn = snn_energy(work, 5, p)
    assert snn.movement == pytest.approx(p.e_dense_hop * p.k_hop * 5 * 4 * 64 * 1e-12)
    low = snn_energy(square_layer(64, 0.01, 5, 4, nonzero_fraction=1.0, neurons=4), 5, p)
    assert low.movement == pytest.approx(p.e_sparse_hop * p.k_hop * 0.01 * 5 * 4 * 64 * 1e-12)
