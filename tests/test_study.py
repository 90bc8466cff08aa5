"""The measured side of the energy study on constructed sweeps: the break-even interpolation
against its closed form, the block-to-term sums, the calibration recovering a model whose
constants are known, and one clear message for a folder that is not a sweep. (A real sweep is
studied end to end in tests/test_sweep.py.)"""

from __future__ import annotations

import math
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from sparrow.estimate.cycles import twin_cycles
from sparrow.estimate.params import PAPER_22NM, load_params
from sparrow.estimate.terms import TERM_NAMES, EnergyTerms
from sparrow.estimate.workload import model_work
from sparrow.flow import FlowOptions
from sparrow.model import load_model, run
from sparrow.study.measured import (FITTED, MeasuredPoint, PointComparison, StudyError, Sweep,
                                    calibrate, estimate_point, measured_break_even,
                                    measured_terms, params_file)
from sparrow.study.report import term_errors
from sparrow.study.sweep import SweepPoint, SweepSpec, point_model

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "examples" / "tiny" / "tiny.toml"


def _point(variant, t, scale, rate, energy, works=()):
    return MeasuredPoint(SweepPoint(variant, t, scale), rate, energy,
                         EnergyTerms(fixed=energy), 100, True, tuple(works), {})


def _sweep(points, variants=("if", "qnn")):
    spec = SweepSpec(TINY, tuple(sorted({p.point.timesteps for p in points})),
                     tuple(sorted({p.point.scale for p in points})), variants,
                     FlowOptions(lanes=2))
    return Sweep(Path("."), spec, tuple(points), (), "constructed")


def test_break_even_interpolates_log_ratio_between_the_bracketing_rates():
    # if/qnn ratios 0.5 at 2 %, 2.0 at 10 %, 4.0 at 30 %: log ratio crosses 0 half-way.
    pts = [_point("if", 5, 4.0, 0.02, 0.5), _point("if", 5, 2.0, 0.10, 2.0),
           _point("if", 5, 1.0, 0.30, 4.0)] + \
          [_point("qnn", 5, s, r, 1.0) for s, r in ((4.0, 0.02), (2.0, 0.10), (1.0, 0.30))]
    b = measured_break_even(_sweep(pts), "if", 5)
    assert b.verdict == "crossing" and (b.low, b.high) == (0.02, 0.10)
    assert b.rate == pytest.approx(0.06, abs=1e-12)
    assert [q for _, q in b.ratios] == [0.5, 2.0, 4.0]


@pytest.mark.parametrize("energies, verdict, span", [
    ((0.5, 0.9), "cheaper throughout", (0.05, 0.2)),
    ((1.5, 3.0), "dearer throughout", (0.05, 0.2)),
])
def test_break_even_without_a_crossing_says_which_way(energies, verdict, span):
    pts = [_point("if", 3, 2.0, 0.05, energies[0]), _point("if", 3, 1.0, 0.2, energies[1]),
           _point("qnn", 3, 2.0, 0.05, 1.0), _point("qnn", 3, 1.0, 0.2, 1.0)]
    b = measured_break_even(_sweep(pts), "if", 3)
    assert b.rate is None and b.verdict == verdict and (b.low, b.high) == span
    assert measured_break_even(_sweep(pts), "if", 7) is None       # no point at that T


def test_block_energies_sum_into_terms_and_unknown_blocks_are_refused():
    metrics = {"inference__energy__block:lanes": 3.0, "inference__energy__block:neurons": 1.0,
               "inference__energy__block:weight buffer": 2.0,
               "inference__energy__block:membranes": 4.0,
               "inference__energy__block:clock tree": 5.0, "inference__energy": 15.0}
    terms = measured_terms(metrics, "m.json")
    assert terms.to_dict() == {"compute": 4.0, "weight_reads": 2.0, "movement": 0.0,
                               "neuron_state": 4.0, "fixed": 5.0, "total": 15.0}
    with pytest.raises(StudyError, match="m.json: block 'dma' has no term"):
        measured_terms({"inference__energy__block:dma": 1.0}, "m.json")


def test_calibration_recovers_a_model_with_known_constants():
    """Points whose 'measured' terms the analytical model produced with known constants (an
    event-driven if twin, as Sparrow's is: sparse movement cheaper than dense): the fit
    reproduces every point, including points at a T it did not see. The per-cycle term
    counts each twin's cycles (the schedule of a 4-lane core) and the per-step membrane term
    grows with T: the other terms cannot stand in for either."""
    base = load_model(TINY)
    x = np.random.default_rng(1).integers(-128, 128, size=(4, 1, 16))
    truth = replace(PAPER_22NM, k_hop=1.0, qnn_sparsity=0.0,
                    **dict(zip(FITTED, (3.0, 0.4, 8.0, 20.0, 0.3, 9.0, 25.0, 300.0, 40.0,
                                        9000.0, 60.0))))
    points = []
    for variant in ("ssf", "qnn", "if"):
        for t in (3, 5, 10):
            for scale in (0.5, 1.0, 4.0):
                model = point_model(base, SweepPoint(variant, t, scale))
                golden = run(model, x)
                works = tuple(model_work(model, golden))
                cycles = twin_cycles(model, x, golden, lanes=4)
                p = MeasuredPoint(SweepPoint(variant, t, scale),
                                  float(np.mean(golden.spike_rate)), 0.0, EnergyTerms(), 0,
                                  True, works, cycles)
                terms = estimate_point(p, truth)
                points.append(replace(p, energy=terms.total, terms=terms))
    fit = calibrate([p for p in points if p.point.timesteps != 10], name="synthetic",
                    source="constructed")
    for p in points:
        est = estimate_point(p, fit)
        assert est.total == pytest.approx(p.energy, rel=1e-4), p.point.name
        for t in TERM_NAMES:
            assert getattr(est, t) == pytest.approx(getattr(p.terms, t), rel=1e-3,
                                                    abs=1e-6 * p.energy)


def test_term_account_adds_up_to_each_variants_error_and_names_the_missing_term():
    """Measured points whose leakage/clock is 30 % above a model that gets the other terms
    right: the per-term account puts the whole error (+/- closed form) on that term."""
    measured = EnergyTerms(compute=2.0, weight_reads=1.0, fixed=1.0)
    model = replace(measured, fixed=1.3)
    rows = [PointComparison(replace(_point(v, 5, s, 0.1, measured.total), terms=measured),
                            model, model, True) for v in ("if", "qnn") for s in (1.0, 2.0)]
    account = {(e["variant"], e["term"]): e for e in term_errors(rows)}
    for v in ("if", "qnn"):
        parts = [account[(v, t)]["share_of_total"] for t in TERM_NAMES]
        assert sum(parts) == pytest.approx(rows[0].error)
        assert account[(v, "fixed")]["share_of_total"] == pytest.approx(0.3 / 4.0)
        assert account[(v, "fixed")]["measured_j"] == pytest.approx(2.0)
        assert all(account[(v, t)]["share_of_total"] == 0 for t in TERM_NAMES if t != "fixed")


def test_calibrated_constants_round_trip_through_a_parameters_file(tmp_path):
    params = replace(PAPER_22NM, name="osu018-calibrated", e_acc=4.5,
                     sources={k: "fitted" for k in FITTED})
    path = tmp_path / "calibrated-params.json"
    path.write_text(params_file(params))
    back = load_params(path)
    assert back == params and back.sources["e_acc"] == "fitted"
    assert math.isclose(back.e_weight_bit, PAPER_22NM.e_weight_bit)


def test_a_folder_that_is_not_a_sweep_gets_one_message(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "sparrow", "study", str(tmp_path)],
                          capture_output=True, text=True)
    assert proc.returncode == 1, proc.stdout
    assert f"{tmp_path / 'sweep.json'}: missing" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "study").exists()
