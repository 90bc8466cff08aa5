"""The MIT-BIH beats a flow runs when no inputs are given: intra-patient test beats for the
reference model, DS2 beats with their RR features for a model with an aux input, the classes
taken in turn so that a few beats cover all five."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sparrow.ecg import data
from sparrow.ecg.inputs import flow_beats
from sparrow.errors import SparrowError
from sparrow.model import load_model

REPO = Path(__file__).resolve().parents[1]
MITDB = REPO / ".." / "shared" / "data" / "mitdb"
ECG = REPO / "examples" / "ecg"


def _picked(described: str) -> list[int]:
    return [int(i) for i in described.split("(indices ")[1].split(";")[0].split(", ")]


def test_an_aux_model_gets_ds2_beats_with_their_features():
    model = load_model(ECG / "ecg_rr_ds1.toml")
    x, aux, described = flow_beats(model, 7, mitdb=MITDB)
    _, test = data.load_split("inter", MITDB)
    picked = _picked(described)
    assert "inter-patient test split (DS2)" in described and len(picked) == 7
    assert test.y[picked].tolist() == [0, 1, 2, 3, 4, 0, 1]
    assert np.array_equal(x, test.x[picked].astype(np.int64))
    assert aux.shape == (7, model.aux_input.features)
    assert np.array_equal(aux, test.aux[picked, :model.aux_input.features])


def test_the_reference_model_gets_intra_patient_beats_and_no_aux():
    x, aux, described = flow_beats(load_model(ECG / "ecg.toml"), 5, mitdb=MITDB)
    beats, labels = data.intra_test_beats(MITDB)
    picked = _picked(described)
    assert aux is None and labels[picked].tolist() == [0, 1, 2, 3, 4]
    assert np.array_equal(x, beats[picked])


def test_a_model_that_is_not_one_beat_is_refused():
    with pytest.raises(SparrowError, match="not one ECG beat: give --inputs"):
        flow_beats(load_model(REPO / "examples" / "tiny" / "tiny.toml"), 1)
