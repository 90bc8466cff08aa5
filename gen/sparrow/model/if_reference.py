"""Per-timestep integrate-and-fire (IF) reference: non-leaky, reset by subtraction.

This is the conventional way to run the same network over T timesteps, kept beside the SSF
golden model as the baseline and to test the theory. Each weighted layer receives, at step
``t`` (0..T-1), a current ``I(t)``; its membrane ``u`` integrates it and, if ``u >= theta``,
the neuron emits one spike and ``u -= theta`` (at most one spike per step).

* The ANN layer (layer 0) gets its charge ``V = b + W x`` delivered evenly over the window
  (direct encoding): ``I(t) = floor(V (t+1) / T) - floor(V t / T)``.
* Later layers get ``I(t) = W s(t) + beta(t)`` with ``s(t)`` the input spikes of step t and
  the bias spread the same way, ``beta(t) = floor(b (t+1) / T) - floor(b t / T)``.
* Max-pooling emits a spike whenever the running maximum of its inputs' cumulative counts
  grows, so its count is the max of the input counts, as in SSF.
* The output layer does not fire: its score is the charge integrated over the window.
* The layer with the aux input gets its aux charge ``W_aux aux`` (raw integers, constant
  over the window) spread evenly like its bias: ``spread(b + W_aux aux)``. Its aux weights
  are read once per inference (the charge is computed once, then spread).

The total charge a neuron receives over the window is ``b + W c`` (c = input counts), the
SSF V. When the current is the same at every step (I = V / T), IF emits exactly
clamp(floor(V / theta), 0, T) spikes, the SSF count: with 0 <= I <= theta the membrane stays
below theta after each step's fire, so the spikes are floor(T I / theta); with I > theta it
fires every step (T); with I < 0 never (0). The same argument holds whenever every step's
current lies in 0..theta, or every one is at least theta, or every one is at most 0; it need
not be constant. So:

* the ANN layer always matches SSF: its even spread gives steps that differ by at most 1, so
  no step exceeds theta when V <= T theta, and every step reaches theta when V > T theta;
  a network whose only firing layer is layer 0 gives the SSF scores;
* a later layer gets a constant current when each of its inputs fires at every step or at
  none (count T or 0) and its bias is a multiple of T.

When the current varies beyond that, IF and SSF differ: a neuron can fire early on positive
current and never take the spike back when negative current follows (IF > SSF), and it cannot
emit more than one spike per step when current arrives late (IF < SSF). SSF is the "all input
first, then fire" limit of IF.

Weight traffic (event-driven IF: a zero spike skips its weight reads): the ANN layer reads all
its weights every step (T x its MACs); a later layer reads, for each input spike, the weights
of every output it reaches. Over the window that is sum over inputs of count x fan-out.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from .descriptor import Layer, Model
from .golden import (argmax_lowest, check_aux, check_input, input_reach, maxpool,
                     single_threaded_blas, weighted_sum)


@dataclass
class IfResult:
    scores: np.ndarray                       # (N, classes)
    predictions: np.ndarray                  # (N,)
    counts: list[np.ndarray] = field(repr=False)   # per layer (N, C, L) spike counts; output: V
    weight_reads: np.ndarray = field(repr=False)   # (N,) per inference
    weight_reads_per_layer: list[np.ndarray] = field(repr=False)
    # per layer but the output (N, T, C, L) bool: the spikes of every step (the counts summed)
    spike_trains: list[np.ndarray] = field(default_factory=list, repr=False)


def spread(total: np.ndarray, t: int, timesteps: int) -> np.ndarray:
    """Share of an integer ``total`` delivered at step ``t`` when spread evenly over T steps."""
    return (total * (t + 1)) // timesteps - (total * t) // timesteps


def fanout(layer: Layer) -> np.ndarray:
    """Per input position (C, L): how many weights one input spike reads (all output channels)."""
    return input_reach(layer) * layer.out_channels


def run_if(model: Model, x, *, aux=None) -> IfResult:
    """Run the IF network step by step over T timesteps (vectorized over the batch);
    ``aux`` as for :func:`sparrow.model.golden.run`."""
    a = check_input(model, x)
    aux_values = check_aux(model, aux, a.shape[0])
    with single_threaded_blas():
        return _run_if(model, a, aux_values)


def _run_if(model: Model, a: np.ndarray, aux: np.ndarray | None) -> IfResult:
    n = a.shape[0]
    T = model.timesteps
    counts: list[np.ndarray] = []
    reads: list[np.ndarray] = []
    spikes_in: list[np.ndarray] | None = None       # per step (N, C, L) 0/1 of the input
    trains: list[np.ndarray] = []
    for layer in model.layers:
        layer_aux = aux if layer.has_aux else None
        if layer.index == 0:
            charge = weighted_sum(model, layer, a, layer_aux)
            steps_current = [spread(charge, t, T) for t in range(T)]
            reads.append(np.full(n, T * layer.macs, dtype=np.int64))
        elif layer.has_weights:
            zero = np.zeros_like(spikes_in[0])
            spike_part = _spike_part(layer)
            # The constant charge: bias plus, for the aux layer, the aux products.
            constant = layer.bias[None, :, None]
            if layer.has_aux:
                constant = constant + (aux @ layer.aux_weight.T)[:, :, None]
            steps_current = []
            for t in range(T):
                share = spread(constant, t, T)
                steps_current.append(weighted_sum(model, spike_part, spikes_in[t]) + share)
            total_in = sum(spikes_in, zero)
            aux_reads = layer.out_channels * layer.aux_features
            reads.append((total_in * fanout(layer)[None]).sum(axis=(1, 2)) + aux_reads)
        else:
            cum_in = np.zeros_like(spikes_in[0])
            prev = maxpool(cum_in, layer)
            out_spikes = []
            for t in range(T):
                cum_in = cum_in + spikes_in[t]
                now = maxpool(cum_in, layer)
                out_spikes.append(now - prev)
                prev = now
            spikes_in = out_spikes
            trains.append(np.stack(out_spikes, axis=1).astype(bool))
            counts.append(prev)
            reads.append(np.zeros(n, dtype=np.int64))
            continue
        if layer.is_output:
            counts.append(sum(steps_current))
            break
        u = np.zeros_like(steps_current[0])
        theta = layer.theta[None, :, None]
        out_spikes = []
        for t in range(T):
            u = u + steps_current[t]
            s = (u >= theta).astype(np.int64)
            u = u - s * theta
            out_spikes.append(s)
        spikes_in = out_spikes
        trains.append(np.stack(out_spikes, axis=1).astype(bool))
        counts.append(sum(out_spikes))
    scores = counts[-1].reshape(n, model.num_classes)
    return IfResult(scores=scores, predictions=argmax_lowest(scores), counts=counts,
                    weight_reads=sum(reads), weight_reads_per_layer=reads,
                    spike_trains=trains)


def _spike_part(layer: Layer) -> Layer:
    """``layer`` without its bias and aux input: what the input spikes of one step drive."""
    zero = np.zeros_like(layer.bias)
    zero.setflags(write=False)
    return replace(layer, bias=zero, aux_features=0, aux_weight=None)
