"""Random valid models: for property tests, hardware regression shapes and demo examples.

Thresholds are calibrated on random inputs so that the counts spread over 0..T instead of
all saturating or all staying zero (a model that only ever outputs zeros tests nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .descriptor import Model, model_from_dict


@dataclass(frozen=True)
class ShapeLimits:
    """Bounds for :func:`random_structure`."""

    max_channels: int = 3
    min_length: int = 4
    max_length: int = 40
    max_hidden: int = 4          # layers before the output layer
    max_out: int = 8             # output channels / features of a weighted layer
    max_kernel: int = 5
    max_timesteps: int = 255


def random_structure(rng: np.random.Generator, limits: ShapeLimits = ShapeLimits(),
                     *, kinds: tuple[str, ...] = ("conv1d", "maxpool1d", "dense")
                     ) -> dict[str, Any]:
    """A random descriptor dict (thresholds still missing: see :func:`calibrate`)."""
    t_choices = [t for t in (1, 2, 3, 7, 15, 31, 63, 255) if t <= limits.max_timesteps]
    desc: dict[str, Any] = {
        "name": "random",
        "timesteps": int(rng.choice(t_choices)),
        "input": {"channels": int(rng.integers(1, limits.max_channels + 1)),
                  "length": int(rng.integers(limits.min_length, limits.max_length + 1)),
                  "bits": 8, "signed": True},
        "layers": [],
    }
    c, length = desc["input"]["channels"], desc["input"]["length"]
    flat = False
    n_hidden = int(rng.integers(0, limits.max_hidden + 1))
    for i in range(n_hidden + 1):
        last = i == n_hidden
        if last or flat:
            kind = "dense"        # after a dense layer the activations are flat
        else:
            options = [k for k in kinds if k != "maxpool1d" or (i > 0 and length >= 2)]
            kind = str(rng.choice(options))
        layer: dict[str, Any] = {"name": f"l{i}", "kind": kind}
        if kind == "conv1d":
            k = int(rng.integers(1, min(limits.max_kernel, length + 2) + 1))
            pad = int(rng.integers(0, k)) if rng.random() < 0.5 else 0
            if k > length + 2 * pad:
                k = length + 2 * pad
            stride = int(rng.choice([1, 1, 2]))
            out = int(rng.integers(1, limits.max_out + 1))
            layer.update(out_channels=out, kernel=k, stride=stride, padding=pad)
            length = (length + 2 * pad - k) // stride + 1
            c = out
        elif kind == "maxpool1d":
            k = int(rng.integers(2, min(3, length) + 1))
            stride = int(rng.choice([k, k, 1]))
            layer.update(kernel=k, stride=stride)
            length = (length - k) // stride + 1
        else:
            out = int(rng.integers(1 if not last else 2, limits.max_out + 1))
            layer["out_features"] = out
            c, length, flat = out, 1, True
        if kind != "maxpool1d":
            layer["weight_bits"] = int(rng.choice([2, 4, 8]))
            layer["bias_bits"] = 12
        if last:
            layer["role"] = "output"
        desc["layers"].append(layer)
    return desc


def random_weights(desc: dict[str, Any], rng: np.random.Generator,
                   *, negative_bias: float = 0.0) -> dict[str, np.ndarray]:
    """Uniform weights over each layer's range; small biases (shifted by ``negative_bias``)."""
    probe = model_from_dict(_with_dummy_theta(desc), _zero_weights(desc))
    out = {}
    for layer in probe.layers:
        if not layer.has_weights:
            continue
        lo, hi = layer.weight_range
        out[f"{layer.name}.weight"] = rng.integers(lo, hi + 1, size=layer.weight.shape)
        b_lo, b_hi = layer.bias_range
        # Biases comparable to a typical weighted sum, so they shift V without swamping it.
        a_max = max(abs(probe.input.min_value), probe.input.max_value) if layer.index == 0 \
            else probe.timesteps
        typical = max(abs(lo), hi) * a_max * max(1, int(np.sqrt(layer.taps))) // 4
        scale = max(1, min(b_hi // 8, typical))
        b = rng.integers(-scale, scale + 1, size=layer.bias.shape) - int(negative_bias * scale)
        out[f"{layer.name}.bias"] = np.clip(b, b_lo, b_hi)
        if layer.has_aux:
            out[f"{layer.name}.aux_weight"] = rng.integers(lo, hi + 1,
                                                           size=layer.aux_weight.shape)
    return out


def calibrate(desc: dict[str, Any], weights: dict[str, np.ndarray], rng: np.random.Generator,
              *, samples: int = 64, pow2: float | list[float] = 0.5,
              per_channel: float = 0.2) -> Model:
    """Set each firing layer's theta from V on random inputs, so counts spread over 0..T.

    With probability ``pow2`` a layer's theta is a power of two (fire by shift), otherwise any
    positive integer (a list gives one probability per firing layer, in order); with
    probability ``per_channel`` it is a per-channel list.
    """
    from .golden import fire, maxpool, weighted_sum
    desc = _with_dummy_theta(desc)
    model = model_from_dict(desc, weights)
    x = rng.integers(model.input.min_value, model.input.max_value + 1,
                     size=(samples, *model.input.shape))
    aux = random_aux(model, samples, rng)
    a = x
    t = model.timesteps
    firing = 0
    for layer, spec in zip(model.layers, desc["layers"]):
        if not layer.has_weights:
            a = maxpool(a, layer)
            continue
        v = weighted_sum(model, layer, a, aux if layer.has_aux else None)
        if layer.is_output:
            break
        p_pow2 = pow2[firing] if isinstance(pow2, (list, tuple)) else pow2
        firing += 1
        per = rng.random() < per_channel
        positive = np.maximum(v, 0)
        spans = np.quantile(positive, 0.9, axis=(0, 2)) if per else [np.quantile(positive, 0.9)]
        theta = []
        for s in spans:
            th = max(1, int(s / (t * rng.uniform(0.4, 1.2))))
            if rng.random() < p_pow2:
                th = 1 << max(0, int(round(np.log2(th))))
            theta.append(min(th, 2**31 - 1))
        spec["theta"] = theta if per else theta[0]
        a = fire(v, np.array(theta if per else theta * layer.out_channels, dtype=np.int64), t)
    return model_from_dict(desc, weights)


def random_aux(model: Model, count: int, rng: np.random.Generator) -> np.ndarray | None:
    """``count`` aux vectors uniform over the model's aux range; None without aux input."""
    spec = model.aux_input
    if spec is None:
        return None
    return rng.integers(spec.min_value, spec.max_value + 1, size=(count, spec.features))


def random_model(rng: np.random.Generator, limits: ShapeLimits = ShapeLimits(),
                 **kwargs) -> Model:
    """A random, valid, calibrated model."""
    desc = random_structure(rng, limits, **kwargs)
    return calibrate(desc, random_weights(desc, rng), rng)


def _with_dummy_theta(desc: dict[str, Any]) -> dict[str, Any]:
    out = dict(desc, layers=[dict(layer) for layer in desc["layers"]])
    for layer in out["layers"]:
        if layer["kind"] != "maxpool1d" and layer.get("role") != "output":
            layer.setdefault("theta", 1)
    return out


def _zero_weights(desc: dict[str, Any]) -> dict[str, np.ndarray]:
    """Zero arrays of the right shapes (to resolve shapes through the validator)."""
    from .descriptor import _validate_structure
    spec = _validate_structure(_with_dummy_theta(desc), "<random>")
    out = {}
    for ls in spec.layers:
        if ls.kind == "conv1d":
            out[f"{ls.name}.weight"] = np.zeros((ls.out_shape[0], ls.in_shape[0], ls.kernel),
                                                dtype=np.int64)
        elif ls.kind == "dense":
            out[f"{ls.name}.weight"] = np.zeros((ls.out_shape[0], ls.in_shape[0] * ls.in_shape[1]),
                                                dtype=np.int64)
        if ls.kind != "maxpool1d":
            out[f"{ls.name}.bias"] = np.zeros(ls.out_shape[0], dtype=np.int64)
        if ls.aux_features:
            out[f"{ls.name}.aux_weight"] = np.zeros((ls.out_shape[0], ls.aux_features),
                                                    dtype=np.int64)
    return out
