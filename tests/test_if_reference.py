"""The per-timestep IF reference against SSF: where they must agree, where they differ, and
the weight traffic of each (the claims of the module docstring of if_reference.py)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sparrow.model import model_from_dict, run, run_if
from sparrow.model.random_model import random_weights
from test_golden_properties import inputs_for, models, seeds, structures


def _hidden_counts_equal(model, x, ssf, ifr) -> None:
    for layer, a, b in zip(model.layers, ssf.activations, ifr.counts):
        assert np.array_equal(a, b), f"layer {layer.name}"


# ---------------------------------------------------------------------------------------------
# Where IF and SSF agree


@settings(max_examples=80)
@given(models(), seeds)
def test_ann_layer_always_matches_ssf(model, seed):
    """Layer 0's charge is spread evenly (steps differ by at most 1), which keeps every step
    within 0..theta or every step at theta or more: its counts equal SSF for any network."""
    x = inputs_for(model, np.random.default_rng(seed))
    assert np.array_equal(run_if(model, x).counts[0], run(model, x).activations[0])


@settings(max_examples=80)
@given(models(max_hidden=3, kinds=("maxpool1d",)).filter(
    lambda m: sum(layer.fires for layer in m.layers) <= 1), seeds)
def test_network_whose_only_firing_layer_is_layer0_matches_ssf(model, seed):
    """Layer 0 fires, max-pooling may follow, then the output layer integrates the whole
    window's charge: the scores are the SSF scores."""
    x = inputs_for(model, np.random.default_rng(seed))
    ssf, ifr = run(model, x), run_if(model, x)
    assert np.array_equal(ifr.scores, ssf.scores)
    assert np.array_equal(ifr.predictions, ssf.predictions)
    _hidden_counts_equal(model, x, ssf, ifr)


@st.composite
def constant_current_networks(draw):
    """Deep networks in which every firing layer receives a constant current.

    Inputs and every bias are multiples of T, and every firing layer but the last has
    theta = 1. Then every V is a multiple of T, so those layers' counts are 0 or T: each
    neuron fires at every step or never, a constant spike train, and the next layer's current
    W s + b/T is the same at every step. The last firing layer has any theta (its input
    current is constant; its own output train need not be, and only the output layer, which
    integrates, follows it).
    """
    desc = draw(structures(max_hidden=4))
    t = desc["timesteps"]
    desc["input"].update(bits=16, signed=True)
    rng = np.random.default_rng(draw(seeds))
    weights = random_weights(desc, rng)
    firing = [i for i, layer in enumerate(desc["layers"])
              if layer["kind"] != "maxpool1d" and layer.get("role") != "output"]
    for i, layer in enumerate(desc["layers"]):
        if layer["kind"] == "maxpool1d":
            continue
        layer["bias_bits"] = 16
        unit = (2**15 - 1) // t
        bias = weights[f"{layer['name']}.bias"]
        weights[f"{layer['name']}.bias"] = t * rng.integers(-unit // 4, unit // 4 + 1,
                                                            size=bias.shape)
        if i in firing:
            layer["theta"] = draw(st.integers(1, 60)) if i == firing[-1] else 1
    model = model_from_dict(desc, weights)
    span = (2**15 - 1) // t
    x = t * rng.integers(-span, span + 1, size=(6, *model.input.shape))
    return model, x, firing


@settings(max_examples=100)
@given(constant_current_networks())
def test_constant_current_gives_ssf_counts(case):
    model, x, firing = case
    t = model.timesteps
    ssf, ifr = run(model, x), run_if(model, x)
    # The premise: every firing layer before the last emits constant trains (count 0 or T).
    for i in firing[:-1]:
        assert np.isin(ifr.counts[i], (0, t)).all()
    _hidden_counts_equal(model, x, ssf, ifr)
    assert np.array_equal(ifr.scores, ssf.scores)


# ---------------------------------------------------------------------------------------------
# Where they differ


def _two_hidden_layers(hidden_weights: list[int]):
    """T = 4. Layer 0 (theta 16, input ignored) has two neurons with charge 64 and 16: A gets
    16 per step and fires at every step (count 4); B gets 4 per step and fires once, at the
    last step (count 1). Layer 1 has one neuron (theta 31) reading A and B with
    ``hidden_weights``; the output layer copies its count into the score."""
    desc = {"name": "differ", "timesteps": 4,
            "input": {"channels": 1, "length": 1, "bits": 8},
            "layers": [{"name": "l0", "kind": "dense", "out_features": 2, "theta": 16},
                       {"name": "l1", "kind": "dense", "out_features": 1, "theta": 31},
                       {"name": "out", "kind": "dense", "out_features": 1, "role": "output"}]}
    weights = {"l0.weight": np.zeros((2, 1), dtype=np.int64), "l0.bias": np.array([64, 16]),
               "l1.weight": np.array([hidden_weights]), "l1.bias": np.array([0]),
               "out.weight": np.array([[1]]), "out.bias": np.array([0])}
    return model_from_dict(desc, weights)


def test_if_fires_more_than_ssf_when_negative_current_comes_late():
    """Weights (31, -124): currents 31, 31, 31, 31 - 124 = -93. IF fires at steps 0..2 and
    keeps those spikes (3); SSF sums first: V = 4*31 - 124 = 0, count 0."""
    model = _two_hidden_layers([31, -124])
    x = np.zeros((1, 1, 1), dtype=np.int64)
    ssf, ifr = run(model, x), run_if(model, x)
    assert ifr.counts[0].ravel().tolist() == ssf.activations[0].ravel().tolist() == [4, 1]
    assert ifr.counts[1].ravel().tolist() == [3]
    assert ssf.activations[1].ravel().tolist() == [0]
    assert ifr.scores.tolist() == [[3]] and ssf.scores.tolist() == [[0]]


def test_if_fires_less_than_ssf_when_current_arrives_late():
    """Weights (0, 93): currents 0, 0, 0, 93. IF can spike once in the last step (1); SSF
    gives floor(93 / 31) = 3."""
    model = _two_hidden_layers([0, 93])
    x = np.zeros((1, 1, 1), dtype=np.int64)
    ssf, ifr = run(model, x), run_if(model, x)
    assert ifr.counts[1].ravel().tolist() == [1]
    assert ssf.activations[1].ravel().tolist() == [3]


# ---------------------------------------------------------------------------------------------
# Weight traffic


def hand_macs(layer) -> int:
    if layer.kind == "dense":
        return layer.out_channels * layer.in_channels * layer.in_length
    if layer.kind == "maxpool1d":
        return 0
    valid = sum(1 for q in range(layer.out_length) for j in range(layer.kernel)
                if 0 <= q * layer.stride + j - layer.padding < layer.in_length)
    return layer.out_channels * layer.in_channels * valid


def hand_event_reads(layer, counts: np.ndarray) -> int:
    """Event-driven reads of a later layer over the window: every input spike reads the
    weights it meets, one per output channel and receptive field that holds it."""
    total = 0
    if layer.kind == "dense":
        return int(counts.sum()) * layer.out_channels
    for q in range(layer.out_length):
        for j in range(layer.kernel):
            pos = q * layer.stride + j - layer.padding
            if 0 <= pos < layer.in_length:
                total += int(counts[:, pos].sum())
    return total * layer.out_channels


@settings(max_examples=60)
@given(structures(), st.integers(1, 255), seeds)
def test_ssf_weight_reads_do_not_depend_on_t(desc, other_t, seed):
    rng = np.random.default_rng(seed)
    weights = random_weights(desc, rng)
    for layer in desc["layers"]:
        if layer["kind"] != "maxpool1d" and layer.get("role") != "output":
            layer["theta"] = int(rng.integers(1, 200))
    reads = []
    for t in (desc["timesteps"], other_t):
        model = model_from_dict(dict(desc, timesteps=t), weights)
        result = run(model, inputs_for(model, rng))
        assert [s.weight_reads for s in result.layers] == [hand_macs(l) for l in model.layers]
        reads.append(result.weight_reads)
    assert reads[0] == reads[1] == sum(hand_macs(l) for l in model.layers)


@settings(max_examples=60)
@given(models(), seeds)
def test_if_weight_reads_are_event_driven(model, seed):
    x = inputs_for(model, np.random.default_rng(seed), n=4)
    ifr = run_if(model, x)
    t = model.timesteps
    for i in range(len(x)):
        expected = [t * hand_macs(model.layers[0])]
        for layer, counts_in in zip(model.layers[1:], ifr.counts):
            expected.append(hand_event_reads(layer, counts_in[i]) if layer.has_weights else 0)
        assert [int(r[i]) for r in ifr.weight_reads_per_layer] == expected
        assert int(ifr.weight_reads[i]) == sum(expected)


@settings(max_examples=60)
@given(structures(kinds=("dense",)), seeds)
def test_if_weight_reads_closed_form_dense(desc, seed):
    """Dense only: T * MACs of layer 0 + sum over later layers of out_features times the
    spikes the layer receives."""
    rng = np.random.default_rng(seed)
    weights = random_weights(desc, rng)
    for layer in desc["layers"][:-1]:
        layer["theta"] = int(rng.integers(1, 50))
    model = model_from_dict(desc, weights)
    x = inputs_for(model, rng, n=4)
    ifr = run_if(model, x)
    t, layers = model.timesteps, model.layers
    macs0 = layers[0].out_channels * layers[0].in_channels * layers[0].in_length
    for i in range(len(x)):
        expected = t * macs0 + sum(layer.out_channels * int(ifr.counts[k][i].sum())
                                   for k, layer in enumerate(layers[1:]))
        assert int(ifr.weight_reads[i]) == expected
