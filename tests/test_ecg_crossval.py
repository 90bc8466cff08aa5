"""Cross-validation by patient: fold assignment, the target margin, the choice of class
score offsets, offsets exported as bit-exact output-bias changes, and a smoke run on real
beats that never reads a test record."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

try:
    import torch  # noqa: F401
except ImportError:     # a declared extra that is missing is a failure, not a skip
    raise ImportError("PyTorch is not installed, and the ECG training tests need it: "
                      "`./setup.sh train` (or `make test`) installs torch==2.13.0") from None

from sparrow.ecg import data  # noqa: E402
from sparrow.ecg.crossval import choose_offsets, cross_validate  # noqa: E402
from sparrow.ecg.metrics import (TARGETS, class_report, nsv_f1, target_figures,  # noqa: E402
                                 target_margin)
from sparrow.ecg.network import integer_scores  # noqa: E402
from sparrow.ecg.train import TrainConfig, fit, offset_integers  # noqa: E402
from sparrow.errors import SparrowError  # noqa: E402
from sparrow.model import run  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
MITDB = REPO / ".." / "shared" / "data" / "mitdb"
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword")

# Four DS1 records (S in 201 and 209, V in 201 and 119) and one DS2 record (100), which
# cross-validation must never read; one epoch per phase.
CV_SMOKE = TrainConfig(split="inter", records=("201", "209", "119", "115", "100"),
                       float_epochs=1, qat_epochs=1, aux_features=8, select="last",
                       name="cv")


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("ecg-cache")


def beats_of(counts: dict[int, list[int]]) -> data.BeatSet:
    """A BeatSet with ``counts[record]`` beats per class (N, S, V, F, Q); no samples."""
    y = np.concatenate([np.repeat(np.arange(5), c) for c in counts.values()])
    rec = np.concatenate([np.full(sum(c), r) for r, c in counts.items()])
    n = len(y)
    return data.BeatSet(np.zeros((n, 1, 180), np.int8), y, rec, np.arange(n))


def test_patient_folds_spread_the_rare_classes():
    rng = np.random.default_rng(1)
    counts = {100 + i: [int(rng.integers(500, 3000)), int(rng.integers(0, 400)),
                        int(rng.integers(0, 900)), int(rng.integers(0, 30)), 0]
              for i in range(22)}
    beats = beats_of(counts)
    folds = data.patient_folds(beats, 5)
    assert sorted(folds) == sorted(counts) and set(folds.values()) == set(range(5))
    sizes = np.bincount(list(folds.values()))
    assert sizes.max() - sizes.min() <= 1
    # The five S-richest patients land in five different folds.
    top_s = sorted(counts, key=lambda r: -counts[r][1])[:5]
    assert sorted(folds[r] for r in top_s) == list(range(5))
    assert data.patient_folds(beats, 5) == folds           # deterministic
    with pytest.raises(SparrowError, match="2..22 folds"):
        data.patient_folds(beats, 23)


def test_target_figures_and_margin_closed_form():
    # 100 N (90 right, 10 as S), 10 S (6 right, 4 as N), 20 V (18 right, 2 as N)
    labels = np.repeat([0, 1, 2], [100, 10, 20])
    preds = np.concatenate([np.repeat([0, 1], [90, 10]), np.repeat([1, 0], [6, 4]),
                            np.repeat([2, 0], [18, 2])])
    rep = class_report(labels, preds)
    f = target_figures(rep)
    assert f == pytest.approx({"accuracy": 114 / 130, "S_se": 0.6, "S_ppv": 6 / 16,
                               "V_se": 0.9, "V_ppv": 1.0})
    assert target_margin(rep) == pytest.approx(min(f[k] / t for k, t in TARGETS.items()))
    assert target_margin(rep) == pytest.approx((6 / 16) / 0.40)
    # F1: N 2*90 / (180 + 10 + 6), S 2*6 / (12 + 10 + 4), V 2*18 / (36 + 0 + 2)
    assert nsv_f1(rep) == pytest.approx((180 / 196 + 12 / 26 + 36 / 38) / 3)
    # a perfect classifier: every figure is 1, the accuracy target (0.92) is the highest
    assert target_margin(class_report(labels, labels)) == pytest.approx(1 / 0.92)
    assert nsv_f1(class_report(labels, labels)) == 1.0


def test_offsets_recover_a_shifted_class():
    """S logits sit 1.5 below where they should be: the chosen S offset moves them back,
    and every target is met."""
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1, 2], [5000, 300, 500])
    logits = rng.normal(0, 1, (len(labels), 5))
    logits[np.arange(len(labels)), labels] += 3.0
    logits[:, 3:] -= 4.0                       # F and Q never win
    logits[:, 1] -= 1.5
    offsets = choose_offsets(logits, labels)
    assert offsets[0] == 0 and 0.5 <= offsets[1] <= 2.5 and offsets[4] == -8.0
    before = class_report(labels, np.argmax(logits, axis=1))
    after = class_report(labels, np.argmax(logits + offsets, axis=1))
    assert nsv_f1(after) > nsv_f1(before)
    assert target_margin(before) < 1.0 <= target_margin(after)
    assert np.array_equal(choose_offsets(logits, labels), offsets)   # deterministic


def test_score_offsets_are_integer_output_bias_changes(cache):
    """The same run with and without offsets: identical weights, output biases differing by
    round(offset / scale), and the golden model equal to the training side's scores."""
    train_set, _ = data.load_split("inter", MITDB, cache_dir=cache, records=CV_SMOKE.records)
    part = train_set.take(train_set.record == 201)
    quiet = dict(progress=lambda _: None)
    plain = fit(CV_SMOKE, part, **quiet)
    # offsets in units of the output scale (a one-epoch model's scale is small, and the
    # biases must stay within their 16 bits): rounded to the nearest integer
    offsets = tuple(float(v) * plain.output_scale for v in (0, 3.4, -2.6, -40.2, -300))
    shifted = fit(replace(CV_SMOKE, score_offsets=offsets), part, **quiet)
    assert shifted.output_scale == plain.output_scale
    a, b = plain.model.weights_dict(), shifted.model.weights_dict()
    delta = offset_integers(offsets, plain.output_scale)
    assert delta.tolist() == [0, 3, -3, -40, -300]
    for key in a:
        expected = a[key] + delta if key == "out.bias" else a[key]
        assert np.array_equal(b[key], expected), key
    aux = CV_SMOKE.aux(part)
    assert aux.shape == (len(part), 8)
    scores = integer_scores(shifted.model, part.x, aux)
    assert np.array_equal(run(shifted.model, part.x, aux=aux).scores, scores)
    assert np.array_equal(scores - integer_scores(plain.model, part.x, aux),
                          np.broadcast_to(delta, scores.shape))


def test_select_last_takes_no_validation_beats(cache):
    train_set, _ = data.load_split("inter", MITDB, cache_dir=cache, records=CV_SMOKE.records)
    with pytest.raises(SparrowError, match="needs no validation beats"):
        fit(CV_SMOKE, train_set, train_set, progress=lambda _: None)
    with pytest.raises(SparrowError, match="needs validation beats"):
        fit(replace(CV_SMOKE, select="macro_f1"), train_set, progress=lambda _: None)
    with pytest.raises(SparrowError, match="one value per class"):
        replace(CV_SMOKE, score_offsets=(1.0, 2.0))


def test_cross_validation_scores_every_training_beat_out_of_fold(cache):
    cv = cross_validate(CV_SMOKE, 2, data_dir=MITDB, cache_dir=cache, progress=lambda _: None)
    train_set, _ = data.load_split("inter", MITDB, cache_dir=cache, records=CV_SMOKE.records)
    assert 100 not in cv.folds and set(cv.folds) == {201, 209, 119, 115}
    assert np.array_equal(cv.labels, train_set.y) and np.array_equal(cv.records, train_set.record)
    assert len(cv.output_scales) == 2 and all(s > 0 for s in cv.output_scales)
    assert np.all(np.isfinite(cv.logits)) and np.all(np.any(cv.logits != 0, axis=1))
    assert set(cv.perturbed_logits) == {("shift", "-3"), ("shift", "3"), ("noise", "20dB")}
    for logits in cv.perturbed_logits.values():
        assert logits.shape == cv.logits.shape and np.all(np.any(logits != 0, axis=1))
        assert not np.array_equal(logits, cv.logits)
    d = cv.to_dict(np.zeros(5))
    assert d["pooled_without_offsets"]["beats"] == len(train_set)
    r = d["robustness_with_offsets"]
    assert r["accuracy"] == round(d["pooled_with_offsets"]["accuracy"], 6)
    perturbed = [r["shift -3"], r["shift 3"], r["noise 20dB"]]
    assert r["worst_drop_points"] == round(100 * (r["accuracy"] - min(perturbed)), 3)
    assert sum(f["beats"] for f in d["per_fold_with_offsets"]) == len(train_set)
    with pytest.raises(SparrowError, match="needs the inter split"):
        cross_validate(replace(CV_SMOKE, split="intra"), 2, data_dir=MITDB, cache_dir=cache)


def test_cli_cv_smoke(tmp_path, cache):
    out = tmp_path / "cv.json"
    proc = subprocess.run(
        [sys.executable, "-m", "sparrow.ecg", "cv", "--data", str(MITDB), "--cache-dir",
         str(cache), "--records", "201", "209", "119", "100", "--aux", "8", "--float-epochs", "1",
         "--qat-epochs", "1", "--select", "last", "--folds", "3", "--out", str(out)],
        capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    d = json.loads(out.read_text())
    assert d["folds"] == 3 and len(d["score_offsets"]) == 5
    assert d["score_offsets"][0] == 0 and d["score_offsets"][4] == -8
    assert sorted(r for f in d["per_fold_with_offsets"] for r in f["records"]) == [119, 201, 209]
    assert "score offsets (logit units, N S V F Q)" in proc.stdout


def test_checked_in_inter_patient_model_is_the_best_cross_validated_recipe():
    """ecg_rr_ds1 was trained with the recipe of the cross-validation file with the highest
    out-of-fold N-S-V F1 (with offsets) among examples/ecg/cv/, with that file's offsets, on
    all of DS1 (no validation beats, last epoch)."""
    ecg = REPO / "examples" / "ecg"
    runs = {p.name: json.loads(p.read_text()) for p in sorted((ecg / "cv").glob("*.json"))}
    assert len(runs) >= 2
    best = max(runs.values(), key=lambda d: d["pooled_with_offsets"]["nsv_f1"])
    trained = json.loads((ecg / "ecg_rr_ds1.train.json").read_text())
    config = trained["config"]
    assert config["score_offsets"] == best["score_offsets"]
    assert config["select"] == "last" and trained["val_beats"] == 0
    assert trained["train_beats"] == best["pooled_with_offsets"]["beats"]     # all of DS1
    differ = {k for k in config if config[k] != best["config"].get(k)}
    assert differ == {"name", "score_offsets"}, differ
    for d in runs.values():
        summary = d["pooled_with_offsets"]
        assert summary["beats"] == sum(f["beats"] for f in d["per_fold_with_offsets"])
        assert sorted(r for f in d["per_fold_with_offsets"] for r in f["records"]) == \
            sorted(int(r) for r in data.DS1)
