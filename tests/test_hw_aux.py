"""The generated SSF core with an aux input, against the golden model: Amaranth's simulator,
the emitted Verilog on Icarus and Verilator (random aux shapes, baked and loadable, stalls on
both input streams, reset mid-inference), and the ECG RR model (``ecg_rr_ds1``) on Verilator
with real MIT-BIH DS2 beats and their RR and template features.

Every result is compared with an independent run of the golden model (``sparrow.model.run``
with ``aux``) and the counters the schedule predicts from its activations; zero aux values are
among the inputs (they issue like any other value, and synops leave them out).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hw_shapes import (AUX_SHAPES, build_shape, golden_answers, random_aux, random_inputs,
                       rtl_matches_golden, simulate_plan)
from test_hw_core import counted_by_hand
from sparrow.ecg import data
from sparrow.ecg.evaluate import beat_aux
from sparrow.hw import plan_core
from sparrow.hw.generate import generate
from sparrow.model import load_model
from sparrow.sim.runner import run_core_sim

REPO = Path(__file__).resolve().parents[1]
MITDB = REPO / ".." / "shared" / "data" / "mitdb"
PERF = ("cycles", "weight_reads", "activation_reads", "activation_writes", "synops")
# DS2 records for the CI sample: between them every class but Q (rare in DS2) has beats.
CI_RECORDS = ("213", "232", "233")
PER_CLASS = 3
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword")


# Amaranth's simulator takes ~10 s per shape and mode: one case by default, the rest slow.
AMARANTH_CASES = [pytest.param(name, mode, id=f"{name}-{mode}",
                               marks=[] if (name, mode) == ("aux_hidden_divide", "loadable")
                               else [pytest.mark.slow])
                  for name in AUX_SHAPES for mode in ("baked", "loadable")]


@pytest.mark.parametrize("name, mode", AMARANTH_CASES)
def test_aux_core_in_amaranth_simulation(name, mode):
    """Class, scores and counters equal the golden model's and the schedule's, and the
    counters equal a walk of the schedule by hand (``test_hw_core.counted_by_hand``)."""
    model, lanes = build_shape(name)
    plan = plan_core(model, lanes=lanes, mode=mode)
    x, aux = random_inputs(model, 3), random_aux(model, 3)
    out = simulate_plan(plan, x, aux)
    assert out == golden_answers(plan, x, aux)
    for i, (_, _, perf) in enumerate(out):
        assert perf == counted_by_hand(model, x[i], lanes, True, aux[i]), i


# The default suite runs each shape once on Icarus (modes alternating); Verilator runs the
# ECG test below by default (a baked core) and every shape in both modes with -m slow.
RTL_DEFAULT = {("aux_hidden_divide", "loadable", "icarus"),
               ("aux_output_signed", "baked", "icarus"),
               ("aux_first_layer", "loadable", "icarus")}
RTL_CASES = [pytest.param(name, mode, sim, id=f"{name}-{mode}-{sim}",
                          marks=[] if (name, mode, sim) in RTL_DEFAULT else [pytest.mark.slow])
             for name in AUX_SHAPES for mode in ("baked", "loadable")
             for sim in ("icarus", "verilator")]


@pytest.mark.parametrize("name, mode, simulator", RTL_CASES)
def test_aux_core_rtl_is_bit_exact(name, mode, simulator, tmp_path):
    model, lanes = build_shape(name)
    design = generate(model, tmp_path / "design", lanes=lanes, mode=mode)
    x, aux = random_inputs(model, 4, seed=2), random_aux(model, 4, seed=2)
    rtl_matches_golden(design, x, aux, simulator=simulator, work_dir=tmp_path / "sim")


def ci_beats(beats: data.BeatSet) -> np.ndarray:
    """``PER_CLASS`` beats of every class present, evenly spaced over the class's beats."""
    picks = []
    for c in np.unique(beats.y):
        idx = np.flatnonzero(beats.y == c)
        picks += idx[np.linspace(0, len(idx) - 1, min(PER_CLASS, len(idx))).astype(int)].tolist()
    return np.array(sorted(picks))


def test_ecg_rr_model_on_verilator_with_ds2_beats(tmp_path):
    """The inter-patient RR model (11 aux features at fc1) on real DS2 beats of three records:
    classes, scores and counters equal the golden model's, aux values included."""
    model = load_model(REPO / "examples" / "ecg" / "ecg_rr_ds1.toml")
    _, test = data.load_split("inter", MITDB, cache_dir=tmp_path / "cache",
                              records=CI_RECORDS)
    beats = test.take(ci_beats(test))
    assert len(np.unique(beats.y)) >= 3
    x, aux = beats.x.astype(np.int64), beat_aux(model, beats)
    design = generate(model, tmp_path / "design", lanes=8)
    assert design.plan.layers[[l.name for l in design.plan.layers].index("fc1")].aux_words == 11
    result = run_core_sim(design, x, aux=aux, simulator="verilator", work_dir=tmp_path / "sim")
    assert result.passed, "\n".join(result.diagnosis + result.errors[:10] + result.tests_failed)
    assert [(o["cls"], o["scores"], o["perf"]) for o in result.observed] == \
        golden_answers(design.plan, x, aux)
