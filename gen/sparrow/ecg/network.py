"""PyTorch form of an SSF network, for training: float phase, quantization-aware phase,
integer export and a bit-exact integer evaluation.

Imports torch: only :mod:`sparrow.ecg.train` and the tests load this module.

Float phase. Every weighted layer but the output computes ``V = W a + B`` and the activation
``clamp(V / thr, 0, 1)``, where ``thr`` is a per-layer constant calibrated on data at
initialization. The activations do not depend on T, so one float network serves every T.

Quantization-aware phase for T timesteps (:meth:`SSFNet.to_qat`). The network becomes the
integer model itself, with straight-through gradients:

* the counts of a fired layer are ``c = clamp(floor(V_int / theta), 0, T)``;
* layer 0 reads the raw 8-bit samples, later layers read counts;
* ``V_int = b_int + sum(w_int * input)`` with ``w_int = clamp(round(W / s), weight range)``
  and ``b_int = clamp(round(B / s), bias range)``;
* the weight scale of output channel j is ``s_j = thr / 2**k_j`` with ``theta_j = 2**k_j``
  the largest power of two for which the channel's weights still fit their bit width (per
  layer with ``per_channel=False``: the smallest k_j of the layer). So the threshold is a
  power of two (fire is a shift) and the float threshold ``thr`` is folded into the weights;
* the output layer has one scale ``s = max|W| / w_max`` (a common factor keeps the argmax);
  its ``V_int * s`` are the logits the loss sees.

Aux input (RR features): the dense layer that receives it adds ``W_aux aux`` to its V, aux
being the raw integers in both phases. For the optimizer the aux weights are held as
``W_aux / 2**-(bits - 2)`` (a fixed rescaling: raw values of up to 2**bits would otherwise
make one optimizer step move V by hundreds); they share the layer's per-channel scale in the
quantization-aware phase and are not divided by T (the aux values do not become counts).

Rounding and floor use straight-through gradients (identity). The conversion from the float
phase divides the weights of layers after the first by T (they now read counts 0..T instead
of 0..1), sets ``thr <- thr / T``, and adds ``thr / 2`` to the biases of fired layers so that
``floor`` starts as round-to-nearest of the float activation.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..model.descriptor import Layer, Model


def round_ste(x: torch.Tensor) -> torch.Tensor:
    """round(x) forward, identity gradient."""
    return x + (torch.round(x) - x).detach()


def floor_ste(x: torch.Tensor) -> torch.Tensor:
    """floor(x) forward, identity gradient."""
    return x + (torch.floor(x) - x).detach()


def _linear_op(layer: Layer, a: torch.Tensor, w: torch.Tensor, b: torch.Tensor,
               aux: torch.Tensor | None = None, w_aux: torch.Tensor | None = None
               ) -> torch.Tensor:
    """V of a conv1d or dense layer as (N, O, L_out); plus ``aux @ w_aux.T`` for the layer
    with the aux input."""
    if layer.kind == "conv1d":
        return F.conv1d(a, w, b, stride=layer.stride, padding=layer.padding)
    v = F.linear(a.flatten(1), w, b)
    if layer.has_aux:
        v = v + F.linear(aux.to(v.dtype), w_aux)
    return v[:, :, None]


class SSFNet(nn.Module):
    """Trainable network with the layer structure of ``skeleton`` (a validated Model whose
    weights and thresholds are ignored)."""

    def __init__(self, skeleton: Model):
        super().__init__()
        self.skeleton = skeleton
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        self._slot: dict[int, int] = {}
        for layer in skeleton.layers:
            if not layer.has_weights:
                continue
            self._slot[layer.index] = len(self.weights)
            # PyTorch's default initialization for a layer of that shape (Kaiming-uniform).
            if layer.kind == "conv1d":
                mod = nn.Conv1d(layer.in_channels, layer.out_channels, layer.kernel)
            else:
                mod = nn.Linear(layer.taps, layer.out_channels)
            self.weights.append(nn.Parameter(mod.weight.detach().clone()))
            self.biases.append(nn.Parameter(mod.bias.detach().clone()))
            if layer.has_aux:
                self.aux_slot = len(self.weights) - 1
                self.aux_weight = nn.Parameter(
                    nn.Linear(layer.aux_features, layer.out_channels).weight.detach().clone())
                self.aux_norm = 2.0 ** -(skeleton.aux_input.bits - 2)
        # Float threshold per weighted layer (the output's entry is unused).
        self.register_buffer("thr", torch.ones(len(self.weights)))
        self.timesteps: int | None = None      # None: float phase; T: quantization-aware
        self.weight_bits = 8
        self.bias_bits = 16
        self.per_channel = True
        # Training only: dropout on the morphology input of the aux layer, so that the
        # network cannot lean on the beat's shape alone where the aux features tell.
        self.morphology_dropout = 0.0

    # -----------------------------------------------------------------------------------------
    # Float phase

    def _aux_float(self) -> torch.Tensor | None:
        """The aux weights of the float phase, in V per raw aux unit."""
        return self.aux_weight * self.aux_norm if hasattr(self, "aux_weight") else None

    @torch.no_grad()
    def calibrate(self, x: torch.Tensor, aux: torch.Tensor | None = None,
                  quantile: float = 0.99) -> None:
        """Set each fired layer's ``thr`` so the given quantile of its positive V maps to 1."""
        a = x.float()
        for layer in self.skeleton.layers:
            if not layer.has_weights:
                a = F.max_pool1d(a, layer.kernel, layer.stride)
                continue
            i = self._slot[layer.index]
            v = _linear_op(layer, a, self.weights[i], self.biases[i], aux, self._aux_float())
            if layer.is_output:
                break
            pos = v[v > 0]
            # torch.quantile refuses very large inputs; 100k values pin the quantile well.
            self.thr[i] = torch.quantile(pos[:100_000], quantile) if pos.numel() else 1.0
            a = torch.clamp(v / self.thr[i], 0, 1)

    # -----------------------------------------------------------------------------------------
    # Quantization-aware phase

    @torch.no_grad()
    def to_qat(self, timesteps: int, *, weight_bits: int = 8, bias_bits: int = 16,
               per_channel: bool = True) -> None:
        """Switch a float-phase network to the integer model with T = ``timesteps``."""
        if self.timesteps is not None:
            raise ValueError("the network is already quantization-aware")
        for layer in self.skeleton.layers:
            if not layer.has_weights:
                continue
            i = self._slot[layer.index]
            if layer.index > 0:
                self.weights[i].div_(timesteps)
            if not layer.is_output:
                self.thr[i] /= timesteps
                self.biases[i].add_(self.thr[i] / 2)
        self.timesteps = timesteps
        self.weight_bits = weight_bits
        self.bias_bits = bias_bits
        self.per_channel = per_channel

    def quantized(self, layer: Layer) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor,
                                               torch.Tensor, torch.Tensor | None]:
        """(w_int, b_int, scale per output channel, theta per output channel (ones for the
        output layer), aux w_int or None) of ``layer`` in the quantization-aware phase, with
        STE gradients."""
        i = self._slot[layer.index]
        w, b = self.weights[i], self.biases[i]
        w_aux = self._aux_float() if layer.has_aux else None
        w_max = (1 << (self.weight_bits - 1)) - 1
        b_max = (1 << (self.bias_bits - 1)) - 1
        with torch.no_grad():
            wabs = w.abs().reshape(w.shape[0], -1).amax(dim=1)
            if w_aux is not None:
                wabs = torch.maximum(wabs, w_aux.abs().amax(dim=1))
            wabs = wabs.clamp_min(1e-12)
            if layer.is_output:
                scale = (wabs.max() / w_max).expand(w.shape[0]).clone()
                theta = torch.ones_like(scale)
            else:
                # theta >= 1: a channel whose weights are large against thr clips at k = 0.
                k = torch.floor(torch.log2(self.thr[i] * w_max / wabs)).clamp(0, 30)
                if not self.per_channel:
                    k = k.min().expand_as(k).clone()
                theta = torch.exp2(k)
                scale = self.thr[i] / theta
        shape = (-1,) + (1,) * (w.dim() - 1)
        w_int = torch.clamp(round_ste(w / scale.reshape(shape)), -w_max - 1, w_max)
        b_int = torch.clamp(round_ste(b / scale), -b_max - 1, b_max)
        aux_int = None if w_aux is None else torch.clamp(
            round_ste(w_aux / scale[:, None]), -w_max - 1, w_max)
        return w_int, b_int, scale, theta, aux_int

    @torch.no_grad()
    def output_scale(self) -> float:
        """Logit value of one integer score unit of the output layer (quantization-aware
        phase): the integer scores times this are the logits the loss sees."""
        out = next(layer for layer in self.skeleton.layers if layer.is_output)
        return float(self.quantized(out)[2][0])

    # -----------------------------------------------------------------------------------------

    def forward(self, x: torch.Tensor, aux: torch.Tensor | None = None) -> torch.Tensor:
        """Logits (N, classes) of raw samples ``x`` (N, C, L) (and raw aux integers ``aux``
        (N, features) for a network with an aux input)."""
        a = x.float()
        for layer in self.skeleton.layers:
            if not layer.has_weights:
                a = F.max_pool1d(a, layer.kernel, layer.stride)
                continue
            i = self._slot[layer.index]
            if layer.has_aux and self.training and self.morphology_dropout:
                a = F.dropout(a, self.morphology_dropout)
            if self.timesteps is None:
                v = _linear_op(layer, a, self.weights[i], self.biases[i], aux,
                               self._aux_float())
                if layer.is_output:
                    return v.flatten(1)
                a = torch.clamp(v / self.thr[i], 0, 1)
            else:
                w_int, b_int, scale, theta, aux_int = self.quantized(layer)
                v = _linear_op(layer, a, w_int, b_int, aux, aux_int)
                if layer.is_output:
                    return v.flatten(1) * scale[0]
                a = torch.clamp(floor_ste(v / theta[None, :, None]), 0, self.timesteps)
        raise AssertionError("the skeleton has no output layer")

    @torch.no_grad()
    def export(self) -> tuple[dict, dict[str, np.ndarray]]:
        """(descriptor dict, integer weight arrays) of the quantization-aware network."""
        if self.timesteps is None:
            raise ValueError("export needs the quantization-aware phase (call to_qat first)")
        desc = self.skeleton.to_dict()
        desc["timesteps"] = self.timesteps
        arrays: dict[str, np.ndarray] = {}
        for layer, d in zip(self.skeleton.layers, desc["layers"]):
            if not layer.has_weights:
                continue
            w_int, b_int, _, theta, aux_int = self.quantized(layer)
            arrays[f"{layer.name}.weight"] = w_int.numpy().astype(np.int64)
            arrays[f"{layer.name}.bias"] = b_int.numpy().astype(np.int64)
            if aux_int is not None:
                arrays[f"{layer.name}.aux_weight"] = aux_int.numpy().astype(np.int64)
            d["weight_bits"] = self.weight_bits
            d["bias_bits"] = self.bias_bits
            if not layer.is_output:
                th = [int(t) for t in theta.numpy()]
                d["theta"] = th[0] if len(set(th)) == 1 else th
        return desc, arrays


# ---------------------------------------------------------------------------------------------
# Integer evaluation of an exported model


@torch.no_grad()
def integer_scores(model: Model, x: np.ndarray, aux: np.ndarray | None = None, *,
                   batch: int = 4096) -> np.ndarray:
    """Class scores (N, classes) int64 of ``model`` on raw samples ``x`` (N, C, L) (and the
    aux integers ``aux`` (N, features) for a model with an aux input).

    The training side's own integer evaluation (independent of the numpy golden model):
    float64 convolutions of integers (every partial sum is an integer far below 2**53, so
    exact), fire by int64 floor division.
    """
    out = []
    for start in range(0, len(x), batch):
        a = torch.as_tensor(np.asarray(x[start:start + batch]), dtype=torch.float64)
        aux_batch = None if aux is None else torch.as_tensor(
            np.asarray(aux[start:start + batch]), dtype=torch.float64)
        for layer in model.layers:
            if not layer.has_weights:
                a = F.max_pool1d(a, layer.kernel, layer.stride)
                continue
            w = torch.tensor(layer.weight, dtype=torch.float64)
            b = torch.tensor(layer.bias, dtype=torch.float64)
            w_aux = (torch.tensor(layer.aux_weight, dtype=torch.float64) if layer.has_aux
                     else None)
            v = _linear_op(layer, a, w, b, aux_batch, w_aux).to(torch.int64)
            if layer.is_output:
                a = v
                break
            theta = torch.tensor(layer.theta, dtype=torch.int64)[None, :, None]
            a = torch.clamp(torch.div(v, theta, rounding_mode="floor"), 0,
                            model.timesteps).to(torch.float64)
        out.append(a.flatten(1).numpy())
    return np.concatenate(out) if out else np.zeros((0, model.num_classes), dtype=np.int64)


def integer_predictions(model: Model, x: np.ndarray, aux: np.ndarray | None = None
                        ) -> np.ndarray:
    """argmax of :func:`integer_scores`, lowest index on a tie (torch.argmax is not
    documented to pick the first maximum, numpy's is)."""
    return np.argmax(integer_scores(model, x, aux), axis=1).astype(np.int64)

