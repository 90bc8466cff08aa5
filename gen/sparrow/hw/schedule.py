"""The core's schedule as numbers: cycles and memory traffic of one inference, exactly as the
hardware counters will report them, from the golden model's activations.

The schedule (``layer_controller``) walks, for every output position ``q`` and group ``g`` of
``P`` output channels, the valid input positions of ``q``'s window (padding positions cost
nothing) and, at each, the source words of that position: one sample per word from the input
buffer, ``P`` counts per word from an activation bank. Each fetched word costs one cycle per
element it *issues* (a multiply-accumulate on ``P`` lanes), and at least one cycle:

* a sample of the input layer always issues (the ANN layer is dense);
* a word of counts issues its non-zero counts when zero skipping is on (a zero count adds
  nothing to V: its weight read and its MAC are skipped), every valid lane when it is off;
* a pooling word issues once (the lanes take the element-wise maximum);
* after each window of the layer with the aux input, every aux value is fetched as a word of
  its own and issues, zero or not (the aux part is an ANN layer, dense like the input layer):
  one cycle, one activation read and ``P`` weight reads per value and group; synops count its
  non-zero values only.

A group takes at least ``fire_cycles`` cycles (a divide-mode fire needs them between groups).
A layer adds one cycle to fetch its first word and ``2 + fire_cycles`` to drain its pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .plan import HardwarePlan, LayerPlan

FIRST_FETCH_CYCLES = 1
"""Cycles a layer spends fetching its first word before it issues."""


@dataclass(frozen=True)
class Counters:
    """Per inference (arrays of shape (N,)): the hardware counters' values."""

    cycles: np.ndarray
    weight_reads: np.ndarray
    activation_reads: np.ndarray
    activation_writes: np.ndarray
    synops: np.ndarray

    def as_dict(self) -> dict[str, np.ndarray]:
        return {"cycles": self.cycles, "weight_reads": self.weight_reads,
                "activation_reads": self.activation_reads,
                "activation_writes": self.activation_writes, "synops": self.synops}

    def __add__(self, other: Counters) -> Counters:
        return Counters(*(a + b for a, b in zip(self.as_dict().values(),
                                                other.as_dict().values())))


def window(layer: LayerPlan, q: int) -> range:
    """Valid input positions of output position ``q`` (padding left out)."""
    base = q * layer.stride - layer.padding
    return range(max(base, 0), min(base + layer.kernel, layer.in_length))


def _word_elements(plan: HardwarePlan, layer: LayerPlan, source: np.ndarray | None):
    """(issued, nonzero): per inference, word and input position, the elements a fetched word
    issues and its non-zero operands, shapes (N, words, L). ``source`` (N, C, L) are the
    layer's input values; None gives the dense schedule (every element non-zero)."""
    n = 1 if source is None else source.shape[0]
    if layer.src == "input":
        ones = np.ones((n, layer.in_channels, layer.in_length), dtype=np.int64)
        nonzero = ones if source is None else (source != 0).astype(np.int64)
        return ones, nonzero
    p, words = plan.lanes, layer.row_words
    channels = np.zeros((n, words * p, layer.in_length), dtype=bool)
    if source is None:
        channels[:, :layer.in_channels] = True
    else:
        channels[:, :layer.in_channels] = source != 0
    nonzero = channels.reshape(n, words, p, layer.in_length).sum(axis=2)
    valid = np.minimum(p, layer.in_channels - np.arange(words) * p)[None, :, None]
    issued = nonzero if layer.zero_skip else np.broadcast_to(valid, nonzero.shape)
    return np.asarray(issued, dtype=np.int64), nonzero


def layer_counters(plan: HardwarePlan, layer: LayerPlan, source: np.ndarray | None,
                   aux: np.ndarray | None = None) -> Counters:
    """The counters of one layer (see the module doc); ``source`` None: dense schedule.
    ``aux`` (N, features): the aux values, for the layer with the aux input (None with
    ``source`` None: every value non-zero)."""
    n = 1 if source is None else source.shape[0]
    if layer.kind == "pool":
        fetches = layer.out_length * layer.groups * layer.kernel
        cycles = FIRST_FETCH_CYCLES + fetches + layer.drain_cycles
        writes = layer.out_length * layer.groups
        zeros = np.zeros(n, dtype=np.int64)
        return Counters(np.full(n, cycles), zeros, np.full(n, fetches), np.full(n, writes),
                        zeros)
    issued, nonzero = _word_elements(plan, layer, source)
    cost = np.maximum(issued, 1).sum(axis=1)                  # (N, L): cycles per position
    issued_per_pos = issued.sum(axis=1)
    nonzero_per_pos = nonzero.sum(axis=1)
    cycles = np.full(n, FIRST_FETCH_CYCLES + layer.drain_cycles, dtype=np.int64)
    fetches = reads = synops = 0
    # Aux values close every window of the aux layer: each issues once, zero or not.
    aux_nonzero = 0
    if layer.aux_words:
        aux_nonzero = layer.aux_words if source is None else np.count_nonzero(aux, axis=1)
    for q in range(layer.out_length):
        span = window(layer, q)
        group_cycles = np.maximum(cost[:, span.start:span.stop].sum(axis=1) + layer.aux_words,
                                  layer.fire_cycles)
        cycles = cycles + layer.groups * group_cycles
        fetches += layer.groups * (len(span) * issued.shape[1] + layer.aux_words)
        reads = reads + issued_per_pos[:, span.start:span.stop].sum(axis=1) + layer.aux_words
        synops = (synops + nonzero_per_pos[:, span.start:span.stop].sum(axis=1) +
                  aux_nonzero)
    writes = 0 if layer.dst == "scores" else layer.out_length * layer.groups
    return Counters(cycles, reads * layer.out_channels, np.full(n, fetches),
                    np.full(n, writes), synops * layer.out_channels)


def inference_counters(plan: HardwarePlan, x: np.ndarray | None = None,
                       activations: list[np.ndarray] | None = None,
                       aux: np.ndarray | None = None) -> Counters:
    """The counters of inferences ``x`` (N, C, L) with aux values ``aux`` (N, features; a
    model with an aux input) whose layer outputs (the golden model's
    ``GoldenResult.activations``) are ``activations``; all None: the dense schedule, an upper
    bound on the cycles of any inference."""
    totals = None
    for layer in plan.layers:
        source = None if x is None else (x if layer.index == 0
                                         else activations[layer.index - 1])
        c = layer_counters(plan, layer, source, aux if layer.aux_words else None)
        totals = c if totals is None else totals + c
    return totals
