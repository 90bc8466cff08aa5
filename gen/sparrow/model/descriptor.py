"""Model descriptor: a small TOML (or JSON) file plus an ``.npz`` of integer weights.

The descriptor is the single source every other level derives from. Loading validates
everything a later stage relies on and raises :class:`~sparrow.errors.DescriptorError`, whose
message names the file, the field and the reason.

Format (TOML shown; JSON with the same keys is accepted)::

    name = "tiny"              # [A-Za-z][A-Za-z0-9_]*: also the Verilog module prefix
    timesteps = 7              # T, 1..255; activations are spike counts 0..T
    weights = "tiny.npz"       # optional; default: <descriptor stem>.npz beside it

    [input]
    channels = 1
    length = 16                # samples per channel per inference
    bits = 8                   # raw sample width, 2..16
    signed = true              # default true

    [[layers]]
    name = "conv1"             # optional; default "layer<i>"
    kind = "conv1d"            # conv1d | dense | maxpool1d
    out_channels = 4
    kernel = 3
    stride = 1                 # default 1
    padding = 1                # zeros on both sides, default 0
    weight_bits = 8            # signed, 2..8, default 8
    bias_bits = 16             # signed, 2..32, default 16
    theta = 64                 # positive integer, or one per output channel

    [[layers]]
    kind = "maxpool1d"
    kernel = 2
    stride = 2                 # default: kernel

    [[layers]]
    kind = "dense"
    out_features = 5
    role = "output"            # last layer: no fire; scores and argmax

Optional auxiliary input: a vector of raw integers (e.g. RR-interval features of an ECG beat)
joined at one dense layer, which then computes ``V = b + W x + W_aux aux`` (x: its usual
input, aux: the raw integers; for the aux part that layer is an ANN layer)::

    [aux_input]
    features = 4               # 1..64 values per inference
    bits = 12                  # raw width, 2..16
    signed = false             # default false

    [[layers]]
    kind = "dense"
    out_features = 32
    aux_input = true           # exactly one dense layer receives the aux input

The weights file holds ``<layer name>.weight`` (conv1d: [out][in][kernel]; dense:
[out][in_channels * in_length], the input flattened channel-major as PyTorch flattens
(C, L)) and ``<layer name>.bias`` ([out]) for every conv1d and dense layer, plus
``<layer name>.aux_weight`` ([out][features], same bit width as the weights) for the layer
with ``aux_input = true``; nothing else.
"""

from __future__ import annotations

import json
import math
import os
import re
import tomllib
import zipfile
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from ..errors import DescriptorError
from ..fileio import atomic_write

MAX_TIMESTEPS = 255
WEIGHT_BITS_RANGE = (2, 8)
BIAS_BITS_RANGE = (2, 32)
INPUT_BITS_RANGE = (2, 16)
THETA_MAX = 2**31 - 1
MAX_DIM = 65536
MAX_LAYERS = 64
MAX_WEIGHTS = 1 << 24
MAX_AUX_FEATURES = 64

LAYER_KINDS = ("conv1d", "dense", "maxpool1d")
_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
_TOP_KEYS = {"format", "name", "timesteps", "weights", "input", "aux_input", "layers",
             "description"}
_INPUT_KEYS = {"channels", "length", "bits", "signed"}
_AUX_INPUT_KEYS = {"features", "bits", "signed"}
_LAYER_KEYS = {
    "conv1d": {"name", "kind", "role", "out_channels", "kernel", "stride", "padding",
               "weight_bits", "bias_bits", "theta"},
    "dense": {"name", "kind", "role", "out_features", "weight_bits", "bias_bits", "theta",
              "aux_input"},
    "maxpool1d": {"name", "kind", "kernel", "stride"},
}


class _RawIntegerRange:
    """Value range of raw integers ``bits`` wide, two's complement when ``signed``."""

    bits: int
    signed: bool

    @property
    def min_value(self) -> int:
        return -(1 << (self.bits - 1)) if self.signed else 0

    @property
    def max_value(self) -> int:
        return (1 << (self.bits - 1)) - 1 if self.signed else (1 << self.bits) - 1


@dataclass(frozen=True)
class InputSpec(_RawIntegerRange):
    """Raw sample input of the first (ANN) layer: ``channels`` x ``length`` samples."""

    channels: int
    length: int
    bits: int
    signed: bool = True

    @property
    def shape(self) -> tuple[int, int]:
        return (self.channels, self.length)


@dataclass(frozen=True)
class AuxInputSpec(_RawIntegerRange):
    """Auxiliary input: ``features`` raw integers per inference, joined at one dense layer."""

    features: int
    bits: int
    signed: bool = False


@dataclass(frozen=True, eq=False)
class Layer:
    """One layer with its resolved shapes. Arrays are int64 and read-only.

    ``weight`` is (out, in_channels, kernel) for conv1d and (out, in_channels*in_length) for
    dense; ``theta`` is per output channel (a scalar in the file is broadcast).
    """

    index: int
    name: str
    kind: str
    in_shape: tuple[int, int]
    out_shape: tuple[int, int]
    kernel: int = 1
    stride: int = 1
    padding: int = 0
    weight_bits: int = 0
    bias_bits: int = 0
    is_output: bool = False
    aux_features: int = 0          # aux values this (dense) layer receives; 0: none
    weight: np.ndarray | None = field(default=None, repr=False)
    bias: np.ndarray | None = field(default=None, repr=False)
    theta: np.ndarray | None = field(default=None, repr=False)
    aux_weight: np.ndarray | None = field(default=None, repr=False)   # (out, aux_features)

    @property
    def has_aux(self) -> bool:
        return self.aux_features > 0

    @property
    def has_weights(self) -> bool:
        return self.kind in ("conv1d", "dense")

    @property
    def fires(self) -> bool:
        """True if the layer's output is spike counts (every weighted layer but the output)."""
        return self.has_weights and not self.is_output

    @property
    def in_channels(self) -> int:
        return self.in_shape[0]

    @property
    def in_length(self) -> int:
        return self.in_shape[1]

    @property
    def out_channels(self) -> int:
        return self.out_shape[0]

    @property
    def out_length(self) -> int:
        return self.out_shape[1]

    @property
    def taps(self) -> int:
        """Weights per output neuron (fan-in): C*K for conv1d, C*L for dense, K for pooling."""
        if self.kind == "conv1d":
            return self.in_channels * self.kernel
        if self.kind == "dense":
            return self.in_channels * self.in_length
        return self.kernel

    @property
    def n_weights(self) -> int:
        """Weights of the layer, aux weights included."""
        if not self.has_weights:
            return 0
        return self.out_channels * (self.taps + self.aux_features)

    @property
    def n_params(self) -> int:
        """Weights plus biases."""
        return self.n_weights + (self.out_channels if self.has_weights else 0)

    def valid_taps(self, q: int) -> int:
        """Kernel positions of output position ``q`` that fall inside the input (not padding)."""
        if self.kind != "conv1d":
            return self.kernel if self.kind == "maxpool1d" else 1
        start = q * self.stride - self.padding
        return max(0, min(start + self.kernel, self.in_length) - max(start, 0))

    @property
    def macs(self) -> int:
        """Multiply-accumulates per inference (padding taps excluded, aux products included);
        0 for pooling."""
        if self.kind == "dense":
            return self.out_channels * (self.taps + self.aux_features)
        if self.kind == "conv1d":
            per_channel = sum(self.valid_taps(q) for q in range(self.out_length))
            return self.out_channels * self.in_channels * per_channel
        return 0

    @property
    def theta_is_pow2(self) -> bool:
        """True if every threshold is a power of two (fire is then an arithmetic shift)."""
        return self.theta is not None and all(int(t) & (int(t) - 1) == 0 for t in self.theta)

    @property
    def weight_range(self) -> tuple[int, int]:
        return (-(1 << (self.weight_bits - 1)), (1 << (self.weight_bits - 1)) - 1)

    @property
    def bias_range(self) -> tuple[int, int]:
        return (-(1 << (self.bias_bits - 1)), (1 << (self.bias_bits - 1)) - 1)


@dataclass(frozen=True, eq=False)
class Model:
    """A validated model: T, the raw input, and the layers in order (the last is the output)."""

    name: str
    timesteps: int
    input: InputSpec
    layers: tuple[Layer, ...]
    source: str | None = None
    aux_input: AuxInputSpec | None = None

    @property
    def aux_layer(self) -> Layer | None:
        """The dense layer that receives the aux input, if the model has one."""
        return next((layer for layer in self.layers if layer.has_aux), None)

    @property
    def count_bits(self) -> int:
        """Bits of a spike count 0..T: ceil(log2(T+1))."""
        return max(1, math.ceil(math.log2(self.timesteps + 1)))

    @property
    def output(self) -> Layer:
        return self.layers[-1]

    @property
    def num_classes(self) -> int:
        return self.output.out_channels * self.output.out_length

    @property
    def n_params(self) -> int:
        return sum(layer.n_params for layer in self.layers)

    @property
    def n_weights(self) -> int:
        return sum(layer.n_weights for layer in self.layers)

    @property
    def macs(self) -> int:
        return sum(layer.macs for layer in self.layers)

    @property
    def weight_memory_bits(self) -> int:
        """Bits of all weights and biases at their declared widths."""
        return sum(
            layer.n_weights * layer.weight_bits + layer.out_channels * layer.bias_bits
            for layer in self.layers if layer.has_weights
        )

    @property
    def activation_buffer_bits(self) -> int:
        """Ping-pong count buffers: two banks, each as large as the largest hidden activation."""
        largest = max(
            (layer.out_channels * layer.out_length for layer in self.layers[:-1]), default=0)
        return 2 * largest * self.count_bits

    @property
    def input_buffer_bits(self) -> int:
        """Raw sample input plus the aux input, at their widths."""
        aux = self.aux_input.features * self.aux_input.bits if self.aux_input else 0
        return self.input.channels * self.input.length * self.input.bits + aux

    def weights_dict(self) -> dict[str, np.ndarray]:
        """The arrays of the weights file, keyed as in the ``.npz``."""
        out = {}
        for layer in self.layers:
            if layer.has_weights:
                out[f"{layer.name}.weight"] = layer.weight
                out[f"{layer.name}.bias"] = layer.bias
                if layer.has_aux:
                    out[f"{layer.name}.aux_weight"] = layer.aux_weight
        return out

    def to_dict(self) -> dict[str, Any]:
        """The descriptor's fields (without weights), as they would be written to a file."""
        layers = []
        for layer in self.layers:
            d: dict[str, Any] = {"name": layer.name, "kind": layer.kind}
            if layer.kind == "conv1d":
                d.update(out_channels=layer.out_channels, kernel=layer.kernel,
                         stride=layer.stride, padding=layer.padding)
            elif layer.kind == "dense":
                d["out_features"] = layer.out_channels
            else:
                d.update(kernel=layer.kernel, stride=layer.stride)
            if layer.has_aux:
                d["aux_input"] = True
            if layer.has_weights:
                d.update(weight_bits=layer.weight_bits, bias_bits=layer.bias_bits)
                if layer.is_output:
                    d["role"] = "output"
                else:
                    th = [int(t) for t in layer.theta]
                    d["theta"] = th[0] if len(set(th)) == 1 else th
            layers.append(d)
        out: dict[str, Any] = {
            "format": 1,
            "name": self.name,
            "timesteps": self.timesteps,
            "input": {"channels": self.input.channels, "length": self.input.length,
                      "bits": self.input.bits, "signed": self.input.signed},
        }
        if self.aux_input is not None:
            out["aux_input"] = {"features": self.aux_input.features, "bits": self.aux_input.bits,
                                "signed": self.aux_input.signed}
        out["layers"] = layers
        return out


# ---------------------------------------------------------------------------------------------
# Loading


def _read_descriptor(path: Path) -> tuple[Any, Path | None]:
    """The parsed descriptor and the weights file it names (default ``<stem>.npz``)."""
    src = str(path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DescriptorError("file", f"not UTF-8 text (byte {e.start})", source=src) from None
    data = _parse_text(text, path.suffix.lower(), src)
    wname = data.get("weights", f"{path.stem}.npz") if isinstance(data, dict) else None
    if wname is not None and not isinstance(wname, str):
        raise DescriptorError("weights", "must be a file name (string)", source=src)
    return data, path.parent / wname if wname is not None else None


def descriptor_files(path: str | os.PathLike) -> tuple[Path, ...]:
    """The files a descriptor consists of: itself and, when it exists, its weights file."""
    path = Path(path)
    if not path.is_file():
        raise DescriptorError("file", "not found", source=str(path))
    _, weights = _read_descriptor(path)
    return (path,) + ((weights,) if weights is not None and weights.is_file() else ())


def load_model(path: str | os.PathLike, *, weights: str | os.PathLike | None = None) -> Model:
    """Read and validate a descriptor (``.toml`` or ``.json``) and its weights file."""
    path = Path(path)
    src = str(path)
    if not path.is_file():
        raise DescriptorError("file", "not found" if not path.exists() else "not a regular file",
                              source=src)
    data, default_weights = _read_descriptor(path)
    weights_path = default_weights if weights is None else Path(weights)
    # Validate the descriptor itself before touching the weights, so its errors come first.
    spec = _validate_structure(data, src)
    arrays = load_weights_file(weights_path, source=src) if spec.needs_weights else {}
    return _build(spec, arrays, src, str(weights_path))


def model_from_dict(data: Mapping[str, Any], weights: Mapping[str, Any],
                    *, source: str = "<descriptor>") -> Model:
    """Validate a descriptor given as a dict and its weight arrays (as in the ``.npz``)."""
    spec = _validate_structure(data, source)
    return _build(spec, dict(weights), source, "<weights>")


def _parse_text(text: str, suffix: str, src: str) -> Any:
    if suffix == ".json":
        try:
            # NaN and Infinity parse as floats, which the validator rejects by field name.
            return json.loads(text)
        except json.JSONDecodeError as e:
            raise DescriptorError(f"line {e.lineno}", f"invalid JSON: {e.msg}", source=src) from None
        except ValueError as e:          # e.g. an integer of more than 4300 digits
            raise DescriptorError("file", f"invalid JSON: {e}", source=src) from None
        except RecursionError:
            raise DescriptorError("file", "invalid JSON: nested too deeply", source=src) from None
    if suffix == ".toml":
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            raise DescriptorError("file", f"invalid TOML: {e}", source=src) from None
        except ValueError as e:          # e.g. an integer of more than 4300 digits
            raise DescriptorError("file", f"invalid TOML: {e}", source=src) from None
        except RecursionError:
            raise DescriptorError("file", "invalid TOML: nested too deeply", source=src) from None
    raise DescriptorError("file", f"unknown descriptor extension {suffix!r}: use .toml or .json",
                          source=src)


def load_weights_file(path: Path | None, *, source: str) -> dict[str, np.ndarray]:
    """Load an ``.npz`` safely (no pickles); errors name the weights file and the array."""
    if path is None:
        raise DescriptorError("weights", "no weights file given", source=source)
    wsrc = str(path)
    if not path.is_file():
        raise DescriptorError("weights", f"file {wsrc} " + ("not found" if not path.exists()
                              else "is not a regular file"), source=source)
    try:
        loaded = np.load(path, allow_pickle=False)
    except _UNREADABLE as e:
        raise DescriptorError("weights", f"not a readable .npz file ({type(e).__name__}: {e})",
                              source=wsrc) from None
    if not isinstance(loaded, np.lib.npyio.NpzFile):
        raise DescriptorError("weights", "is a single .npy array, not an .npz archive of named "
                              "arrays (save with numpy.savez)", source=wsrc)
    with loaded as npz:
        out = {}
        for key in npz.files:
            try:
                out[key] = npz[key]
            except _UNREADABLE as e:
                if isinstance(e, ValueError) and "pickle" in str(e).lower():
                    raise DescriptorError(
                        f"weights[{key!r}]", "holds a pickled object array; Sparrow loads "
                        "weights with allow_pickle=False (save plain integer arrays)",
                        source=wsrc) from None
                raise DescriptorError(f"weights[{key!r}]", f"unreadable array ({type(e).__name__}:"
                                      f" {e})", source=wsrc) from None
        return out


# What a damaged archive raises from the zip, zlib and .npy layers (zlib.error for corrupt
# deflate data, NotImplementedError for a garbled compression method, MemoryError for a
# garbled array header that claims an enormous shape).
_UNREADABLE = (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, KeyError,
               NotImplementedError, MemoryError)


# ---------------------------------------------------------------------------------------------
# Validation of the structure (no weights yet)


@dataclass
class _ModelSpec:
    """A validated structure: the layers have their shapes and thresholds, no weights yet."""
    name: str
    timesteps: int
    input: InputSpec
    layers: list[Layer]
    aux_input: AuxInputSpec | None = None

    @property
    def needs_weights(self) -> bool:
        return any(l.kind in ("conv1d", "dense") for l in self.layers)


def _int_field(obj: Mapping, key: str, where: str, src: str, *, lo: int, hi: int,
               default: int | None = None) -> int:
    if key not in obj:
        if default is None:
            raise DescriptorError(f"{where}{key}", "is required", source=src)
        return default
    value = obj[key]
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            raise DescriptorError(f"{where}{key}", f"must be an integer, got {value!r} (a float)",
                                  source=src)
        raise DescriptorError(f"{where}{key}", f"must be an integer, got {value!r}", source=src)
    if not lo <= value <= hi:
        raise DescriptorError(f"{where}{key}", f"must be in {lo}..{hi}, got {value}", source=src)
    return value


def _check_keys(obj: Mapping, allowed: set[str], where: str, src: str, what: str) -> None:
    unknown = sorted(str(k) for k in obj if k not in allowed)
    if unknown:
        raise DescriptorError(f"{where}{unknown[0]}",
                              f"unknown key for {what} (allowed: {', '.join(sorted(allowed))})",
                              source=src)


def _validate_structure(data: Any, src: str) -> _ModelSpec:
    if not isinstance(data, dict):
        raise DescriptorError("file", "the descriptor must be a table/object at top level",
                              source=src)
    _check_keys(data, _TOP_KEYS, "", src, "a model")
    if "format" in data:
        _int_field(data, "format", "", src, lo=1, hi=1)
    name = data.get("name")
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise DescriptorError("name", "is required: a letter then letters, digits or '_' "
                              f"(at most 64), got {name!r}", source=src)
    if "description" in data and not isinstance(data["description"], str):
        raise DescriptorError("description", "must be a string", source=src)
    timesteps = _int_field(data, "timesteps", "", src, lo=1, hi=MAX_TIMESTEPS)

    inp, signed = _raw_table(data.get("input"), "input", _INPUT_KEYS, "the input",
                             "is required: a table with channels, length, bits", True, src)
    input_spec = InputSpec(
        channels=_int_field(inp, "channels", "input.", src, lo=1, hi=MAX_DIM),
        length=_int_field(inp, "length", "input.", src, lo=1, hi=MAX_DIM),
        bits=_int_field(inp, "bits", "input.", src, lo=INPUT_BITS_RANGE[0],
                        hi=INPUT_BITS_RANGE[1], default=8),
        signed=signed,
    )
    aux_spec = _aux_input(data, src)

    layers_raw = data.get("layers")
    if not isinstance(layers_raw, list) or not layers_raw:
        raise DescriptorError("layers", "is required: a non-empty list of layers", source=src)
    if len(layers_raw) > MAX_LAYERS:
        raise DescriptorError("layers", f"at most {MAX_LAYERS} layers, got {len(layers_raw)}",
                              source=src)

    shape = input_spec.shape
    layers: list[Layer] = []
    names: set[str] = set()
    for i, raw in enumerate(layers_raw):
        where = f"layers[{i}]."
        if not isinstance(raw, dict):
            raise DescriptorError(f"layers[{i}]", "must be a table/object", source=src)
        kind = raw.get("kind")
        if kind not in LAYER_KINDS:
            raise DescriptorError(f"{where}kind", f"unknown layer kind {kind!r} "
                                  f"(known: {', '.join(LAYER_KINDS)})", source=src)
        if "aux_input" in raw and kind != "dense":
            raise DescriptorError(f"{where}aux_input", f"only a dense layer can receive the aux "
                                  f"input, this layer is {kind}", source=src)
        _check_keys(raw, _LAYER_KEYS[kind], where, src, f"a {kind} layer")
        lname = raw.get("name", f"layer{i}")
        if not isinstance(lname, str) or not _NAME_RE.match(lname):
            raise DescriptorError(f"{where}name", "must be a letter then letters, digits or '_' "
                                  f"(at most 64), got {lname!r}", source=src)
        if lname in names:
            raise DescriptorError(f"{where}name", f"duplicate layer name {lname!r}", source=src)
        names.add(lname)
        role = raw.get("role", "hidden")
        if role not in ("hidden", "output"):
            raise DescriptorError(f"{where}role", f"must be 'output' or 'hidden', got {role!r}",
                                  source=src)
        last = i == len(layers_raw) - 1
        if role == "output" and not last:
            raise DescriptorError(f"{where}role", "only the last layer can be the output layer",
                                  source=src)
        if last and role != "output":
            raise DescriptorError(f"{where}role", "the last layer must have role = \"output\" "
                                  "(its V values are the class scores)", source=src)
        if i == 0 and kind == "maxpool1d":
            raise DescriptorError(f"{where}kind", "the first layer sees raw samples and must be "
                                  "conv1d or dense (the ANN layer), not maxpool1d", source=src)

        c_in, l_in = shape
        geometry: dict[str, int] = {}
        if kind == "conv1d":
            out_ch = _int_field(raw, "out_channels", where, src, lo=1, hi=MAX_DIM)
            kernel = _int_field(raw, "kernel", where, src, lo=1, hi=MAX_DIM)
            stride = _int_field(raw, "stride", where, src, lo=1, hi=MAX_DIM, default=1)
            padding = _int_field(raw, "padding", where, src, lo=0, hi=MAX_DIM, default=0)
            if padding >= kernel:
                raise DescriptorError(f"{where}padding", f"must be less than kernel "
                                      f"({kernel}), got {padding}", source=src)
            span = l_in + 2 * padding
            if kernel > span:
                raise DescriptorError(f"{where}kernel", f"kernel {kernel} is longer than the "
                                      f"padded input ({l_in} + 2*{padding} = {span})",
                                      source=src)
            geometry = {"kernel": kernel, "stride": stride, "padding": padding}
            out_shape = (out_ch, (span - kernel) // stride + 1)
        elif kind == "dense":
            out_shape = (_int_field(raw, "out_features", where, src, lo=1, hi=MAX_DIM), 1)
        else:
            kernel = _int_field(raw, "kernel", where, src, lo=1, hi=MAX_DIM)
            stride = _int_field(raw, "stride", where, src, lo=1, hi=MAX_DIM, default=kernel)
            if kernel > l_in:
                raise DescriptorError(f"{where}kernel", f"pooling window {kernel} is longer "
                                      f"than the input length {l_in}", source=src)
            geometry = {"kernel": kernel, "stride": stride}
            out_shape = (c_in, (l_in - kernel) // stride + 1)

        if kind in ("conv1d", "dense"):
            geometry["weight_bits"] = _int_field(raw, "weight_bits", where, src,
                                                 lo=WEIGHT_BITS_RANGE[0],
                                                 hi=WEIGHT_BITS_RANGE[1], default=8)
            geometry["bias_bits"] = _int_field(raw, "bias_bits", where, src,
                                               lo=BIAS_BITS_RANGE[0], hi=BIAS_BITS_RANGE[1],
                                               default=16)
            if role == "output":
                if "theta" in raw:
                    raise DescriptorError(f"{where}theta", "the output layer does not fire; "
                                          "remove theta", source=src)
            else:
                geometry["theta"] = _theta(raw, where, src, out_shape[0])
        if "aux_input" in raw:
            geometry["aux_features"] = _aux_flag(raw["aux_input"], aux_spec, layers, where, src)
        if out_shape[0] * out_shape[1] > MAX_DIM * 16:
            raise DescriptorError(f"layers[{i}]", f"output of {out_shape[0]} x "
                                  f"{out_shape[1]} values is over the limit "
                                  f"{MAX_DIM * 16}", source=src)
        layers.append(Layer(index=i, name=lname, kind=kind, is_output=role == "output",
                            in_shape=shape, out_shape=out_shape, **geometry))
        shape = out_shape

    if aux_spec is not None and not any(l.aux_features for l in layers):
        raise DescriptorError("aux_input", "no layer receives the aux input: set "
                              "aux_input = true on one dense layer", source=src)
    total = sum(l.n_weights for l in layers)        # aux weights included
    if total > MAX_WEIGHTS:
        raise DescriptorError("layers", f"{total} weights in all; the limit is {MAX_WEIGHTS}",
                              source=src)
    return _ModelSpec(name=name, timesteps=timesteps, input=input_spec, layers=layers,
                      aux_input=aux_spec)


def _raw_table(table: Any, key: str, allowed: set[str], what: str, missing: str,
               default_signed: bool, src: str) -> tuple[dict, bool]:
    """A raw-integer input table (``input`` or ``aux_input``) and its ``signed`` flag."""
    if not isinstance(table, dict):
        raise DescriptorError(key, missing, source=src)
    _check_keys(table, allowed, f"{key}.", src, what)
    signed = table.get("signed", default_signed)
    if not isinstance(signed, bool):
        raise DescriptorError(f"{key}.signed", f"must be true or false, got {signed!r}",
                              source=src)
    return table, signed


def _aux_input(data: Mapping, src: str) -> AuxInputSpec | None:
    """The optional ``[aux_input]`` table."""
    if "aux_input" not in data:
        return None
    aux, signed = _raw_table(data["aux_input"], "aux_input", _AUX_INPUT_KEYS, "the aux input",
                             "must be a table with features, bits (and signed)", False, src)
    return AuxInputSpec(
        features=_int_field(aux, "features", "aux_input.", src, lo=1, hi=MAX_AUX_FEATURES),
        bits=_int_field(aux, "bits", "aux_input.", src, lo=INPUT_BITS_RANGE[0],
                        hi=INPUT_BITS_RANGE[1]),
        signed=signed)


def _aux_flag(value: Any, aux_spec: AuxInputSpec | None, earlier: list[Layer],
              where: str, src: str) -> int:
    """Aux features a dense layer with ``aux_input = value`` receives (0 for false)."""
    if not isinstance(value, bool):
        raise DescriptorError(f"{where}aux_input", f"must be true or false, got {value!r}",
                              source=src)
    if not value:
        return 0
    if aux_spec is None:
        raise DescriptorError(f"{where}aux_input", "the model declares no [aux_input] table "
                              "(features, bits) for this layer to receive", source=src)
    taken = next((l for l in earlier if l.aux_features), None)
    if taken is not None:
        raise DescriptorError(f"{where}aux_input", "only one layer can receive the aux input; "
                              f"layers[{taken.index}] ({taken.name}) already does", source=src)
    return aux_spec.features


def _theta(raw: Mapping, where: str, src: str, out_channels: int) -> np.ndarray:
    if "theta" not in raw:
        raise DescriptorError(f"{where}theta", "is required for a layer that fires "
                              "(a positive integer, or a list with one per output channel)",
                              source=src)
    value = raw["theta"]
    if isinstance(value, list):
        if len(value) != out_channels:
            raise DescriptorError(f"{where}theta", f"per-channel list must have {out_channels} "
                                  f"entries (one per output channel), got {len(value)}",
                                  source=src)
        items = value
    else:
        items = [value]
    out = []
    for j, t in enumerate(items):
        label = f"{where}theta" + (f"[{j}]" if isinstance(value, list) else "")
        if isinstance(t, bool) or not isinstance(t, int):
            raise DescriptorError(label, f"must be a positive integer, got {t!r}", source=src)
        if t <= 0:
            raise DescriptorError(label, f"must be a positive integer (theta > 0), got {t}",
                                  source=src)
        if t > THETA_MAX:
            raise DescriptorError(label, f"must be at most {THETA_MAX}, got {t}", source=src)
        out.append(t)
    theta = np.array(out * out_channels if len(out) == 1 else out, dtype=np.int64)
    theta.setflags(write=False)
    return theta


# ---------------------------------------------------------------------------------------------
# Weights


def _build(spec: _ModelSpec, arrays: dict[str, Any], src: str, wsrc: str) -> Model:
    expected: set[str] = set()
    layers = []
    for layer in spec.layers:
        if layer.has_weights:
            out = layer.out_channels
            wshape = ((out, layer.in_channels, layer.kernel) if layer.kind == "conv1d"
                      else (out, layer.taps))
            wkey, bkey = f"{layer.name}.weight", f"{layer.name}.bias"
            expected |= {wkey, bkey}
            aux = {}
            if layer.has_aux:
                akey = f"{layer.name}.aux_weight"
                expected.add(akey)
                aux["aux_weight"] = _int_array(arrays, akey, (out, layer.aux_features),
                                               *layer.weight_range,
                                               f"weight_bits = {layer.weight_bits}", wsrc)
            layer = replace(
                layer,
                weight=_int_array(arrays, wkey, wshape, *layer.weight_range,
                                  f"weight_bits = {layer.weight_bits}", wsrc),
                bias=_int_array(arrays, bkey, (out,), *layer.bias_range,
                                f"bias_bits = {layer.bias_bits}", wsrc), **aux)
        layers.append(layer)
    unknown = sorted(set(arrays) - expected)
    if unknown:
        raise DescriptorError(f"weights[{unknown[0]!r}]", "unknown array: no layer of that name "
                              f"uses it (expected: {', '.join(sorted(expected)) or 'none'})",
                              source=wsrc)
    return Model(name=spec.name, timesteps=spec.timesteps, input=spec.input,
                 layers=tuple(layers), source=src, aux_input=spec.aux_input)


def _int_array(arrays: Mapping[str, Any], key: str, shape: tuple[int, ...], lo: int, hi: int,
               why: str, wsrc: str) -> np.ndarray:
    label = f"weights[{key!r}]"
    if key not in arrays:
        raise DescriptorError(label, f"missing (shape {list(shape)} expected)", source=wsrc)
    value = arrays[key]
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError) as e:
        raise DescriptorError(label, f"not an array: {e}", source=wsrc) from None
    if arr.dtype == object:
        raise DescriptorError(label, "is an object array; integers expected", source=wsrc)
    if arr.dtype.kind == "f":
        bad = ~np.isfinite(arr)
        if bad.any():
            raise DescriptorError(label, f"holds {'NaN' if np.isnan(arr).any() else 'inf'}; "
                                  "weights must be integers", source=wsrc)
        raise DescriptorError(label, f"has dtype {arr.dtype}; weights must be stored as "
                              "integers (quantize, then save with an int dtype)", source=wsrc)
    if arr.dtype.kind not in "iu":
        raise DescriptorError(label, f"has dtype {arr.dtype}; integers expected", source=wsrc)
    if tuple(arr.shape) != shape:
        raise DescriptorError(label, f"shape {list(arr.shape)} does not match the layer: "
                              f"{list(shape)} expected", source=wsrc)
    if arr.size:
        amin, amax = int(arr.min()), int(arr.max())
        if amin < lo or amax > hi:
            bad = amin if amin < lo else amax
            pos = np.unravel_index(int(np.argmin(arr) if amin < lo else np.argmax(arr)), arr.shape)
            raise DescriptorError(label, f"value {bad} at {list(map(int, pos))} is out of range "
                                  f"{lo}..{hi} for {why}", source=wsrc)
    out = arr.astype(np.int64)
    out.setflags(write=False)
    return out


# ---------------------------------------------------------------------------------------------
# Saving


def save_model(model: Model, path: str | os.PathLike) -> Path:
    """Write ``path`` (.toml or .json) and its weights ``<stem>.npz`` beside it, atomically."""
    path = Path(path)
    data = model.to_dict()
    data["weights"] = f"{path.stem}.npz"
    if path.suffix.lower() == ".json":
        text = json.dumps(data, indent=2) + "\n"
    elif path.suffix.lower() == ".toml":
        text = _to_toml(data)
    else:
        raise DescriptorError("file", f"unknown descriptor extension {path.suffix!r}: use .toml "
                              "or .json", source=str(path))
    npz_path = path.parent / data["weights"]
    arrays = {k: np.ascontiguousarray(v, dtype=np.int32) for k, v in model.weights_dict().items()}
    atomic_write(npz_path, lambda f: np.savez_compressed(f, **arrays), binary=True)
    atomic_write(path, lambda f: f.write(text))
    return path


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def _to_toml(data: Mapping[str, Any]) -> str:
    lines = []
    tables = ("input", "aux_input")
    for k, v in data.items():
        if k not in tables + ("layers",):
            lines.append(f"{k} = {_toml_value(v)}")
    for table in tables:
        if table in data:
            lines += ["", f"[{table}]"] + [f"{k} = {_toml_value(v)}"
                                           for k, v in data[table].items()]
    for layer in data["layers"]:
        lines += ["", "[[layers]]"] + [f"{k} = {_toml_value(v)}" for k, v in layer.items()]
    return "\n".join(lines) + "\n"
