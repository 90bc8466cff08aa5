"""Estimates of Sparrow models: per-layer work against brute-force counts, the twins'
relations, the gain and measured-vs-estimated tables, battery life by closed form."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sparrow.estimate.battery import (SMARTWATCH, BatteryError, battery_energy_j,
                                      case_lifetime_hours, lifetime_hours)
from sparrow.estimate.compare import (MeasuredError, gain_table, measured_gains,
                                      measured_vs_estimated)
from sparrow.estimate.model_estimate import estimate_model, model_break_even, twin_energy_at_rate
from sparrow.estimate.params import PAPER_22NM
from sparrow.estimate.twins import TimestepsError, estimate_twin
from sparrow.estimate.workload import model_work
from sparrow.model import load_model, run
from sparrow.model.inputs import random_inputs

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="module")
def tiny():
    model = load_model(EXAMPLES / "tiny" / "tiny.toml")
    x = random_inputs(model, 6, seed=3)
    return model, x, run(model, x)


def _brute_deliveries(layer, counts: np.ndarray) -> float:
    """Sum over inputs of count x (output channels x output positions that read it), by
    walking every output position's window (conv1d) or every input (dense)."""
    total = 0.0
    for c in counts:                     # one inference (C, L)
        if layer.kind == "dense":
            total += c.sum() * layer.out_channels
            continue
        for q in range(layer.out_length):
            for j in range(layer.kernel):
                pos = q * layer.stride + j - layer.padding
                if 0 <= pos < layer.in_length:
                    total += c[:, pos].sum() * layer.out_channels
    return total / len(counts)


def test_layer_work_matches_brute_force(tiny):
    model, x, result = tiny
    works = {w.name: w for w in model_work(model, result)}
    weighted = [i for i, layer in enumerate(model.layers) if layer.has_weights]
    assert list(works) == [model.layers[i].name for i in weighted]
    first = works[model.layers[0].name]
    assert first.input_bits == model.input.bits and first.spike_deliveries == 0
    for i in weighted[1:]:
        layer = model.layers[i]
        w = works[layer.name]
        assert w.input_bits is None
        assert w.spike_deliveries == pytest.approx(
            _brute_deliveries(layer, result.activations[i - 1]))
        assert w.synapses == layer.macs and w.weights == layer.n_weights
        assert w.nonzero_synapses == pytest.approx(np.mean(result.layers[i].synops))


def test_twin_relations(tiny):
    """SSF skips zero counts, so it never costs more than the dense QNN twin; the naive
    estimate cannot tell SSF from IF; SpikeSim's crossbars ignore sparsity (ssf = qnn)."""
    model, x, result = tiny
    e = estimate_model(model, x, PAPER_22NM)
    tot = {k: v.total.total for k, v in e.estimates.items()}
    assert tot[("ssf", "analytical")] <= tot[("qnn", "analytical")]
    assert tot[("ssf", "naive")] == tot[("if", "naive")]
    assert tot[("ssf", "spikesim")] == pytest.approx(tot[("qnn", "spikesim")])
    assert e.spike_rate == pytest.approx(float(np.mean(result.spike_rate)))
    for est in e.estimates.values():
        assert est.total.total == pytest.approx(sum(t.total for _, t in est.layers))


def test_if_twin_grows_with_timesteps_ssf_weight_reads_do_not(tiny):
    """At the same spike rate, the IF twin's weight reads grow with T; SSF reads each weight
    once per use whatever T is (DESIGN.md section 1)."""
    model, x, _ = tiny
    lo = estimate_model(model, x, PAPER_22NM, timesteps=4)
    hi = estimate_model(model, x, PAPER_22NM, timesteps=16)
    assert hi.get("if", "analytical").total.weight_reads > \
        3 * lo.get("if", "analytical").total.weight_reads
    assert hi.get("ssf", "analytical").total.weight_reads == pytest.approx(
        lo.get("ssf", "analytical").total.weight_reads)


def test_model_break_even_is_the_named_twins_crossing_with_qnn(tiny):
    """The if twin's break-even is where its energy meets the qnn twin's; the ssf twin's is
    none below 100 %: with every count non-zero it does the qnn twin's dense work, and less
    at any lower rate."""
    model, _, result = tiny
    works = [w for w in model_work(model, result) if w.input_bits is None]
    rate, t = float(np.mean(result.spike_rate)), model.timesteps
    qnn = estimate_twin(works, "qnn", "analytical", t, PAPER_22NM).total.total
    s_if = model_break_even(works, t, rate, PAPER_22NM, twin="if")
    assert 0 < s_if < 1
    assert twin_energy_at_rate(works, "if", "analytical", t, PAPER_22NM, s_if / rate) == \
        pytest.approx(qnn, rel=1e-9)
    assert model_break_even(works, t, rate, PAPER_22NM, twin="ssf") == 1.0
    assert twin_energy_at_rate(works, "ssf", "analytical", t, PAPER_22NM, 1 / rate) == \
        pytest.approx(qnn, rel=1e-9)
    assert twin_energy_at_rate(works, "ssf", "analytical", t, PAPER_22NM, 0.5 / rate) < qnn


def test_timesteps_outside_limit(tiny):
    model, x, result = tiny
    works = model_work(model, result)
    for t in (0, 256, 2.5):
        with pytest.raises(TimestepsError, match="outside the twins' limit"):
            estimate_twin(works, "qnn", "analytical", t, PAPER_22NM)


def test_gain_and_measured_tables(tiny):
    model, x, _ = tiny
    e = estimate_model(model, x, PAPER_22NM)
    rows = gain_table(e.estimates)
    qnn_naive = e.get("qnn", "naive").total.total
    assert rows[0]["twin"] == "if"
    assert rows[0]["naive"] == pytest.approx(qnn_naive / e.get("if", "naive").total.total)
    measured = {"ssf": {"compute": 2e-9, "movement": 6e-9}, "qnn": 1e-8}
    table = measured_vs_estimated(e.estimates, measured)
    assert len(table) == 2 * 4
    row = next(r for r in table if r["twin"] == "ssf" and r["estimator"] == "analytical")
    assert row["measured_j"] == pytest.approx(8e-9)
    assert row["ratio"] == pytest.approx(e.get("ssf", "analytical").total.total / 8e-9)
    assert row["terms"]["movement"]["measured_j"] == 6e-9
    assert measured_gains(measured) == {"ssf": pytest.approx(1e-8 / 8e-9)}


@pytest.mark.parametrize("measured, message", [
    ({"lif": 1e-9}, "unknown twin"),
    ({"ssf": -1.0}, "non-negative"),
    ({"ssf": {"leakage": 1e-9}}, "unknown term"),
    ({}, "expected a dict"),
])
def test_measured_errors(tiny, measured, message):
    model, x, _ = tiny
    e = estimate_model(model, x, PAPER_22NM)
    with pytest.raises(MeasuredError, match=message):
        measured_vs_estimated(e.estimates, measured)


def test_battery_life_closed_form():
    """300 mAh at 3.8 V = 4104 J; at 1 mW rest of system plus 10 inferences/s of 1 µJ
    (10 µW) it lasts 4104 / 1.01e-3 s = 1128.7 h."""
    assert battery_energy_j(300, 3.8) == pytest.approx(4104.0)
    assert lifetime_hours(300, 3.8, 1e-3, 10, 1e-6) == pytest.approx(4104 / 1.01e-3 / 3600)
    # The smartwatch case's rest-of-system power drains it in 7 days with no classifier.
    assert case_lifetime_hours(SMARTWATCH, 0.0) == pytest.approx(7 * 24)


@pytest.mark.parametrize("args, message", [
    ((0, 3.8, 1e-3, 1, 1e-9), "capacity_mah"),
    ((300, -1, 1e-3, 1, 1e-9), "voltage_v"),
    ((300, 3.8, 1e-3, 1, float("nan")), "energy_per_inference_j"),
    ((300, 3.8, 0, 0, 0), "unbounded"),
])
def test_battery_errors(args, message):
    with pytest.raises(BatteryError, match=message):
        lifetime_hours(*args)
