"""Bit-exact golden model of an SSF network: integer numpy, vectorized over a batch.

Semantics (DESIGN.md sections 1 and 4; the conformance vectors pin them down):

* Layer 0 is the ANN layer: its input is the raw samples (``input.bits`` wide).
* conv1d: ``V[o, q] = bias[o] + sum_{c,j} w[o, c, j] * a[c, q*stride + j - padding]`` with zeros
  outside the input; dense: ``V[o] = bias[o] + sum_i w[o, i] * a_flat[i]`` where ``a_flat`` is
  the input flattened channel-major (index ``c*L + l``).
* Fire (every weighted layer but the output): ``count = clamp(floor(V / theta), 0, T)``, floor
  rounding toward minus infinity.
* maxpool1d: max of counts over each window (no padding).
* Output layer: no fire; its V values (flattened channel-major) are the class scores and the
  prediction is their argmax, the lowest index winning a tie.
* Aux input (optional): the one dense layer with ``aux_input`` adds ``sum_f w_aux[o, f] *
  aux[f]`` to its V, ``aux`` being the raw integers of the model's aux input vector (for that
  part the layer is an ANN layer). Its products count as MACs and weight reads like any other.

Exactness: a layer's products, bias add and fire run in floating point (BLAS) only when every
partial sum is provably an integer below the format's exact range (2**24 for float32, 2**53
for float64); :func:`accumulator_bound` gives that worst case from the descriptor's bit widths.
Otherwise the layer runs on int64. :func:`fire` explains why the float fire is exact. Every
value handed out (scores, activations, counters) is int64.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.lib.stride_tricks import as_strided
from threadpoolctl import ThreadpoolController

from ..errors import SparrowError
from .descriptor import Layer, Model


# ---------------------------------------------------------------------------------------------
# Value ranges and accumulator widths


def input_range(model: Model, layer: Layer) -> tuple[int, int]:
    """Range of the values ``layer`` reads: raw samples for layer 0, counts 0..T after."""
    if layer.index == 0:
        return model.input.min_value, model.input.max_value
    return 0, model.timesteps


def input_reach(layer: Layer) -> np.ndarray:
    """Per input value (C, L) int64: output positions whose receptive field holds it.

    Padding excluded. Multiplied by the output channels it is the number of weights one
    non-zero input is multiplied with (dense: 1 everywhere).
    """
    c, length = layer.in_shape
    reach = np.zeros(length, dtype=np.int64)
    if layer.kind == "dense":
        reach[:] = 1
    else:
        starts = np.arange(layer.out_length) * layer.stride - layer.padding
        for j in range(layer.kernel):
            pos = starts + j
            np.add.at(reach, pos[(pos >= 0) & (pos < length)], 1)
    return np.broadcast_to(reach, (c, length)).copy()


def fan_in(layer: Layer) -> int:
    """Most products summed into one V (padding taps excluded): C*K of a conv1d output position
    whose window lies inside the input (fewer if no position's window does), C*L for dense."""
    if layer.kind != "conv1d":
        return layer.taps
    starts = np.arange(layer.out_length) * layer.stride - layer.padding
    valid = np.minimum(starts + layer.kernel, layer.in_length) - np.maximum(starts, 0)
    return layer.in_channels * int(valid.max())


def accumulator_range(model: Model, layer: Layer) -> tuple[int, int]:
    """Worst-case range of V for any weights and biases within the declared bit widths and
    any input within its range (what a loadable core must hold without overflow). Tight: all
    weights at one extreme, the inputs at the matching extreme and the bias at its extreme
    reach each end."""
    if not layer.has_weights:
        raise ValueError(f"layer {layer.name!r} ({layer.kind}) has no accumulator")
    a_lo, a_hi = input_range(model, layer)
    w_lo, w_hi = layer.weight_range
    b_lo, b_hi = layer.bias_range
    corners = [w * a for w in (w_lo, w_hi) for a in (a_lo, a_hi)]
    taps = fan_in(layer)
    lo, hi = b_lo + taps * min(corners), b_hi + taps * max(corners)
    if layer.has_aux:
        x_lo, x_hi = model.aux_input.min_value, model.aux_input.max_value
        aux_corners = [w * x for w in (w_lo, w_hi) for x in (x_lo, x_hi)]
        lo += layer.aux_features * min(aux_corners)
        hi += layer.aux_features * max(aux_corners)
    return lo, hi


def accumulator_bound(model: Model, layer: Layer) -> int:
    """Largest magnitude any partial sum of ``layer``'s accumulation (bias included) can take."""
    a_lo, a_hi = input_range(model, layer)
    w_lo, w_hi = layer.weight_range
    w_abs = max(abs(w_lo), abs(w_hi))
    bound = fan_in(layer) * w_abs * max(abs(a_lo), abs(a_hi)) + max(abs(b) for b in
                                                                     layer.bias_range)
    if layer.has_aux:
        aux = model.aux_input
        bound += layer.aux_features * w_abs * max(abs(aux.min_value), abs(aux.max_value))
    return bound


def signed_bits(lo: int, hi: int) -> int:
    """Width of the smallest two's-complement integer holding every value of lo..hi."""
    bits = 1
    while not (-(1 << (bits - 1)) <= lo and hi <= (1 << (bits - 1)) - 1):
        bits += 1
    return bits


def accumulator_bits(model: Model, layer: Layer) -> int:
    """Exact accumulator width of ``layer`` (signed, worst case: no overflow is possible)."""
    return signed_bits(*accumulator_range(model, layer))


# ---------------------------------------------------------------------------------------------
# Memory traffic of the layer-sequential schedule


@dataclass(frozen=True)
class Traffic:
    """Memory accesses of one layer per inference for a core with ``lanes`` PE lanes.

    Weighted layers compute ``lanes`` output channels at once: each tap cycle reads one input
    activation (broadcast to the lanes) and one weight per active lane, and each group of
    output channels is written as one word. Pooling reads and writes words of ``lanes``
    channels. Padding taps are skipped (no reads). The output layer writes no activations.
    """

    weight_reads: int
    activation_reads: int
    activation_writes: int


def layer_traffic(layer: Layer, lanes: int = 1) -> Traffic:
    if lanes < 1:
        raise ValueError(f"lanes must be >= 1, got {lanes}")
    if layer.has_weights:
        groups = math.ceil(layer.out_channels / lanes)
        per_group_reads = layer.macs // layer.out_channels
        writes = 0 if layer.is_output else groups * layer.out_length
        return Traffic(layer.macs, groups * per_group_reads, writes)
    groups = math.ceil(layer.in_channels / lanes)
    return Traffic(0, groups * layer.out_length * layer.kernel, groups * layer.out_length)


# ---------------------------------------------------------------------------------------------
# Forward pass


@dataclass
class LayerStats:
    """Per-layer counters; arrays are per inference of the batch (shape (N,))."""

    name: str
    kind: str
    neurons: int                    # output values of the layer
    macs: int                       # multiply-accumulates (dense schedule, padding skipped)
    weight_reads: int               # SSF: each weight once per use, independent of T
    activation_reads: int           # for the ``lanes`` the result was computed for
    activation_writes: int
    synops: np.ndarray              # effective synaptic ops: products with a non-zero input
    nonzero: np.ndarray             # non-zero outputs (counts; scores for the output layer)
    spikes: np.ndarray              # sum of output counts (0 for the output layer)
    spike_rate: np.ndarray          # s_r = spikes / (neurons * T)
    sparsity: np.ndarray            # gamma = fraction of zero outputs


@dataclass
class GoldenResult:
    """Output of :func:`run`: scores, predictions, per-layer activations and counters."""

    scores: np.ndarray                              # (N, classes) int64
    predictions: np.ndarray                         # (N,) int64
    activations: list[np.ndarray] = field(repr=False)   # per layer (N, C, L); output: V
    layers: list[LayerStats] = field(repr=False)
    timesteps: int
    lanes: int = 1

    @property
    def weight_reads(self) -> int:
        return sum(s.weight_reads for s in self.layers)

    @property
    def activation_reads(self) -> int:
        return sum(s.activation_reads for s in self.layers)

    @property
    def activation_writes(self) -> int:
        return sum(s.activation_writes for s in self.layers)

    @property
    def macs(self) -> int:
        return sum(s.macs for s in self.layers)

    @property
    def synops(self) -> np.ndarray:
        return sum(s.synops for s in self.layers)

    @property
    def spike_rate(self) -> np.ndarray:
        """Average spike rate over all fired neurons: total spikes / (neurons * T)."""
        fired = [s for s in self.layers[:-1] if s.kind != "maxpool1d"]
        neurons = sum(s.neurons for s in fired)
        if not neurons:
            return np.zeros(len(self.predictions))
        return sum(s.spikes for s in fired) / (neurons * self.timesteps)


def check_input(model: Model, x) -> np.ndarray:
    """Validate raw samples: shape (C, L) or (N, C, L), integers in the input range."""
    arr = np.asarray(x)
    shape = model.input.shape
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3 or tuple(arr.shape[1:]) != shape:
        raise SparrowError(f"input: shape {list(np.shape(x))} does not match the model: "
                           f"(N, {shape[0]}, {shape[1]}) or ({shape[0]}, {shape[1]}) expected")
    return _integers_in_range(arr, "input: samples", model.input)


def _integers_in_range(arr: np.ndarray, what: str, spec) -> np.ndarray:
    """``arr`` as int64 if it holds integers within ``spec``'s range (``min_value``,
    ``max_value``, ``bits``, ``signed``); else SparrowError starting with ``what``."""
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
            raise SparrowError(f"{what} must be integers (found non-integer values)")
    elif arr.dtype.kind not in "iu":
        raise SparrowError(f"{what} must be integers, got dtype {arr.dtype}")
    lo, hi = spec.min_value, spec.max_value
    # Range check before the cast to int64, which would wrap uint64 and large floats.
    if arr.size and (int(arr.min()) < lo or int(arr.max()) > hi):
        raise SparrowError(f"{what} must be in {lo}..{hi} ({spec.bits}-bit "
                           f"{'signed' if spec.signed else 'unsigned'}), found "
                           f"{int(arr.min())}..{int(arr.max())}")
    return arr.astype(np.int64, copy=False)


def check_aux(model: Model, aux, n: int) -> np.ndarray | None:
    """Validate the aux input of ``n`` inferences: (N, features) or (features,) integers in
    the aux range; None for a model without aux input (which must then get none)."""
    spec = model.aux_input
    if spec is None:
        if aux is not None:
            raise SparrowError(f"aux: model {model.name} has no aux input; give none")
        return None
    if aux is None:
        raise SparrowError(f"aux: model {model.name} needs an aux input of {spec.features} "
                           f"integers per inference ({spec.bits}-bit "
                           f"{'signed' if spec.signed else 'unsigned'})")
    arr = np.asarray(aux)
    if arr.ndim == 1:
        arr = arr[None]
    if arr.ndim != 2 or arr.shape != (n, spec.features):
        raise SparrowError(f"aux: shape {list(np.shape(aux))} does not match: ({n}, "
                           f"{spec.features}) expected (one row of {spec.features} per "
                           f"inference)")
    return _integers_in_range(arr, "aux: values", spec)


def _exact_dtype(model: Model, layer: Layer):
    """Cheapest dtype in which every partial sum of ``layer`` is an exactly held integer."""
    bound = accumulator_bound(model, layer)
    if bound < 2**24:
        return np.float32
    if bound < 2**53:
        return np.float64
    return np.int64


_blas_threads: ThreadpoolController | None = None


def single_threaded_blas():
    """Context in which numpy's BLAS runs on one thread.

    The products here are tall and thin (hundreds of thousands of rows, a few dozen columns);
    multi-threaded OpenBLAS runs them 2-3x slower than one thread, and erratically on a
    machine whose cores are busy (measured with bench/golden.py on a 2-core machine).
    """
    global _blas_threads
    if _blas_threads is None:
        _blas_threads = ThreadpoolController()       # scans the loaded libraries once (~2 ms)
    return _blas_threads.limit(limits=1, user_api="blas")


# The forward pass works channels-last, (N, L, C): a conv1d window of K positions is then K*C
# contiguous values, and the whole batch, padded per sample and laid end to end, is one long
# sequence whose im2col matrix is a strided view (one row copy, one GEMM per layer).


def _weighted_sum_cl(model: Model, layer: Layer, h: np.ndarray,
                     aux: np.ndarray | None = None) -> np.ndarray:
    """V of a conv1d or dense layer, bias included, on channels-last input ``h`` (N, L, C)
    (and, for the layer with the aux input, the aux values ``aux`` (N, features)).

    Returns (N, L_out, O) in the layer's exact dtype (see :func:`_exact_dtype`). The bias
    rides in the product as a last column of ones against a last weight row of biases, which
    saves a pass over the output; the aux values ride the same way as extra columns against
    the aux weights; the partial sums stay within :func:`accumulator_bound`.
    """
    dt = _exact_dtype(model, layer)
    n = h.shape[0]
    out = layer.out_channels
    if layer.kind == "dense":
        # The descriptor flattens channel-major (c*L + l); h flattens as l*C + c.
        w = layer.weight.reshape(out, layer.in_channels, layer.in_length).transpose(2, 1, 0)
        w = w.reshape(layer.taps, out)
        cols = np.empty((n, layer.taps + layer.aux_features + 1), dtype=dt)
        cols[:, :layer.taps] = h.reshape(n, layer.taps)
        if layer.has_aux:
            cols[:, layer.taps:-1] = aux
            w = np.vstack([w, layer.aux_weight.T])
    else:
        c, length = layer.in_shape
        k, s, p = layer.kernel, layer.stride, layer.padding
        per_sample = -(-(length + 2 * p) // s) * s      # padded length, a multiple of stride
        rows = n * per_sample // s                      # one row per window start on the grid
        seq = np.zeros((n * per_sample + k, c), dtype=dt)   # k spare rows: last window exists
        seq[:n * per_sample].reshape(n, per_sample, c)[:, p:p + length, :] = h
        windows = as_strided(seq, shape=(rows, k * c),
                             strides=(s * c * seq.itemsize, seq.itemsize), writeable=False)
        cols = np.empty((rows, k * c + 1), dtype=dt)
        cols[:, :-1] = windows
        w = layer.weight.transpose(2, 1, 0).reshape(k * c, out)     # row j*C + c
    cols[:, -1] = 1
    v = cols @ np.vstack([w, layer.bias[None, :]]).astype(dt)
    if layer.kind == "dense":
        return v[:, None, :]
    # Rows of windows that straddle two samples are dropped here.
    return v.reshape(n, per_sample // s, out)[:, :layer.out_length, :]


def weighted_sum(model: Model, layer: Layer, a: np.ndarray,
                 aux: np.ndarray | None = None) -> np.ndarray:
    """V of a conv1d or dense layer for inputs ``a`` (N, C, L) int64 (and the aux values
    (N, features) for the layer with the aux input) -> (N, O, L_out) int64."""
    v = _weighted_sum_cl(model, layer, np.asarray(a).transpose(0, 2, 1), aux)
    return v.astype(np.int64).transpose(0, 2, 1)


def fire(v: np.ndarray, theta: np.ndarray, timesteps: int, *, axis: int = 1) -> np.ndarray:
    """SSF fire: clamp(floor(V / theta), 0, T), ``theta`` per output channel along ``axis``.

    Integer V gives int64 counts. Float V gives float counts, exactly, provided every V is an
    integer the format holds (|V| < 2**p, p = 24 for float32, 53 for float64), as the fast
    path guarantees: the quotient x = V / theta is rounded once, with an error of at most
    |x| * 2**-p = |V| / theta * 2**-p < 1 / theta, while a non-integer x is at least 1 / theta
    from every integer, so floor(x) is unchanged. A theta of 2**p or more (not held exactly)
    is larger than |V| and still rounds to at least 2**p, so the count is 0 either way.
    """
    if v.dtype.kind in "iu":
        shape = [1] * v.ndim
        shape[axis] = -1
        return np.clip(np.floor_divide(v, theta.reshape(shape)), 0, timesteps)
    if (theta == theta[0]).all():
        th = v.dtype.type(theta[0])      # a scalar divisor is several times faster
    else:
        shape = [1] * v.ndim
        shape[axis] = -1
        th = theta.reshape(shape).astype(v.dtype)
    counts = np.divide(v, th)
    np.floor(counts, out=counts)
    return np.clip(counts, 0, timesteps, out=counts)


def maxpool(a: np.ndarray, layer: Layer, *, axis: int = 2) -> np.ndarray:
    """Max over each pooling window of ``a`` along ``axis`` (no padding)."""
    span = (layer.out_length - 1) * layer.stride + 1

    def tap(j: int) -> np.ndarray:
        index = [slice(None)] * a.ndim
        index[axis] = slice(j, j + span, layer.stride)
        return a[tuple(index)]

    out = tap(0).copy()
    for j in range(1, layer.kernel):
        np.maximum(out, tap(j), out=out)
    return out


def argmax_lowest(scores: np.ndarray) -> np.ndarray:
    """Index of the largest score per row; the lowest index wins a tie (as np.argmax does)."""
    return np.argmax(scores, axis=1).astype(np.int64)


def run(model: Model, x, *, aux=None, lanes: int = 1) -> GoldenResult:
    """Run a batch of raw inputs through the network.

    ``x``: (N, C, L) or (C, L) integers in the input range; ``aux``: (N, features) or
    (features,) integers for a model with an aux input, else None. ``lanes`` only changes the
    activation-traffic counters (the schedule of a core with that many PE lanes).
    """
    a = check_input(model, x)
    aux_values = check_aux(model, aux, a.shape[0])
    with single_threaded_blas():
        return _run(model, a, aux_values, lanes)


def _run(model: Model, a: np.ndarray, aux: np.ndarray | None, lanes: int) -> GoldenResult:
    n = a.shape[0]
    activations: list[np.ndarray] = []
    stats: list[LayerStats] = []
    t = model.timesteps
    h = a.transpose(0, 2, 1)                 # channels-last working layout, (N, L, C)
    for layer in model.layers:
        traffic = layer_traffic(layer, lanes)
        if layer.has_weights:
            # Effective synops: each non-zero input times the weights it meets.
            reach = input_reach(layer).T.reshape(-1).astype(np.float64)
            nonzero_in = (h != 0).reshape(n, reach.size).astype(np.float64)
            synops = (nonzero_in @ reach).astype(np.int64) * layer.out_channels
            if layer.has_aux:
                synops += np.count_nonzero(aux, axis=1) * layer.out_channels
            v = _weighted_sum_cl(model, layer, h, aux if layer.has_aux else None)
            out = v if layer.is_output else fire(v, layer.theta, t, axis=2)
        else:
            synops = np.zeros(n, dtype=np.int64)
            out = maxpool(h, layer, axis=1)
        values = out.astype(np.int64)        # (N, L, C), C-contiguous
        flat = values.reshape(n, math.prod(values.shape[1:]))
        neurons = flat.shape[1]
        nonzero = np.count_nonzero(flat, axis=1).astype(np.int64)
        # The output layer emits scores, not spikes.
        spikes = np.zeros(n, dtype=np.int64) if layer.is_output else flat.sum(axis=1)
        stats.append(LayerStats(
            name=layer.name, kind=layer.kind, neurons=neurons, macs=layer.macs,
            weight_reads=traffic.weight_reads, activation_reads=traffic.activation_reads,
            activation_writes=traffic.activation_writes, synops=synops, nonzero=nonzero,
            spikes=spikes, spike_rate=spikes / (neurons * t),
            sparsity=1.0 - nonzero / neurons))
        activations.append(values.transpose(0, 2, 1))
        h = out
    scores = activations[-1].reshape(n, model.num_classes)
    return GoldenResult(scores=scores, predictions=argmax_lowest(scores),
                        activations=activations, layers=stats, timesteps=t,
                        lanes=lanes)
