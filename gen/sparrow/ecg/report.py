"""Metrics JSON of a reference ECG model (examples/ecg/metrics.json): the intra-patient model
on its test split, the DS1-trained model on DS2, the T sweep, and the training logs."""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..errors import SparrowError
from ..model import load_model
from ..fileio import atomic_write
from . import data
from .evaluate import evaluate


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


def reference_metrics(model: str | os.PathLike, inter_model: str | os.PathLike | None = None,
                      sweep: str | os.PathLike | None = None, *, data_dir=None,
                      cache_dir=None) -> dict:
    """Everything examples/ecg/README.md reports, as one JSON-ready dict (fractions 0..1)."""
    model_path = Path(model)
    out: dict = {
        "units": "accuracy, se, ppv and spike rates are fractions (0..1); synops and MACs are "
                 "operations per inference; memory in bits; times in seconds (wall clock)",
        "data": {"database": "MIT-BIH Arrhythmia (PhysioNet mitdb 1.0.0)",
                 "lead": f"{data.LEAD} (V5 for 102 and 104)",
                 "window_samples": data.WINDOW, "before_r_peak": data.WINDOW_BEFORE,
                 "sample_rate_hz": data.SAMPLE_RATE_HZ,
                 "quantization": f"clamp((adc - floor(sum(adc)/{data.WINDOW})) >> "
                                 f"{data.DEFAULT_SHIFT}, -128, 127)",
                 "intra_split": f"stratified random {1 - data.INTRA_TEST_FRACTION:.0%}/"
                                f"{data.INTRA_TEST_FRACTION:.0%} over all 48 records, seed "
                                f"{data.INTRA_SEED}",
                 "inter_split": "de Chazal DS1 (train) / DS2 (test), paced records excluded"},
        "intra": evaluate(load_model(model_path), "intra", data_dir=data_dir,
                          cache_dir=cache_dir).to_dict(),
        "intra_training": _training_log(model_path),
    }
    if inter_model is not None:
        inter_path = Path(inter_model)
        out["inter"] = evaluate(load_model(inter_path), "inter", data_dir=data_dir,
                                cache_dir=cache_dir).to_dict()
        out["inter_training"] = _training_log(inter_path)
    if sweep is not None:
        try:
            out["sweep"] = json.loads(Path(sweep).read_text())
        except (OSError, json.JSONDecodeError) as e:
            raise SparrowError(f"sweep file {sweep} is unreadable: {e}") from None
    return out


def write_reference_metrics(model, inter_model, sweep, path: str | os.PathLike, *,
                            data_dir=None, cache_dir=None) -> Path:
    """Write :func:`reference_metrics` to ``path`` (JSON)."""
    metrics = reference_metrics(model, inter_model, sweep, data_dir=data_dir,
                                cache_dir=cache_dir)
    path = Path(path)
    text = json.dumps(metrics, indent=2) + "\n"
    atomic_write(path, lambda f: f.write(text))
    return path
