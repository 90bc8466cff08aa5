"""The checked-in ECG reference model on real beats through the golden model, the metrics
(closed-form cases), the T sweep outputs, and the checked-in metrics being current."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sparrow.ecg import data
from sparrow.ecg.evaluate import evaluate_beats, sweep_rows, write_sweep
from sparrow.ecg.metrics import class_report
from sparrow.errors import SparrowError
from sparrow.model import load_model, run

REPO = Path(__file__).resolve().parents[1]
MITDB = REPO / ".." / "shared" / "data" / "mitdb"
ECG = REPO / "examples" / "ecg"
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword")


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("ecg-cache")


@pytest.fixture(scope="module")
def intra_test(cache):
    """The test beats of the reference model's split (all 48 records)."""
    return data.load_split("intra48", MITDB, cache_dir=cache)[1]


@pytest.fixture(scope="module")
def reference():
    return load_model(ECG / "ecg.toml")


def test_class_report_closed_form():
    labels = np.array([0, 0, 0, 0, 1, 1, 2, 3, 4, 4])
    preds = np.array([0, 0, 0, 1, 1, 0, 2, 2, 4, 4])
    r = class_report(labels, preds)
    assert r.confusion[0].tolist() == [3, 1, 0, 0, 0]
    assert r.confusion[3].tolist() == [0, 0, 1, 0, 0]
    assert r.accuracy == 0.7
    # N: 3 of 4 found, 3 of 4 predicted N are N; S: 1 of 2, 1 of 2; F: none found, none
    # predicted (+P undefined); V: 1 of 1 found, 1 of 2 predicted V are V.
    assert r.se.tolist()[:3] == [0.75, 0.5, 1.0] and r.ppv.tolist()[:3] == [0.75, 0.5, 0.5]
    assert r.se[3] == 0.0 and np.isnan(r.ppv[3])
    # F1 = 2 TP / (2 TP + FP + FN): N 6/8, S 2/4, V 2/3, F 0/1, Q 4/4; macro over the five.
    assert r.f1.tolist() == [0.75, 0.5, 2 / 3, 0.0, 1.0]
    assert r.macro_f1 == pytest.approx((0.75 + 0.5 + 2 / 3 + 0.0 + 1.0) / 5)
    assert r.all_n_accuracy == 0.4           # 4 of the 10 beats are N
    d = r.to_dict()
    assert d["per_class"]["F"] == {"beats": 1, "se": 0.0, "ppv": None, "f1": 0.0}
    assert d["all_n_baseline_accuracy"] == 0.4


def test_reference_model_meets_the_hardware_constraints(reference):
    m = reference
    assert m.name == "ecg"
    assert (m.input.channels, m.input.length, m.input.bits, m.input.signed) == (1, 180, 8, True)
    kinds = [layer.kind for layer in m.layers]
    assert set(kinds) <= {"conv1d", "maxpool1d", "dense"}
    assert 2 <= kinds.count("conv1d") <= 3 and kinds.count("dense") == 2
    assert m.layers[-1].kind == "dense" and m.num_classes == 5
    assert m.n_weights <= 5000
    for layer in m.layers:
        if layer.has_weights:
            assert layer.weight_bits <= 8 and layer.bias_bits <= 16
        if layer.fires:
            assert layer.theta_is_pow2


def test_reference_model_intra_patient_accuracy(reference, intra_test):
    """>= 98.0 % 5-class accuracy on the held-out intra-patient beats (golden model)."""
    result = run(reference, intra_test.x)
    accuracy = float(np.mean(result.predictions == intra_test.y))
    assert accuracy >= 0.98, f"{accuracy:.4%}"


@pytest.mark.parametrize("stem", ["ecg", "ecg_ds1", "ecg_rr", "ecg_rr_ds1"])
def test_checked_in_metrics_are_current(stem, cache):
    """examples/ecg/metrics.json says what the golden model computes now on each model's
    split (annotated beats), and README.md is its rendering."""
    from sparrow.ecg.readme import render_readme
    metrics = json.loads((ECG / "metrics.json").read_text())
    entry = metrics["models"][stem]
    model = load_model(ECG / entry["file"])
    _, test = data.load_split(entry["split"], MITDB, cache_dir=cache)
    if entry["split"] == "inter":
        assert set(np.unique(test.record)) == {int(r) for r in data.DS2}
    if entry["split"] == "intra":
        assert not set(np.unique(test.record)) & {int(r) for r in data.PACED_RECORDS}
    ev = evaluate_beats(model, test, entry["split"]).to_dict()
    for key in ("beats", "accuracy", "all_n_baseline_accuracy", "macro_f1",
                "confusion_matrix_rows_true_cols_predicted", "per_class", "spike_rate_mean",
                "synops_per_inference_mean", "macs_per_inference", "parameters", "timesteps",
                "silent_layers"):
        assert entry["annotated"][key] == ev[key], key
    assert (ECG / "README.md").read_text() == render_readme(metrics)
    assert ev["accuracy"] >= ACCURACY_FLOOR[stem], ev["accuracy"]


# Measured accuracies the checked-in models must keep (the targets of the RR models:
# intra-patient >= 98.5 % on the 44 non-paced records, inter-patient >= 92 % on DS2).
ACCURACY_FLOOR = {"ecg": 0.98, "ecg_ds1": 0.81, "ecg_rr": 0.985, "ecg_rr_ds1": 0.92}


def test_a_layer_that_never_fires_is_named_on_the_page():
    """A layer that fired on no test beat (listed exactly, not read off the rounded rates)
    gets the generated sentence (with the aux models' consequence), and no other does."""
    from sparrow.ecg.readme import render_readme
    metrics = json.loads((ECG / "metrics.json").read_text())
    for m in metrics["models"].values():
        m["annotated"]["silent_layers"] = []
    assert "Silent layer" not in render_readme(metrics)
    metrics["models"]["ecg_rr"]["annotated"]["silent_layers"] = ["conv2"]
    page = render_readme(metrics)
    assert page.count("Silent layer") == 1
    assert ("Silent layer: conv2 did not fire on any annotated test beat (spike rate 0), so "
            "every later layer saw only zeros from it; the scores came from the beat features "
            "of the aux input") in page


@pytest.mark.parametrize("stem", ["ecg_rr", "ecg_rr_ds1"])
def test_checked_in_robustness_is_current(stem, cache):
    """Shifted and noisy windows of the RR models: the figures in metrics.json are
    recomputed, and the accuracy drops at most 1 point (measured: 0.02 intra, 0.56 inter)."""
    from sparrow.ecg.report import robustness
    entry = json.loads((ECG / "metrics.json").read_text())["models"][stem]
    _, test = data.load_split(entry["split"], MITDB, cache_dir=cache)
    fresh = robustness(load_model(ECG / entry["file"]), test)
    assert fresh == entry["robustness"]
    assert fresh["worst_drop_points"] <= 1.0


def sweep_models() -> list:
    return [load_model(ECG / "sweep" / f"ecg_t{t}.toml") for t in (1, 3, 7, 15)]


def test_sweep_t15_is_the_reference_model(reference):
    """The sweep's T = 15 run and the reference training run (separate processes, same
    seed) produced the same weights and thresholds."""
    t15 = sweep_models()[-1]
    for key, arr in reference.weights_dict().items():
        assert np.array_equal(t15.weights_dict()[key], arr), key
    for a, b in zip(t15.layers, reference.layers):
        assert (a.theta is None and b.theta is None) or np.array_equal(a.theta, b.theta)


def test_sweep_writes_table_json_and_plot(reference, intra_test, tmp_path):
    models = sweep_models()
    subset = intra_test.take(np.arange(0, len(intra_test), 10))
    evaluations = [evaluate_beats(m, subset, "intra") for m in models]
    paths = write_sweep(evaluations, tmp_path, "test")
    assert paths["plot"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rows = json.loads(paths["json"].read_text())["rows"]
    assert [r["timesteps"] for r in rows] == [1, 3, 7, 15]
    for ev in evaluations:
        row = next(r for r in rows if r["timesteps"] == ev.model.timesteps)
        assert row["accuracy"] == round(float(np.mean(ev.predictions == subset.y)), 6)
        # MACs do not depend on T (SSF reads each weight once); effective synops cannot
        # exceed them.
        assert row["macs_per_inference"] == reference.macs
        assert 0 < row["synops_per_inference_mean"] <= reference.macs
        assert 0 < row["spike_rate_mean"] < 1
    table = paths["table"].read_text().splitlines()
    assert len(table) == 2 + 4 and table[2].startswith("| 1 |")


def test_checked_in_sweep_is_current(intra_test):
    rows = json.loads((ECG / "sweep" / "sweep.json").read_text())["rows"]
    models = {m.timesteps: m for m in sweep_models()}
    fresh = sweep_rows([evaluate_beats(models[r["timesteps"]], intra_test, "intra")
                        for r in rows])
    assert fresh == rows


def test_evaluate_rejects_a_non_ecg_model():
    tiny = load_model(REPO / "examples" / "tiny" / "tiny.toml")
    with pytest.raises(SparrowError, match="input must be 1 x 180"):
        evaluate_beats(tiny, data.BeatSet(np.zeros((1, 1, 180), np.int8), np.zeros(1, int),
                                          np.zeros(1, int), np.zeros(1, int)))


def test_an_aux_model_takes_the_first_aux_features(cache):
    """A model with n aux features gets the first n aux features of each beat (the
    checked-in intra-patient model was trained on the first 6); more than there are is
    refused."""
    from sparrow.ecg.evaluate import beat_aux, check_ecg_model
    from sparrow.model import model_from_dict
    beats = data.load_beats(MITDB, records=("100",), cache_dir=cache)
    model = load_model(ECG / "ecg_rr.toml")
    n = model.aux_input.features
    assert n < len(data.AUX_FEATURES) == beats.aux.shape[1]
    assert np.array_equal(beat_aux(model, beats), beats.aux[:, :n])
    assert beat_aux(load_model(ECG / "ecg.toml"), beats) is None
    desc = model.to_dict()
    desc["aux_input"]["features"] = len(data.AUX_FEATURES) + 1
    weights = model.weights_dict()
    weights["fc1.aux_weight"] = np.zeros((32, len(data.AUX_FEATURES) + 1), dtype=np.int64)
    with pytest.raises(SparrowError, match="first 1..11 beat features"):
        check_ecg_model(model_from_dict(desc, weights))


def test_checked_in_detected_beat_metrics_are_current(cache):
    """The end-to-end figures (detector -> RR features from detections -> golden model) of
    the inter-patient RR model in metrics.json are what the code computes now; the matched
    beats plus the missed ones are DS2's annotated beats."""
    from sparrow.ecg.detected import evaluate_detected
    entry = json.loads((ECG / "metrics.json").read_text())["models"]["ecg_rr_ds1"]
    ev = evaluate_detected(load_model(ECG / entry["file"]), "inter", data_dir=MITDB,
                           cache_dir=cache).to_dict()
    for key in ("beats", "accuracy", "confusion_matrix_rows_true_cols_predicted", "detection",
                "missed_reference_beats", "false_detections_by_predicted_class"):
        assert entry["detected"][key] == ev[key], key
    annotated_ds2 = sum(data.annotation_class_counts(MITDB, records=data.DS2).values())
    vf_free = ev["detection"]["all"]["tp"] + ev["detection"]["all"]["fn"]
    assert vf_free == annotated_ds2           # DS2 has no VF episode: every beat is scored
    assert ev["beats"] + sum(ev["missed_reference_beats"].values()) \
        + ev["matched_beats_without_a_full_window"] == annotated_ds2
