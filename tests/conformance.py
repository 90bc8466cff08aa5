"""Convert the neutral conformance format (../shared/conformance/README.md) to descriptors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from sparrow.model import Model, model_from_dict
from sparrow.model.golden import signed_bits

CONFORMANCE_DIR = Path(os.environ.get(
    "SPARROW_CONFORMANCE", Path(__file__).resolve().parents[1] / ".." / "shared" / "conformance"))


EXPECTED_CASES = 41
"""Cases in the shared conformance folder (its README); every test module checks them all."""


def case_files() -> list[Path]:
    return sorted(CONFORMANCE_DIR.glob("case_*.json"))


def convert(case: dict, name: str = "conformance") -> tuple[Model, np.ndarray, np.ndarray, np.ndarray]:
    """Return (model, inputs (N, C, L), scores (N, classes), predictions (N,))."""
    m = case["model"]
    layers, weights = [], {}
    for i, src in enumerate(m["layers"]):
        d = {"name": f"l{i}", "kind": src["kind"]}
        if src["kind"] == "maxpool1d":
            d.update(kernel=src["kernel"], stride=src.get("stride", src["kernel"]))
        else:
            w = np.array(src["weight"], dtype=np.int64)
            b = np.array(src["bias"], dtype=np.int64)
            if src["kind"] == "conv1d":
                d.update(out_channels=w.shape[0], kernel=src["kernel"],
                         stride=src.get("stride", 1), padding=src.get("padding", 0))
            else:
                d["out_features"] = w.shape[0]
            d["weight_bits"] = src["weight_bits"]
            d["bias_bits"] = max(2, signed_bits(int(b.min()), int(b.max())))
            if src.get("role") == "output":
                d["role"] = "output"
            else:
                d["theta"] = src["theta"]
            weights[f"l{i}.weight"], weights[f"l{i}.bias"] = w, b
        layers.append(d)
    inp = m["input"]
    desc = {"name": name, "timesteps": m["timesteps"],
            "input": {"channels": inp["channels"], "length": inp["length"],
                      "bits": inp["bits"], "signed": inp["signed"]},
            "layers": layers}
    model = model_from_dict(desc, weights)
    vec = case["vectors"]
    x = np.array([v["x"] for v in vec], dtype=np.int64)
    scores = np.array([v["scores"] for v in vec], dtype=np.int64)
    preds = np.array([v["prediction"] for v in vec], dtype=np.int64)
    return model, x, scores, preds


def load_case(path: Path) -> tuple[Model, np.ndarray, np.ndarray, np.ndarray]:
    return convert(json.loads(path.read_text()), name=path.stem.replace("-", "_"))
