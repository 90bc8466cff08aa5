"""Properties of the golden model over random valid descriptors and inputs.

Every check compares against an independent source: the plain per-sample reference
(Python integers and loops), closed-form values computed here from the descriptor's bit
widths and shapes, or Python's own integer arithmetic.

The strategies here (``structures``, ``models``, ``inputs_for``) are also used by the other
model tests.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sparrow.model import (InputSpec, accumulator_bits, accumulator_range, model_from_dict,
                           plain_forward, run)
from sparrow.model.golden import accumulator_bound, fire, weighted_sum
from sparrow.model.random_model import calibrate, random_weights

# ---------------------------------------------------------------------------------------------
# Strategies


@st.composite
def structures(draw, *, max_hidden: int = 3, max_length: int = 24,
               kinds: tuple[str, ...] = ("conv1d", "maxpool1d", "dense")) -> dict:
    """A descriptor dict without thresholds: T 1..255, 2..16-bit signed or unsigned input,
    1..3 channels, conv1d/maxpool1d/dense mixes with padding and stride, 2..8-bit weights.
    Hidden layers after the first are of ``kinds`` (the first is conv1d or dense)."""
    desc = {
        "name": "prop",
        "timesteps": draw(st.integers(1, 255)),
        "input": {"channels": draw(st.integers(1, 3)), "length": draw(st.integers(1, max_length)),
                  "bits": draw(st.integers(2, 16)), "signed": draw(st.booleans())},
        "layers": [],
    }
    length = desc["input"]["length"]
    flat = False
    n_hidden = draw(st.integers(0, max_hidden))
    for i in range(n_hidden + 1):
        last = i == n_hidden
        if flat:
            options = ["dense"]
        elif last:
            options = [k for k in ("dense", "conv1d") if k in kinds] or ["dense"]
        elif i == 0:        # the ANN layer sees raw samples: conv1d or dense
            options = [k for k in kinds if k != "maxpool1d"] or ["conv1d", "dense"]
        else:
            options = list(kinds)
        kind = draw(st.sampled_from(options))
        layer = {"name": f"l{i}", "kind": kind}
        if kind == "conv1d":
            k = draw(st.integers(1, 5))
            pad = draw(st.integers(0, k - 1))
            k = min(k, length + 2 * pad)
            stride = draw(st.integers(1, 3))
            layer.update(out_channels=draw(st.integers(1, 5)), kernel=k, stride=stride,
                         padding=pad)
            length = (length + 2 * pad - k) // stride + 1
        elif kind == "maxpool1d":
            k = draw(st.integers(1, min(3, length)))
            stride = draw(st.integers(1, 3))
            layer.update(kernel=k, stride=stride)
            length = (length - k) // stride + 1
        else:
            layer["out_features"] = draw(st.integers(1, 6))
            length, flat = 1, True
        if kind != "maxpool1d":
            layer["weight_bits"] = draw(st.integers(2, 8))
            layer["bias_bits"] = draw(st.integers(2, 16))
        if last:
            layer["role"] = "output"
        desc["layers"].append(layer)
    return desc


@st.composite
def models(draw, **kwargs):
    """A valid model: random weights, thresholds calibrated on random inputs (power of two or
    not, scalar or per channel)."""
    desc = draw(structures(**kwargs))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    weights = random_weights(desc, rng, negative_bias=draw(st.sampled_from([0.0, 0.5, 2.0])))
    return calibrate(desc, weights, rng, samples=16,
                     pow2=draw(st.sampled_from([0.0, 0.5, 1.0])),
                     per_channel=draw(st.sampled_from([0.0, 0.5, 1.0])))


def inputs_for(model, rng: np.random.Generator, n: int = 6) -> np.ndarray:
    """Random samples plus the extremes: all minimum, all maximum, all zero."""
    lo, hi = model.input.min_value, model.input.max_value
    x = rng.integers(lo, hi + 1, size=(n + 3, *model.input.shape))
    x[0], x[1], x[2] = lo, hi, 0
    return x


seeds = st.integers(0, 2**32 - 1)


# ---------------------------------------------------------------------------------------------
# Hand formulas (independent of the code under test)


def hand_fan_in(layer) -> int:
    """Most products summed into one V: counted position by position."""
    if layer.kind == "dense":
        return layer.in_channels * layer.in_length
    best = 0
    for q in range(layer.out_length):
        valid = sum(1 for j in range(layer.kernel)
                    if 0 <= q * layer.stride + j - layer.padding < layer.in_length)
        best = max(best, valid)
    return layer.in_channels * best


def hand_synops(layer, sample: list[list[int]]) -> int:
    """Products with a non-zero input, over all outputs: loops over the receptive fields."""
    total = 0
    if layer.kind == "dense":
        return layer.out_channels * sum(1 for row in sample for v in row if v != 0)
    for q in range(layer.out_length):
        for c in range(layer.in_channels):
            for j in range(layer.kernel):
                pos = q * layer.stride + j - layer.padding
                if 0 <= pos < layer.in_length and sample[c][pos] != 0:
                    total += 1
    return total * layer.out_channels


def python_fire(v: int, theta: int, timesteps: int) -> int:
    """clamp(floor(v / theta), 0, T) with Python integers (// floors toward minus infinity)."""
    return min(max(v // theta, 0), timesteps)


# ---------------------------------------------------------------------------------------------
# Golden == plain reference


@settings(max_examples=150)
@given(models(), seeds)
def test_golden_equals_plain_reference_everywhere(model, seed):
    x = inputs_for(model, np.random.default_rng(seed))
    result = run(model, x)
    for i, sample in enumerate(x):
        scores, prediction, outputs = plain_forward(model, sample.tolist())
        assert result.scores[i].tolist() == scores
        assert int(result.predictions[i]) == prediction
        assert len(result.activations) == len(outputs)
        for layer, got, expected in zip(model.layers, result.activations, outputs):
            assert got[i].tolist() == expected, f"sample {i}, layer {layer.name}"


@settings(max_examples=60)
@given(models(), seeds)
def test_counters_equal_hand_counts(model, seed):
    x = inputs_for(model, np.random.default_rng(seed), n=3)
    result = run(model, x)
    for i, sample in enumerate(x):
        _, _, outputs = plain_forward(model, sample.tolist())
        a = sample.tolist()
        for layer, stats, out in zip(model.layers, result.layers, outputs):
            values = [v for row in out for v in row]
            expected_synops = hand_synops(layer, a) if layer.has_weights else 0
            assert int(stats.synops[i]) == expected_synops, layer.name
            assert int(stats.nonzero[i]) == sum(1 for v in values if v != 0)
            assert stats.neurons == len(values)
            spikes = 0 if layer.is_output else sum(values)
            assert int(stats.spikes[i]) == spikes
            assert stats.spike_rate[i] == spikes / (len(values) * model.timesteps)
            assert stats.sparsity[i] == 1.0 - sum(1 for v in values if v != 0) / len(values)
            a = out


# ---------------------------------------------------------------------------------------------
# Accumulator range: tight, fits its width, never exceeded


def _extremes(model, layer):
    a = ((model.input.min_value, model.input.max_value) if layer.index == 0
         else (0, model.timesteps))
    w = (-(1 << (layer.weight_bits - 1)), (1 << (layer.weight_bits - 1)) - 1)
    b = (-(1 << (layer.bias_bits - 1)), (1 << (layer.bias_bits - 1)) - 1)
    return a, w, b


@settings(max_examples=120)
@given(models())
def test_accumulator_range_is_tight_and_fits_its_width(model):
    for layer in model.layers:
        if not layer.has_weights:
            continue
        (a_lo, a_hi), (w_lo, w_hi), (b_lo, b_hi) = _extremes(model, layer)
        corners = {(w, a): w * a for w in (w_lo, w_hi) for a in (a_lo, a_hi)}
        w_max, a_max = max(corners, key=corners.get)
        w_min, a_min = min(corners, key=corners.get)
        fan_in = hand_fan_in(layer)
        hi = b_hi + fan_in * corners[(w_max, a_max)]
        lo = b_lo + fan_in * corners[(w_min, a_min)]
        assert accumulator_range(model, layer) == (lo, hi)

        bits = accumulator_bits(model, layer)
        assert -(1 << (bits - 1)) <= lo and hi <= (1 << (bits - 1)) - 1
        assert not (-(1 << (bits - 2)) <= lo and hi <= (1 << (bits - 2)) - 1), "not minimal"

        # Adversarial weights, inputs and bias reach each end exactly.
        shape = (1, *layer.in_shape)
        for w, a, b, end in ((w_max, a_max, b_hi, hi), (w_min, a_min, b_lo, lo)):
            adv = replace(layer, weight=np.full(layer.weight.shape, w),
                          bias=np.full(layer.bias.shape, b))
            v = weighted_sum(model, adv, np.full(shape, a))
            reached = v.max() if end == hi else v.min()
            assert reached == end
            assert lo <= v.min() and v.max() <= hi
            if len(model.layers) == 1:       # the same through run(): V are the scores
                one = replace(model, layers=(adv,))
                scores = run(one, np.full(shape, a)).scores
                assert (scores.max() if end == hi else scores.min()) == end


@settings(max_examples=80)
@given(models(), seeds)
def test_golden_never_leaves_the_accumulator_range(model, seed):
    x = inputs_for(model, np.random.default_rng(seed), n=20)
    result = run(model, x)
    a = x
    for layer, out in zip(model.layers, result.activations):
        if layer.has_weights:
            lo, hi = accumulator_range(model, layer)
            v = weighted_sum(model, layer, a)
            assert lo <= v.min() and v.max() <= hi
        a = out


# ---------------------------------------------------------------------------------------------
# Argmax: the lowest index wins a tie


@settings(max_examples=80)
@given(st.data())
def test_argmax_tie_goes_to_the_lowest_index(data):
    classes = data.draw(st.integers(2, 8))
    conv = data.draw(st.booleans())
    bias = data.draw(st.lists(st.integers(-100, 100), min_size=classes, max_size=classes))
    tied = data.draw(st.lists(st.integers(0, classes - 1), min_size=2, max_size=classes,
                              unique=True))
    top = data.draw(st.integers(-100, 100))
    bias = [top if i in tied else min(b, top - 1) for i, b in enumerate(bias)]
    length = 3
    layer = ({"name": "out", "kind": "conv1d", "out_channels": classes, "kernel": 1,
              "role": "output", "bias_bits": 10} if conv else
             {"name": "out", "kind": "dense", "out_features": classes, "role": "output",
              "bias_bits": 10})
    desc = {"name": "ties", "timesteps": 3,
            "input": {"channels": 1, "length": length, "bits": 8}, "layers": [layer]}
    wshape = (classes, 1, 1) if conv else (classes, length)
    model = model_from_dict(desc, {"out.weight": np.zeros(wshape, dtype=np.int64),
                                   "out.bias": np.array(bias)})
    x = np.random.default_rng(0).integers(-128, 128, size=(4, 1, length))
    # Zero weights: every score of channel c is bias[c]; scores are channel-major, so the
    # first maximum is position 0 of the lowest tied channel.
    expected = min(tied) * (length if conv else 1)
    result = run(model, x)
    assert result.predictions.tolist() == [expected] * len(x)
    for sample in x:
        scores, prediction, _ = plain_forward(model, sample.tolist())
        assert prediction == scores.index(max(scores)) == expected


# ---------------------------------------------------------------------------------------------
# Fire


@settings(max_examples=300)
@given(st.integers(1, 255), st.lists(st.integers(1, 2**31 - 1), min_size=1, max_size=4),
       st.data())
def test_fire_matches_integer_floor_and_clamp(timesteps, theta, data):
    """Integer V of any size, and float V (float32 and float64, as the fast path hands them
    over) at the hazards: V = k*theta - 1, k*theta, k*theta + 1 around every count k."""
    th = np.array(theta, dtype=np.int64)
    values = []
    for t in theta:
        ks = data.draw(st.lists(st.integers(-2, timesteps + 2), min_size=1, max_size=6))
        values.append([k * t + d for k in ks for d in (-1, 0, 1)]
                      + data.draw(st.lists(st.integers(-2**40, 2**40), max_size=4)))
    width = max(len(v) for v in values)
    v = np.array([row + [0] * (width - len(row)) for row in values], dtype=np.int64)[None]
    expected = [[python_fire(int(x), t, timesteps) for x in row] for row, t in zip(v[0], theta)]
    assert fire(v, th, timesteps).tolist() == [expected]
    for dtype, limit in ((np.float32, 2**24), (np.float64, 2**53)):
        exact = np.abs(v) < limit                       # values the float format holds exactly
        got = fire(v.astype(dtype), th, timesteps)
        assert np.array_equal(got[exact], np.array([expected])[exact]), dtype


def test_fire_edges_by_hand():
    th = np.array([4, 3], dtype=np.int64)
    v = np.array([[[-5, -1, 0, 3, 4, 7, 8, 40]], [[-4, -3, 2, 3, 5, 6, 8, 9]]]).transpose(1, 0, 2)
    # negative V -> 0; floor(7/4) = 1; V >= T*theta -> T (T = 2)
    assert fire(v, th, 2).tolist() == [[[0, 0, 0, 0, 1, 1, 2, 2], [0, 0, 0, 1, 1, 2, 2, 2]]]
    assert fire(v.astype(np.float32), th, 2).tolist() == fire(v, th, 2).tolist()


# ---------------------------------------------------------------------------------------------
# Batch independence


@settings(max_examples=60)
@given(models(), seeds)
def test_a_batch_equals_its_samples_run_alone(model, seed):
    x = inputs_for(model, np.random.default_rng(seed), n=5)
    batch = run(model, x)
    for i in range(len(x)):
        alone = run(model, x[i])
        assert np.array_equal(alone.scores[0], batch.scores[i])
        assert alone.predictions[0] == batch.predictions[i]
        for a, b in zip(alone.activations, batch.activations):
            assert np.array_equal(a[0], b[i])
        for a, b in zip(alone.layers, batch.layers):
            for name in ("synops", "nonzero", "spikes", "spike_rate", "sparsity"):
                assert getattr(a, name)[0] == getattr(b, name)[i], name


# ---------------------------------------------------------------------------------------------
# The float fast path is exact on both sides of its limits


def _dense_model(taps: int, bias_bits: int, unsigned_bits: int, weights: list[int],
                 bias: int) -> object:
    desc = {"name": "bound", "timesteps": 1,
            "input": {"channels": 1, "length": taps, "bits": unsigned_bits, "signed": False},
            "layers": [{"name": "out", "kind": "dense", "out_features": 1, "role": "output",
                        "weight_bits": 8, "bias_bits": bias_bits}]}
    return model_from_dict(desc, {"out.weight": np.array([weights]),
                                  "out.bias": np.array([bias])})


def _assert_equals_plain(model, x):
    result = run(model, x)
    for i, sample in enumerate(x):
        scores, prediction, _ = plain_forward(model, sample.tolist())
        assert result.scores[i].tolist() == scores
        assert int(result.predictions[i]) == prediction


def test_exact_just_below_float32_limit():
    # 16-bit unsigned samples (max 65535) times 8-bit weights (min -128), two taps, 2-bit bias:
    # bound 2*128*65535 + 2 = 16776962, 254 below 2**24: the float32 path.
    model = _dense_model(2, 2, 16, [-128, -127], -2)
    assert accumulator_bound(model, model.layers[0]) == 2 * 128 * 65535 + 2 < 2**24
    x = np.array([[[65535, 65535]], [[65535, 65533]], [[65533, 1]], [[0, 0]]])
    _assert_equals_plain(model, x)
    assert run(model, x[:1]).scores[0, 0] == -128 * 65535 - 127 * 65535 - 2


def test_exact_above_float32_limit():
    # Three taps of 127 * 65535 = 8322945: sums up to 24968835, odd and above 2**24, where
    # float32 holds only even integers. Bound 3*128*65535 + 512 forces float64.
    model = _dense_model(3, 10, 16, [127, 127, 127], 510)
    bound = accumulator_bound(model, model.layers[0])
    assert bound == 3 * 128 * 65535 + 512 and 2**24 <= bound < 2**53
    x = np.array([[[65535, 65535, 65535]], [[65535, 65534, 65535]], [[1, 65535, 65535]]])
    assert float(np.float32(3 * 127 * 65535 + 510)) != 3 * 127 * 65535 + 510   # float32 fails
    _assert_equals_plain(model, x)
    assert run(model, x[:1]).scores[0, 0] == 3 * 127 * 65535 + 510


def test_exact_above_float64_limit():
    """No valid descriptor gets there (the limits cap the bound near 2**47), so widen a valid
    model's bit widths directly: 31-bit samples times 24-bit weights over 4 taps give odd
    V near 2**56, which float64 cannot hold; only the int64 path is exact."""
    desc = {"name": "wide", "timesteps": 7,
            "input": {"channels": 1, "length": 4, "bits": 16},
            "layers": [{"name": "hid", "kind": "dense", "out_features": 2, "theta": 1},
                       {"name": "out", "kind": "dense", "out_features": 2, "role": "output"}]}
    zero = {"hid.weight": np.zeros((2, 4), dtype=np.int64), "hid.bias": np.zeros(2, np.int64),
            "out.weight": np.zeros((2, 2), dtype=np.int64), "out.bias": np.zeros(2, np.int64)}
    base = model_from_dict(desc, zero)
    wide_input = InputSpec(channels=1, length=4, bits=32)
    w_hi, big = (1 << 23) - 1, (1 << 31) - 1
    weight = np.array([[w_hi, w_hi, w_hi, w_hi - 2], [w_hi, -w_hi, w_hi, 1]])
    x = np.array([[[big, big, big, big]], [[big, -big, 12345, 1]], [[-big, 3, big, -7]]])
    v = [int(w_hi) * big * 3 + (w_hi - 2) * big + 1, int(w_hi) * big + big + 1]
    assert all(float(value) != value for value in v)       # float64 cannot hold these V

    # One output layer: the scores are the V themselves.
    out0 = replace(base.layers[1], index=0, in_shape=(1, 4), weight_bits=24, weight=weight,
                   bias=np.array([1, 1]))
    scores_only = replace(base, input=wide_input, layers=(out0,))
    assert accumulator_bound(scores_only, out0) >= 2**53
    _assert_equals_plain(scores_only, x)
    assert run(scores_only, x[:1]).scores[0].tolist() == v

    # A hidden layer whose thresholds put each V one step from a count boundary
    # (V = 2*theta - 1 and V = theta): rounding V either way changes a count.
    theta = np.array([(v[0] + 1) // 2, v[1]])
    hid = replace(base.layers[0], weight_bits=24, weight=weight, bias=np.array([1, 1]),
                  theta=theta)
    out = replace(base.layers[1], weight=np.array([[1, 0], [0, 1]]))
    fired = replace(base, input=wide_input, layers=(hid, out))
    _assert_equals_plain(fired, x)
    assert run(fired, x[:1]).activations[0][0, :, 0].tolist() == [1, 1]
