"""Metrics JSON of the ECG example folder (examples/ecg/metrics.json): every checked-in model
on its split's test beats (annotated beats, and for the RR models also detected beats end to
end, and the robustness to window shifts and noise), the QRS detector on the 44 non-paced
records, the T sweep, and the training logs.

The folder's models are found by name: ``ecg.toml`` (intra48, the hardware flow's model),
``ecg_ds1.toml`` (inter), ``ecg_rr.toml`` (intra, RR features), ``ecg_rr_ds1.toml`` (inter,
RR features); ``sweep/sweep.json`` if present; the cross-validation results of the recipes
tried for the inter-patient model, ``cv/*.json`` (written by ``sparrow ecg cv``), if
present.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from ..errors import SparrowError
from ..fileio import atomic_write
from ..model import Model, load_model, run
from . import data
from .augment import robustness_windows, shifted_windows
from .detected import evaluate_detected
from .evaluate import beat_aux, evaluate_beats
from .matching import DetectionScore, gross, match_beats
from .metrics import class_report
from .qrs import detect_qrs
from .rr import RR_BITS

# (file stem, split, evaluated on detected beats too)
EXAMPLE_MODELS = (("ecg_rr", "intra", True), ("ecg_rr_ds1", "inter", True),
                  ("ecg", "intra48", False), ("ecg_ds1", "inter", False))


def _training_log(model_path: Path) -> dict | None:
    """Summary of ``<stem>.train.json`` beside a descriptor, if present."""
    log_path = model_path.with_name(f"{model_path.stem}.train.json")
    if not log_path.is_file():
        return None
    try:
        log = json.loads(log_path.read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise SparrowError(f"training log {log_path} is unreadable: {e}") from None
    keys = ("config", "train_beats", "val_beats", "test_beats", "float_phase_seconds",
            "qat_phase_seconds", "float_test_accuracy", "integer_test_accuracy")
    return {k: log.get(k) for k in keys}


def robustness(model: Model, test: data.BeatSet) -> dict:
    """Accuracy (fractions) on the test beats as segmented and under each perturbation of
    :func:`~sparrow.ecg.augment.robustness_windows` (window shifts, seeded white noise). The
    template features follow the perturbed windows (:func:`~sparrow.ecg.data.with_windows`);
    the RR features do not change (the beat positions do not)."""

    def accuracy(windows: np.ndarray) -> float:
        beats = data.with_windows(test, data.quantize_windows(windows)[:, None, :])
        return float(np.mean(run(model, beats.x, aux=beat_aux(model, beats)).predictions
                             == test.y))
    base = accuracy(shifted_windows(test.raw, 0))
    out = {"accuracy": round(base, 6), "shift": {}, "noise": {}}
    for (kind, key), windows in robustness_windows(test.raw).items():
        out[kind][key] = round(accuracy(windows), 6)
    out["worst_drop_points"] = round(
        100 * (base - min(list(out["shift"].values()) + list(out["noise"].values()))), 3)
    return out


def detector_scores(data_dir=None) -> dict:
    """The QRS detector on the 44 non-paced records: Se, +P per record and gross."""
    path = data.resolve_data_dir(data_dir, data.NON_PACED_RECORDS)
    scores = []
    for name in data.NON_PACED_RECORDS:
        sig = data.read_record(path, name)
        m = match_beats(sig.beat_samples, detect_qrs(sig.adc, record=name),
                        excluded=sig.vf_episodes())
        scores.append(DetectionScore(name, m.tp, m.fn, m.fp))
    return {"all": gross(scores).to_dict(), "records": [s.to_dict() for s in scores],
            "source": "sparrow.ecg.qrs on MLII (V5 for 102, 104: both paced, excluded), EC57 "
                      "matching within 150 ms, VF episodes not scored, whole records"}


def _pooled(d: dict) -> dict:
    return {k: d[k] for k in ("beats", "target_figures", "nsv_f1", "target_margin")}


def cross_validation_summaries(folder: Path) -> list[dict]:
    """The pooled out-of-fold figures of every ``<folder>/*.json`` of ``sparrow ecg cv``
    (sorted by file name): recipe (without its layer list), folds, target figures without
    and with the chosen offsets, robustness where computed."""
    out = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            cv = json.loads(path.read_text())
            config = {k: v for k, v in cv["config"].items() if k != "layers"}
            out.append({"file": f"{folder.name}/{path.name}", "config": config,
                        "folds": cv["folds"],
                        "fold_records": [f["records"] for f in cv["per_fold_with_offsets"]],
                        "score_offsets": cv["score_offsets"],
                        "without_offsets": _pooled(cv["pooled_without_offsets"]),
                        "with_offsets": _pooled(cv["pooled_with_offsets"]),
                        "robustness_with_offsets": cv.get("robustness_with_offsets") or None})
        except (OSError, json.JSONDecodeError, KeyError) as e:
            raise SparrowError(f"cross-validation file {path} is unreadable ({e}); rewrite it "
                               f"with `python -m sparrow.ecg cv --out {path}`") from None
    return out


def example_metrics(folder: str | os.PathLike, *, data_dir=None, cache_dir=None) -> dict:
    """Everything examples/ecg/README.md reports, as one JSON-ready dict (fractions 0..1)."""
    folder = Path(folder)
    out: dict = {
        "units": "accuracy, se, ppv, f1 and spike rates are fractions (0..1); synops and MACs "
                 "are operations per inference; memory in bits; times in seconds (wall clock); "
                 "shifts in samples at 360 Hz",
        "data": {"database": "MIT-BIH Arrhythmia (PhysioNet mitdb 1.0.0)",
                 "lead": f"{data.LEAD} (V5 for 102 and 104)",
                 "window_samples": data.WINDOW, "before_r_peak": data.WINDOW_BEFORE,
                 "sample_rate_hz": data.SAMPLE_RATE_HZ,
                 "quantization": f"clamp((adc - floor(sum(adc)/{data.WINDOW})) >> "
                                 f"{data.DEFAULT_SHIFT}, -128, 127)",
                 "aux_features": {"names": list(data.AUX_FEATURES), "bits": RR_BITS,
                                  "signed": False,
                                  "source": "sparrow.ecg.rr, sparrow.ecg.template"},
                 "splits": dict(data.SPLIT_LABELS),
                 "validation_records_inter": list(data.VALIDATION_RECORDS)},
        "models": {},
    }
    found = False
    for stem, split, detected in EXAMPLE_MODELS:
        path = folder / f"{stem}.toml"
        if not path.is_file():
            continue
        found = True
        model = load_model(path)
        _, test = data.load_split(split, data_dir, cache_dir=cache_dir)
        entry = {"file": path.name, "split": split, "split_label": data.SPLIT_LABELS[split],
                 "annotated": evaluate_beats(model, test, split).to_dict(),
                 "robustness": robustness(model, test),
                 "training": _training_log(path)}
        if detected:
            entry["detected"] = evaluate_detected(model, split, data_dir=data_dir,
                                                  cache_dir=cache_dir).to_dict()
        out["models"][stem] = entry
    if not found:
        raise SparrowError(f"{folder} holds none of the example models "
                           f"({', '.join(s + '.toml' for s, _, _ in EXAMPLE_MODELS)})")
    out["detector"] = detector_scores(data_dir)
    cv = cross_validation_summaries(folder / "cv")
    if cv:
        out["cross_validation"] = cv
    sweep = folder / "sweep" / "sweep.json"
    if sweep.is_file():
        try:
            out["sweep"] = json.loads(sweep.read_text())
        except (OSError, json.JSONDecodeError) as e:
            raise SparrowError(f"sweep file {sweep} is unreadable: {e}") from None
    return out


def write_example_metrics(folder: str | os.PathLike, path: str | os.PathLike | None = None, *,
                          data_dir=None, cache_dir=None) -> Path:
    """Write :func:`example_metrics` of ``folder`` to ``path`` (default
    ``<folder>/metrics.json``)."""
    metrics = example_metrics(folder, data_dir=data_dir, cache_dir=cache_dir)
    path = Path(path) if path is not None else Path(folder) / "metrics.json"
    text = json.dumps(metrics, indent=2) + "\n"
    atomic_write(path, lambda f: f.write(text))
    return path


def class_report_from_dict(d: dict):
    """The :class:`~sparrow.ecg.metrics.ClassReport` of a metrics entry (for the README)."""
    confusion = np.array(d["confusion_matrix_rows_true_cols_predicted"], dtype=np.int64)
    labels = np.repeat(np.arange(len(confusion)), confusion.sum(axis=1))
    preds = np.concatenate([np.repeat(np.arange(len(confusion)), row) for row in confusion])
    return class_report(labels, preds)
