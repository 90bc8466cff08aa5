"""The checked-in ECG model on its generated core (lanes = 8), on real MIT-BIH beats of the
intra-patient test split, under cocotb + Verilator, against the bit-exact golden model.

The testbench's scoreboard checks every inference value by value (class, the five scores and
the four hardware counters); these tests check again from the observed values. The default
suite runs a small deterministic sample (every AAMI class, plus the beats nearest a decision
boundary); the ``slow`` test runs the whole split and compares the hardware's accuracy with
the golden model's in ``examples/ecg/metrics.json``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sparrow.ecg import data
from sparrow.ecg.metrics import class_report
from sparrow.hw.generate import generate
from sparrow.hw.schedule import inference_counters
from sparrow.model import load_model, run
from sparrow.sim.runner import run_core_sim

REPO = Path(__file__).resolve().parents[1]
MITDB = REPO / ".." / "shared" / "data" / "mitdb"
ECG = REPO / "examples" / "ecg"
LANES = 8
PER_CLASS = 4          # CI sample: 4 beats of each of the 5 classes ...
NEAR_BOUNDARY = 4      # ... and the 4 beats whose top two golden scores are closest: 24 beats
CHUNK = 2000           # whole-split run: beats per simulator run (bounds the expected-value file)
# The whole split is ~22 000 inferences of ~6 400 cycles: the C++ model compiled with -O2
# simulates them about 7x faster than the repository's -O0 default (which suits short runs).
FULL_SPLIT_BUILD_ARGS = ("-CFLAGS", "-O2")
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword")


@pytest.fixture(scope="module")
def intra(tmp_path_factory):
    """(x, y) of the intra-patient test split (beat cache in a temporary folder)."""
    return data.intra_test_beats(MITDB, cache_dir=tmp_path_factory.mktemp("ecg-cache"))


@pytest.fixture(scope="module")
def model():
    return load_model(ECG / "ecg.toml")


@pytest.fixture(scope="module")
def design(model, tmp_path_factory):
    return generate(model, tmp_path_factory.mktemp("ecg-core"), lanes=LANES)


def ci_sample(y: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Sorted indices: ``PER_CLASS`` beats of every class present, evenly spaced over that
    class's beats in split order, plus the ``NEAR_BOUNDARY`` other beats with the smallest
    margin between the golden model's two highest scores (ties broken by index)."""
    picks = []
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        picks += idx[np.linspace(0, len(idx) - 1, min(PER_CLASS, len(idx))).astype(int)].tolist()
    top2 = np.sort(scores, axis=1)[:, -2:]
    by_margin = np.argsort(top2[:, 1] - top2[:, 0], kind="stable")
    picks += [int(i) for i in by_margin if i not in picks][:NEAR_BOUNDARY]
    return np.array(sorted(picks), dtype=np.int64)


def assert_bit_exact(result, golden, plan, x, first: int = 0) -> None:
    """Every observed inference equals the golden model's: class, scores, and the counters the
    schedule predicts from its activations."""
    assert result.passed, "\n".join(result.diagnosis + result.errors[:10] + result.tests_failed)
    assert len(result.observed) == len(golden.predictions)
    assert result.predictions == golden.predictions.tolist()
    counters = inference_counters(plan, x, golden.activations).as_dict()
    for i, seen in enumerate(result.observed):
        assert seen["scores"] == golden.scores[i].tolist(), f"beat {first + i}"
        assert seen["perf"] == {k: int(v[i]) for k, v in counters.items()}, f"beat {first + i}"


def test_ci_sample_of_the_intra_split_is_bit_exact_on_verilator(intra, model, design, tmp_path):
    """24 real beats (all five classes, four near a decision boundary) through the core."""
    x, y = intra
    index = ci_sample(y, run(model, x).scores)
    assert set(np.unique(y).tolist()) == {0, 1, 2, 3, 4}      # N, S, V, F, Q all present
    assert len(index) == 5 * PER_CLASS + NEAR_BOUNDARY
    assert set(y[index].tolist()) == {0, 1, 2, 3, 4}
    golden = run(model, x[index], lanes=LANES)
    result = run_core_sim(design, x[index], simulator="verilator", work_dir=tmp_path)
    assert_bit_exact(result, golden, design.plan, x[index])


@pytest.mark.slow
def test_whole_intra_split_is_bit_exact_on_verilator(intra, model, design, tmp_path):
    """Every beat of the intra-patient test split through the core, 0 mismatches; the
    hardware's accuracy and confusion matrix are the golden model's in metrics.json."""
    x, y = intra
    predictions = []
    for start in range(0, len(x), CHUNK):
        chunk = x[start:start + CHUNK]
        golden = run(model, chunk, lanes=LANES)
        # One work folder for all chunks: the Verilator build is reused.
        result = run_core_sim(design, chunk, simulator="verilator", work_dir=tmp_path,
                             build_args=FULL_SPLIT_BUILD_ARGS)
        assert_bit_exact(result, golden, design.plan, chunk, first=start)
        predictions += result.predictions
    assert len(predictions) == len(y)
    hardware = class_report(y, np.array(predictions)).to_dict()
    metrics = json.loads((ECG / "metrics.json").read_text())["models"]["ecg"]["annotated"]
    assert hardware["beats"] == metrics["beats"] == len(y)
    assert hardware["accuracy"] == metrics["accuracy"]
    assert (hardware["confusion_matrix_rows_true_cols_predicted"]
            == metrics["confusion_matrix_rows_true_cols_predicted"])
