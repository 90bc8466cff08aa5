"""The workload the flow benches measure: the tiny example on random inputs, or the ECG
example on one MIT-BIH beat (``--ecg``)."""

from __future__ import annotations

from pathlib import Path

from sparrow.model import Model, load_model
from sparrow.model.inputs import random_inputs

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "examples" / "tiny" / "tiny.toml"
ECG = REPO / "examples" / "ecg" / "ecg.toml"


def bench_workload(*, ecg: bool, random_count: int, lanes: int | None):
    """(descriptor path, model, lanes, inputs, their description): ``lanes`` or 8 for the ECG
    model, 4 for the tiny one; ``random_count`` random inputs (seed 7) of the tiny model."""
    model_path = ECG if ecg else TINY
    model: Model = load_model(model_path)
    if ecg:
        from sparrow.ecg.inputs import flow_beats
        x, _, described = flow_beats(model, 1)
    else:
        x = random_inputs(model, random_count, 7)
        described = f"{random_count} random inputs (seed 7)"
    return model_path, model, lanes or (8 if ecg else 4), x, described
