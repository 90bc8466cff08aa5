"""The golden model and the plain reference reproduce every conformance vector exactly.

The vectors in ../shared/conformance were computed by an independent implementation; they
are the outside check of the semantics (DESIGN.md section 4).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from conformance import CONFORMANCE_DIR, EXPECTED_CASES, case_files, load_case
from sparrow.model import plain_forward, run


def test_conformance_folder_is_complete():
    assert CONFORMANCE_DIR.is_dir(), f"conformance vectors missing: {CONFORMANCE_DIR}"
    assert len(case_files()) == EXPECTED_CASES, (
        f"{len(case_files())} cases in {CONFORMANCE_DIR}, expected {EXPECTED_CASES}")


@pytest.mark.parametrize("path", case_files(), ids=lambda p: p.stem)
def test_golden_reproduces_case(path):
    model, x, scores, predictions = load_case(path)
    assert len(x) > 0, "a case without vectors checks nothing"
    result = run(model, x)
    assert result.scores.shape == scores.shape
    mismatch = np.argwhere(result.scores != scores)
    assert mismatch.size == 0, (
        f"{path.name}: {len(mismatch)} scores differ, first at vector {mismatch[0][0]} class "
        f"{mismatch[0][1]}: golden {result.scores[tuple(mismatch[0])]}, expected "
        f"{scores[tuple(mismatch[0])]}")
    assert np.array_equal(result.predictions, predictions)


@pytest.mark.parametrize("path", case_files(), ids=lambda p: p.stem)
def test_plain_reference_reproduces_case(path):
    model, x, scores, predictions = load_case(path)
    for i, sample in enumerate(x):
        got_scores, got_prediction, _ = plain_forward(model, sample.tolist())
        assert got_scores == scores[i].tolist(), f"{path.name}: vector {i}"
        assert got_prediction == int(predictions[i]), f"{path.name}: vector {i}"


@pytest.mark.parametrize("path", case_files(), ids=lambda p: p.stem)
def test_conversion_keeps_the_case_parameters(path):
    """The converter hands the golden model the case's own weights, biases and thresholds."""
    case = json.loads(path.read_text())
    model, _, _, _ = load_case(path)
    assert model.timesteps == case["model"]["timesteps"]
    assert len(model.layers) == len(case["model"]["layers"])
    for layer, src in zip(model.layers, case["model"]["layers"]):
        assert layer.kind == src["kind"]
        if src["kind"] == "maxpool1d":
            continue
        assert np.array_equal(layer.weight, np.array(src["weight"]))
        assert np.array_equal(layer.bias, np.array(src["bias"]))
        assert layer.is_output == (src.get("role") == "output")
        if not layer.is_output:
            theta = src["theta"]
            expected = theta if isinstance(theta, list) else [theta] * layer.out_channels
            assert layer.theta.tolist() == expected
