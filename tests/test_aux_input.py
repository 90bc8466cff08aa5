"""The auxiliary input vector (raw integers joined at one dense layer): descriptor validation,
golden model against the plain per-sample reference (hypothesis), counters by hand, the IF
reference, ``sparrow run`` and ``sparrow sim`` with an ``.npz``, and the generated core's aux input.

Independent sources: the plain reference (Python integers and loops), counts computed here
from the shapes, and Python's integer arithmetic for the accumulator extremes.
"""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sparrow.cli import main
from sparrow.errors import DescriptorError, SparrowError
from sparrow.hw.plan import HardwareLimitError, plan_core
from sparrow.model import (accumulator_range, load_model, model_from_dict, plain_forward, run,
                           run_if, save_model)
from sparrow.model.random_model import calibrate, random_aux, random_weights
from test_descriptor_errors import DELETE, _set
from test_golden_properties import hand_synops, inputs_for, seeds, structures


@st.composite
def aux_models(draw):
    """A random valid model whose one dense layer (hidden or output) receives an aux input of
    1..5 values, 2..16-bit, signed or unsigned."""
    desc = copy.deepcopy(draw(structures()))
    dense = [i for i, layer in enumerate(desc["layers"]) if layer["kind"] == "dense"]
    if not dense:     # make the output layer dense
        desc["layers"][-1] = {"name": desc["layers"][-1]["name"], "kind": "dense",
                              "out_features": draw(st.integers(1, 6)), "weight_bits": 8,
                              "bias_bits": 16, "role": "output"}
        dense = [len(desc["layers"]) - 1]
    desc["aux_input"] = {"features": draw(st.integers(1, 5)), "bits": draw(st.integers(2, 16)),
                         "signed": draw(st.booleans())}
    desc["layers"][draw(st.sampled_from(dense))]["aux_input"] = True
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    weights = random_weights(desc, rng, negative_bias=draw(st.sampled_from([0.0, 0.5])))
    return calibrate(desc, weights, rng, samples=16, pow2=draw(st.sampled_from([0.0, 1.0])))


def aux_for(model, rng: np.random.Generator, n: int) -> np.ndarray:
    """Random aux vectors with the extremes in the first rows (minimum, maximum, zero)."""
    aux = random_aux(model, n, rng)
    spec = model.aux_input
    aux[0], aux[1 % n] = spec.min_value, spec.max_value
    aux[2 % n] = 0 if spec.min_value <= 0 else spec.min_value
    return aux


@settings(max_examples=120)
@given(aux_models(), seeds)
def test_golden_equals_plain_reference_with_aux(model, seed):
    rng = np.random.default_rng(seed)
    x = inputs_for(model, rng)
    aux = aux_for(model, rng, len(x))
    result = run(model, x, aux=aux)
    for i, sample in enumerate(x):
        scores, prediction, outputs = plain_forward(model, sample.tolist(), aux[i].tolist())
        assert result.scores[i].tolist() == scores
        assert int(result.predictions[i]) == prediction
        for layer, got, expected in zip(model.layers, result.activations, outputs):
            assert got[i].tolist() == expected, f"sample {i}, layer {layer.name}"


@settings(max_examples=60)
@given(aux_models(), seeds)
def test_aux_counters_equal_hand_counts(model, seed):
    """MACs and weight reads include out x features aux products; effective synops count the
    non-zero aux values times the outputs they reach."""
    rng = np.random.default_rng(seed)
    x = inputs_for(model, rng, n=3)
    aux = aux_for(model, rng, len(x))
    result = run(model, x, aux=aux)
    layer = model.aux_layer
    stats = result.layers[layer.index]
    hand_macs = layer.out_channels * (layer.in_channels * layer.in_length + aux.shape[1])
    assert stats.macs == hand_macs and stats.weight_reads == hand_macs
    for i, sample in enumerate(x):
        _, _, outputs = plain_forward(model, sample.tolist(), aux[i].tolist())
        a = sample.tolist() if layer.index == 0 else outputs[layer.index - 1]
        nonzero_aux = sum(1 for v in aux[i].tolist() if v != 0)
        assert int(stats.synops[i]) == hand_synops(layer, a) + nonzero_aux * layer.out_channels


@settings(max_examples=60)
@given(aux_models())
def test_aux_layer_accumulator_range_is_reached_and_never_exceeded(model):
    """The extremes computed with Python integers (all weights, inputs, aux values and the
    bias at their extreme) are the declared range; random inputs stay inside it."""
    layer = model.aux_layer
    lo, hi = accumulator_range(model, layer)
    a = ((model.input.min_value, model.input.max_value) if layer.index == 0
         else (0, model.timesteps))
    w = (-(1 << (layer.weight_bits - 1)), (1 << (layer.weight_bits - 1)) - 1)
    b = (-(1 << (layer.bias_bits - 1)), (1 << (layer.bias_bits - 1)) - 1)
    x = (model.aux_input.min_value, model.aux_input.max_value)
    fan = layer.in_channels * layer.in_length
    products = [wi * ai for wi in w for ai in a]
    aux_products = [wi * xi for wi in w for xi in x]
    assert lo == b[0] + fan * min(products) + layer.aux_features * min(aux_products)
    assert hi == b[1] + fan * max(products) + layer.aux_features * max(aux_products)


def _ann_then_aux_output() -> dict:
    """conv1d (ANN, fires) -> dense output with the aux input: IF must equal SSF exactly."""
    return {"name": "ifaux", "timesteps": 7,
            "input": {"channels": 1, "length": 10, "bits": 8, "signed": True},
            "aux_input": {"features": 3, "bits": 8, "signed": False},
            "layers": [{"name": "c", "kind": "conv1d", "out_channels": 3, "kernel": 3,
                        "padding": 1},
                       {"name": "o", "kind": "dense", "out_features": 4, "role": "output",
                        "aux_input": True}]}


@pytest.mark.parametrize("seed", range(5))
def test_if_reference_with_aux_equals_ssf_when_only_the_ann_layer_fires(seed):
    """Only layer 0 fires, so IF and SSF give the same scores (if_reference's theorem); the
    IF weight reads are T x layer 0's MACs plus, per input spike, its fan-out, plus the aux
    weights once."""
    rng = np.random.default_rng(seed)
    desc = _ann_then_aux_output()
    model = calibrate(desc, random_weights(desc, rng), rng)
    x = inputs_for(model, rng)
    aux = aux_for(model, rng, len(x))
    ssf, ifr = run(model, x, aux=aux), run_if(model, x, aux=aux)
    assert np.array_equal(ssf.scores, ifr.scores)
    counts = ssf.activations[0]                       # (N, 3, 10) spike counts of layer 0
    out = model.layers[1]
    hand = 7 * model.layers[0].macs + counts.sum(axis=(1, 2)) * out.out_channels \
        + out.out_channels * 3
    assert ifr.weight_reads.tolist() == hand.tolist()


def test_if_reference_with_aux_on_a_hidden_layer_equals_ssf_for_constant_current():
    """A hidden aux layer whose inputs fire at every step or at none, with bias and aux
    charge multiples of T, gets a constant current: IF equals SSF (if_reference's theorem)."""
    t = 5
    desc = {"name": "h", "timesteps": t,
            "input": {"channels": 1, "length": 2, "bits": 8, "signed": True},
            "aux_input": {"features": 2, "bits": 8, "signed": False},
            "layers": [{"name": "a", "kind": "dense", "out_features": 2, "theta": 1},
                       {"name": "b", "kind": "dense", "out_features": 2, "theta": 3,
                        "aux_input": True},
                       {"name": "o", "kind": "dense", "out_features": 2, "role": "output"}]}
    weights = {"a.weight": np.array([[1, 0], [0, 1]]), "a.bias": np.array([0, 0]),
               "b.weight": np.array([[1, 1], [1, -1]]), "b.bias": np.array([t, -2 * t]),
               "b.aux_weight": np.array([[1, 0], [0, 2]]),
               "o.weight": np.array([[1, 2], [3, -1]]), "o.bias": np.array([0, 0])}
    model = model_from_dict(desc, weights)
    x = np.array([[[100, 0]], [[0, 100]], [[100, 100]], [[0, 0]]]).reshape(4, 1, 2)
    aux = np.array([[t, 2 * t], [0, t], [3 * t, 0], [2 * t, 2 * t]])
    assert np.array_equal(run(model, x, aux=aux).scores, run_if(model, x, aux=aux).scores)


# ---------------------------------------------------------------------------------------------
# Descriptor validation


def _base() -> tuple[dict, dict]:
    desc = {"name": "aux", "timesteps": 3,
            "input": {"channels": 1, "length": 4, "bits": 8},
            "aux_input": {"features": 2, "bits": 12, "signed": False},
            "layers": [{"name": "c", "kind": "conv1d", "out_channels": 2, "kernel": 2,
                        "theta": 4},
                       {"name": "d", "kind": "dense", "out_features": 3, "theta": 8,
                        "aux_input": True},
                       {"name": "o", "kind": "dense", "out_features": 2, "role": "output"}]}
    weights = {"c.weight": np.ones((2, 1, 2), int), "c.bias": np.zeros(2, int),
               "d.weight": np.ones((3, 6), int), "d.bias": np.zeros(3, int),
               "d.aux_weight": np.ones((3, 2), int),
               "o.weight": np.ones((2, 3), int), "o.bias": np.zeros(2, int)}
    return desc, weights


def test_base_aux_model_is_valid_and_round_trips(tmp_path):
    desc, weights = _base()
    model = model_from_dict(desc, weights)
    assert model.aux_layer.name == "d" and model.aux_input.features == 2
    assert model.n_weights == 2 * 2 + 3 * (6 + 2) + 2 * 3
    for suffix in (".toml", ".json"):
        loaded = load_model(save_model(model, tmp_path / f"m{suffix}"))
        assert loaded.aux_input == model.aux_input
        assert np.array_equal(loaded.aux_layer.aux_weight, weights["d.aux_weight"])


def _mutate(path: tuple, value) -> tuple[dict, dict]:
    desc, weights = _base()
    return _set(desc, path, value), weights

DESCRIPTOR_CASES = [
    (("aux_input",), 4, "aux_input", "must be a table"),
    (("aux_input", "features"), 0, "aux_input.features", "must be in 1..64"),
    (("aux_input", "features"), 65, "aux_input.features", "must be in 1..64"),
    (("aux_input", "features"), DELETE, "aux_input.features", "is required"),
    (("aux_input", "features"), 2.0, "aux_input.features", "must be an integer"),
    (("aux_input", "bits"), 1, "aux_input.bits", "must be in 2..16"),
    (("aux_input", "bits"), 17, "aux_input.bits", "must be in 2..16"),
    (("aux_input", "bits"), DELETE, "aux_input.bits", "is required"),
    (("aux_input", "signed"), "no", "aux_input.signed", "must be true or false"),
    (("aux_input", "width"), 3, "aux_input.width", "unknown key"),
    (("layers", 1, "aux_input"), "yes", "layers[1].aux_input", "must be true or false"),
    (("layers", 1, "aux_input"), False, "aux_input", "no layer receives the aux input"),
    (("layers", 0, "aux_input"), True, "layers[0].aux_input", "only a dense layer"),
    (("layers", 2, "aux_input"), True, "layers[2].aux_input", "only one layer"),
]


@pytest.mark.parametrize("path,value,field,reason", DESCRIPTOR_CASES,
                         ids=[f"{c[2]}-{c[3][:12]}" for c in DESCRIPTOR_CASES])
def test_malformed_aux_descriptor_names_the_field(path, value, field, reason):
    desc, weights = _mutate(path, value)
    with pytest.raises(DescriptorError) as e:
        model_from_dict(desc, weights)
    assert e.value.field == field and reason in e.value.reason, str(e.value)


def test_aux_flag_without_aux_table_is_refused():
    desc, weights = _base()
    del desc["aux_input"]
    with pytest.raises(DescriptorError, match=r"layers\[1\]\.aux_input: the model declares no "
                                              r"\[aux_input\] table"):
        model_from_dict(desc, weights)


@pytest.mark.parametrize("change,match", [
    (lambda w: w.pop("d.aux_weight"), r"weights\['d.aux_weight'\]: missing \(shape \[3, 2\]"),
    (lambda w: w.update({"d.aux_weight": np.ones((3, 3), int)}), "shape .* does not match"),
    (lambda w: w.update({"d.aux_weight": np.full((3, 2), 128)}), "out of range -128..127"),
    (lambda w: w.update({"d.aux_weight": np.ones((3, 2))}), "has dtype float64"),
    (lambda w: w.update({"o.aux_weight": np.ones((2, 2), int)}), "unknown array"),
])
def test_malformed_aux_weights_name_the_array(change, match):
    desc, weights = _base()
    change(weights)
    with pytest.raises(DescriptorError, match=match):
        model_from_dict(desc, weights)


# ---------------------------------------------------------------------------------------------
# Inputs, CLI and the hardware generator


@pytest.mark.parametrize("aux,match", [
    (None, "needs an aux input of 2 integers"),
    (np.zeros((2, 3), int), r"shape \[2, 3\] does not match: \(2, 2\) expected"),
    (np.zeros((3, 2), int), r"shape \[3, 2\] does not match: \(2, 2\) expected"),
    (np.full((2, 2), 4096), r"must be in 0..4095 \(12-bit unsigned\)"),
    (np.full((2, 2), -1), r"must be in 0..4095"),
    (np.full((2, 2), 0.5), "must be integers"),
])
def test_bad_aux_values_are_refused(aux, match):
    model = model_from_dict(*_base())
    with pytest.raises(SparrowError, match=match):
        run(model, np.zeros((2, 1, 4), int), aux=aux)


def test_model_without_aux_refuses_an_aux_vector():
    desc, weights = _base()
    del desc["aux_input"], desc["layers"][1]["aux_input"], weights["d.aux_weight"]
    model = model_from_dict(desc, weights)
    with pytest.raises(SparrowError, match="has no aux input"):
        run(model, np.zeros((1, 1, 4), int), aux=np.zeros((1, 2), int))


def test_cli_run_reads_x_and_aux_from_an_npz(tmp_path, capsys):
    model = model_from_dict(*_base())
    path = save_model(model, tmp_path / "m.toml")
    rng = np.random.default_rng(0)
    x = rng.integers(-128, 128, (4, 1, 4))
    aux = rng.integers(0, 4096, (4, 2))
    np.savez(tmp_path / "in.npz", x=x, aux=aux)
    assert main(["run", str(path), "--inputs", str(tmp_path / "in.npz"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    expected = [plain_forward(model, x[i].tolist(), aux[i].tolist())[0] for i in range(4)]
    assert report["scores"] == expected
    assert report["per_inference"]["macs"] == model.macs == 2 * 3 * 2 + 3 * 8 + 2 * 3
    # The aux vector is required for this model, and named when missing.
    np.save(tmp_path / "x.npy", x)
    assert main(["run", str(path), "--inputs", str(tmp_path / "x.npy")]) == 1
    assert "needs an aux input of 2 integers" in capsys.readouterr().err
    np.savez(tmp_path / "bad.npz", samples=x)
    assert main(["run", str(path), "--inputs", str(tmp_path / "bad.npz")]) == 1
    assert "must hold the arrays x" in capsys.readouterr().err


def test_cli_check_and_random_run_with_aux(tmp_path, capsys):
    path = save_model(model_from_dict(*_base()), tmp_path / "m.toml")
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "aux input: 2 values of 12-bit unsigned, joined at layer d" in out
    assert main(["run", str(path), "--random", "3", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["predictions"]) == 3


def test_generator_builds_the_aux_input_and_sim_takes_it(tmp_path, capsys):
    """The ssf core of an aux model: the manifest lists the aux stream, its buffer and the aux
    weight words; ``sparrow sim`` (Icarus) takes x and aux from an .npz and is bit-exact; a
    missing, misshapen or out-of-range aux array is one clear line; the if variant refuses."""
    model = model_from_dict(*_base())
    plan = plan_core(model, lanes=2, mode="loadable")
    manifest = plan.manifest()
    assert manifest["aux_input"]["features"] == 2 and manifest["aux_input"]["layer"] == "d"
    assert manifest["memories"]["aux_buffer"] == {"words": 2, "bits_per_word": 12, "bits": 24}
    # Layer d: 2 groups of 6 taps + 2 aux words; its config region holds them all.
    d = plan.layers[1]
    assert (d.aux_words, d.weight_words) == (2, 2 * (6 + 2))
    words = plan.weight_words(d)
    assert words[6:8].tolist() == [[1, 1], [1, 1]] and words[14:16].tolist() == [[1, 0]] * 2
    path = save_model(model, tmp_path / "m.toml")
    rng = np.random.default_rng(3)
    x = rng.integers(-128, 128, (3, 1, 4))
    aux = np.array([[0, 4095], [17, 0], [2000, 3]])
    np.savez(tmp_path / "in.npz", x=x, aux=aux)
    assert main(["sim", str(path), "--inputs", str(tmp_path / "in.npz"), "--lanes", "2",
                 "--mode", "loadable", "--work", str(tmp_path / "sim")]) == 0
    out = capsys.readouterr().out
    assert "bit-exact: 3/3 inferences" in out
    manifest = json.loads((tmp_path / "sim" / "design" / "manifest.json").read_text())
    assert manifest["ports"]["aux"]["bits"] == 12
    np.save(tmp_path / "x.npy", x)
    for name, arrays, message in (
            ("x.npy", None, "aux: model aux needs an aux input of 2 integers"),
            ("shape.npz", {"x": x, "aux": aux[:, :1]}, "aux: shape [3, 1] does not match"),
            ("range.npz", {"x": x, "aux": aux + 4000}, "aux: values must be in 0..4095")):
        if arrays is not None:
            np.savez(tmp_path / name, **arrays)
        assert main(["sim", str(path), "--inputs", str(tmp_path / name), "--work",
                     str(tmp_path / "bad")]) == 1
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    with pytest.raises(HardwareLimitError, match="variant if: model aux joins an aux input at "
                                                 "layer d; the integrate-and-fire core has no "
                                                 "aux path"):
        plan_core(model, variant="if")


def test_flow_carries_the_aux_vectors_to_the_rtl_simulation(tmp_path, capsys):
    """``sparrow flow`` keeps the aux vectors beside the samples (view ``inputs``) and the RTL
    step drives them: the first ``--inferences`` of an .npz, bit-exact."""
    model = model_from_dict(*_base())
    path = save_model(model, tmp_path / "m.toml")
    rng = np.random.default_rng(5)
    x, aux = rng.integers(-128, 128, (4, 1, 4)), rng.integers(0, 4096, (4, 2))
    np.savez(tmp_path / "in.npz", x=x, aux=aux)
    run_dir = tmp_path / "run"
    assert main(["flow", str(path), "--inputs", str(tmp_path / "in.npz"), "--inferences", "3",
                 "-o", str(run_dir), "--to", "cocotb.rtl_sim", "--quiet"]) == 0
    capsys.readouterr()
    assert np.array_equal(np.load(run_dir / "aux.npy"), aux[:3])
    assert json.loads((run_dir / "metrics.json").read_text())["metrics"]["rtl_sim__inferences"] == 3
