"""Training: a smoke run on real beats, bit-exactness of the training side's integer model
against the golden model, determinism, and the quantization-aware forward pass."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

try:
    import torch
except ImportError:     # a declared extra that is missing is a failure, not a skip
    raise ImportError("PyTorch is not installed, and the ECG training tests need it: "
                      "`./setup.sh train` (or `make test`) installs torch==2.13.0") from None

from sparrow.ecg import data  # noqa: E402
from sparrow.ecg.network import SSFNet, integer_scores  # noqa: E402
from sparrow.ecg.train import (DEFAULT_LAYERS, TrainConfig, skeleton, train,  # noqa: E402
                               train_timesteps, write_result)
from sparrow.model import load_model, model_from_dict, run  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
MITDB = REPO / ".." / "shared" / "data" / "mitdb"
REFERENCE = REPO / "examples" / "ecg" / "ecg.toml"
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword")

# Two records with all of N, S, V and F beats; one epoch per phase.
SMOKE = TrainConfig(records=("100", "208"), float_epochs=1, qat_epochs=1)


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("ecg-cache")


@pytest.fixture(scope="module")
def smoke(cache):
    return train(SMOKE, data_dir=MITDB, cache_dir=cache, progress=lambda _: None)


def test_smoke_training_exports_a_valid_hardware_model(smoke):
    m = smoke.model
    assert m.name == "ecg" and m.timesteps == 15
    assert (m.input.channels, m.input.length, m.input.bits, m.input.signed) == (1, 180, 8, True)
    assert [layer.kind for layer in m.layers] == [d["kind"] for d in DEFAULT_LAYERS]
    for layer in m.layers:
        if layer.has_weights:
            assert layer.weight_bits == 8 and layer.bias_bits == 16
            assert -128 <= layer.weight.min() and layer.weight.max() <= 127
            # Every weight range is used: the scale is set by the largest weight.
            assert np.abs(layer.weight).max() >= 64
        if layer.fires:
            assert layer.theta_is_pow2


def test_smoke_golden_model_equals_training_predictions(smoke, cache):
    _, test = data.load_split("intra", MITDB, cache_dir=cache, records=SMOKE.records)
    assert np.array_equal(smoke.test_labels, test.y)
    golden = run(smoke.model, test.x)
    assert np.array_equal(golden.predictions, smoke.test_predictions)
    assert float(np.mean(golden.predictions == test.y)) == smoke.test_accuracy


def test_write_result_round_trips(smoke, tmp_path):
    path = write_result(smoke, tmp_path / "m.toml")
    loaded = load_model(path)
    for key, arr in smoke.model.weights_dict().items():
        assert np.array_equal(loaded.weights_dict()[key], arr)
    for a, b in zip(loaded.layers, smoke.model.layers):
        assert (a.theta is None and b.theta is None) or np.array_equal(a.theta, b.theta)
    log = json.loads((tmp_path / "m.train.json").read_text())
    assert log["integer_test_accuracy"] == smoke.test_accuracy
    assert [e["phase"] for e in log["epochs"]] == ["float", "qat T=15"]


def test_training_is_deterministic_and_each_t_independent(smoke, cache):
    """The same seed gives the same weights; a T trained inside a sweep equals it trained
    alone (each quantization-aware phase reseeds its batch order)."""
    results = train_timesteps(SMOKE, (3, 15), data_dir=MITDB, cache_dir=cache,
                              progress=lambda _: None)
    assert [r.model.timesteps for r in results] == [3, 15]
    for key, arr in smoke.model.weights_dict().items():
        assert np.array_equal(results[1].model.weights_dict()[key], arr), key
    assert not np.array_equal(results[0].model.weights_dict()["conv2.weight"],
                              smoke.model.weights_dict()["conv2.weight"])


def test_quantization_aware_forward_is_the_integer_model(cache):
    """The network trained in the QAT phase computes exactly the exported integer model:
    its logits divided by the output scale are the golden model's scores."""
    beats = data.load_beats(MITDB, records=("208",), cache_dir=cache)
    x = beats.x[:600]
    torch.manual_seed(3)
    net = SSFNet(skeleton(replace(SMOKE, timesteps=7)))
    net.calibrate(torch.as_tensor(x, dtype=torch.float32))
    net.to_qat(7)
    desc, arrays = net.export()
    model = model_from_dict(desc, arrays)
    net.eval()
    with torch.no_grad():
        logits = net(torch.as_tensor(x, dtype=torch.float32)).double()
        _, _, scale, _, _ = net.quantized(model.output)
    golden = run(model, x)
    assert np.array_equal(np.round(logits.numpy() / float(scale[0])).astype(np.int64),
                          golden.scores)
    # The untrained network already fires in every hidden layer (calibration works).
    assert all(s.spikes.sum() > 0 for s in golden.layers[:-1] if s.kind != "maxpool1d")


def test_reference_model_training_side_scores_equal_golden(cache):
    """The checked-in model on every intra-patient test beat: the training side's integer
    evaluation (torch) and the golden model (numpy) give the same scores, one by one."""
    model = load_model(REFERENCE)
    x, _ = data.intra_test_beats(MITDB, cache_dir=cache)
    assert np.array_equal(integer_scores(model, x), run(model, x).scores)


def test_cli_train_smoke(tmp_path, cache):
    out = tmp_path / "cli" / "ecg.toml"
    proc = subprocess.run(
        [sys.executable, "-m", "sparrow.ecg", "train", "--data", str(MITDB), "--cache-dir",
         str(cache), "--records", "100", "208", "--float-epochs", "1", "--qat-epochs", "1",
         "--timesteps", "3", "--out", str(out)],
        capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    assert load_model(out).timesteps == 3
    assert (tmp_path / "cli" / "ecg.train.json").is_file()
    assert "accuracy:" in proc.stdout


@pytest.mark.slow
def test_reference_model_regenerates_identically(cache):
    """The documented command's configuration (TrainConfig defaults, split intra48) retrains the
    checked-in
    weights exactly (minutes of CPU). Float rounding in torch's CPU kernels may differ with
    another torch build or CPU instruction set; on such a machine this test reports it."""
    result = train(TrainConfig(split="intra48"), data_dir=MITDB, cache_dir=cache,
                   progress=lambda _: None)
    reference = load_model(REFERENCE)
    for key, arr in reference.weights_dict().items():
        assert np.array_equal(result.model.weights_dict()[key], arr), key
    for a, b in zip(result.model.layers, reference.layers):
        assert (a.theta is None and b.theta is None) or np.array_equal(a.theta, b.theta)


# RR and template features, augmentation, validation by patient: DS1 records 118 and 220
# (validation records) beside 201 and 209 (S-rich), DS2's 100 and 232 as the test part.
RR_SMOKE = TrainConfig(split="inter", records=("118", "220", "201", "209", "100", "232"),
                       float_epochs=1, qat_epochs=2, aux_features=11, max_shift=6,
                       noise_fraction=0.5, select="macro_f1", class_weight_power=0.5,
                       name="rr")


@pytest.fixture(scope="module")
def rr_smoke(cache):
    return train(RR_SMOKE, data_dir=MITDB, cache_dir=cache, progress=lambda _: None)


def test_rr_training_exports_an_aux_model_equal_to_the_golden_model(rr_smoke, cache):
    m = rr_smoke.model
    assert m.aux_input is not None and m.aux_input.features == 11 and m.aux_input.bits == 10
    assert m.aux_layer.name == "fc1" and m.aux_layer.aux_weight.shape == (32, 11)
    assert np.abs(m.aux_layer.aux_weight).max() >= 1     # the RR features are used
    _, test = data.load_split("inter", MITDB, cache_dir=cache, records=RR_SMOKE.records)
    assert set(np.unique(test.record)) == {100, 232}
    golden = run(m, test.x, aux=RR_SMOKE.aux(test))
    assert np.array_equal(golden.predictions, rr_smoke.test_predictions)
    assert np.array_equal(integer_scores(m, test.x, RR_SMOKE.aux(test)), golden.scores)


def test_rr_training_validates_on_held_out_patients(rr_smoke):
    log = rr_smoke.log
    train_part, _ = data.load_split("inter", MITDB, records=RR_SMOKE.records)
    held_out = np.isin(train_part.record, [int(r) for r in data.VALIDATION_RECORDS])
    assert log["val_beats"] == int(held_out.sum()) and log["train_beats"] == int((~held_out).sum())
    qat = [e for e in log["epochs"] if e["phase"].startswith("qat")]
    assert len(qat) == 2 and all(0 <= e["val_score"] <= 1 for e in qat)


def test_morphology_dropout_acts_in_training_only(cache):
    beats = data.load_beats(MITDB, records=("208",), cache_dir=cache)
    x = torch.as_tensor(beats.x[:256], dtype=torch.float32)
    aux = torch.as_tensor(beats.aux[:256], dtype=torch.float32)
    torch.manual_seed(0)
    net = SSFNet(skeleton(replace(RR_SMOKE, morphology_dropout=0.5)))
    net.calibrate(x, aux)
    net.morphology_dropout = 0.5
    net.train()
    assert not torch.equal(net(x, aux), net(x, aux))
    net.eval()
    assert torch.equal(net(x, aux), net(x, aux))
    net.morphology_dropout = 0.0
    net.train()
    assert torch.equal(net(x, aux), net(x, aux))


def test_augmented_batches_differ_from_the_segmented_beats(cache):
    """With shift and noise on, the training inputs are not the segmented windows; with both
    off they are (the reference recipe's path is unchanged)."""
    from sparrow.ecg.augment import augmented_inputs
    beats = data.load_beats(MITDB, records=("100",), cache_dir=cache)
    rng = np.random.default_rng(0)
    aug = augmented_inputs(beats.raw[:256], rng, max_shift=6, noise_fraction=0.5,
                           snr_db=(12.0, 40.0))
    assert aug.shape == beats.x[:256].shape and aug.dtype == np.int8
    assert np.mean(np.all(aug == beats.x[:256], axis=(1, 2))) < 0.2
    same = augmented_inputs(beats.raw[:256], rng, max_shift=0, noise_fraction=0.0,
                            snr_db=(12.0, 40.0))
    assert np.array_equal(same, beats.x[:256])
