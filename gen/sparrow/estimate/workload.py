"""What one layer does per inference, in the counts the energy estimators need.

A :class:`LayerWork` is neutral: it comes from a Sparrow descriptor plus golden-model
statistics (:func:`model_work`) or from the generic layer of the analytical paper
(:func:`square_layer`). Counts are means over the inferences of a batch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from ..model import GoldenResult, Model
from ..model.golden import input_reach


@dataclass(frozen=True)
class LayerWork:
    """One weighted layer, per inference.

    ``synapses``: products of the dense schedule (padding taps skipped; Sparrow's MACs).
    ``weights``: distinct weights (a conv1d reuses each at every output position).
    ``spike_deliveries``: input spikes times the synapses each one reaches, summed over the
    window (sum over inputs of count x fan-out): the synaptic events of an event-driven
    per-timestep SNN. ``nonzero_synapses``: products whose input is not zero (synops).
    ``output_spikes``: spikes the layer emits over the window (0 if it does not fire).
    ``in_channels`` x ``kernel`` -> ``out_channels`` at ``out_positions`` positions is the
    layer's shape as a crossbar sees it (dense: the flattened inputs as channels, kernel 1).
    ``input_bits``: raw sample width when the layer reads samples (the ANN layer of a hybrid
    network), None when it reads spike counts.
    """

    name: str
    synapses: int
    weights: int
    neurons: int
    inputs: int
    weight_bits: int
    in_channels: int
    out_channels: int
    kernel: int
    out_positions: int
    fires: bool
    input_bits: int | None
    spike_deliveries: float
    nonzero_synapses: float
    output_spikes: float

    @property
    def nonzero_fraction(self) -> float:
        """Fraction of products with a non-zero input (1 for a layer without products)."""
        return self.nonzero_synapses / self.synapses if self.synapses else 1.0

    def with_spike_rate_scaled(self, factor: float, *, scale_nonzero: bool) -> LayerWork:
        """The same layer with ``factor`` times the spikes in and out. With
        ``scale_nonzero`` the non-zero inputs scale too (capped at all of them): a
        first-order rate sweep; without, which inputs are zero is kept (a change of T at the
        same rate)."""
        nonzero = (min(self.synapses, self.nonzero_synapses * factor) if scale_nonzero
                   else self.nonzero_synapses)
        return replace(self, spike_deliveries=self.spike_deliveries * factor,
                       output_spikes=self.output_spikes * factor, nonzero_synapses=nonzero)


def square_layer(fan_in: int, spike_rate: float, timesteps: int, weight_bits: int, *,
                 nonzero_fraction: float, neurons: int = 1) -> LayerWork:
    """The analytical paper's generic layer: ``neurons`` inputs and outputs, each output
    summing ``fan_in`` inputs, every neuron firing at ``spike_rate`` (spikes per neuron per
    timestep) and a QNN twin whose non-zero activations are ``nonzero_fraction``."""
    if not 0 <= spike_rate <= 1:
        raise ValueError(f"spike rate must be in 0..1, got {spike_rate}")
    synapses = neurons * fan_in
    return LayerWork(name="layer", synapses=synapses, weights=synapses, neurons=neurons, inputs=neurons,
                     weight_bits=weight_bits, in_channels=fan_in, out_channels=neurons,
                     kernel=1, out_positions=1, fires=True, input_bits=None,
                     spike_deliveries=spike_rate * timesteps * synapses,
                     nonzero_synapses=nonzero_fraction * synapses,
                     output_spikes=spike_rate * timesteps * neurons)


def model_work(model: Model, result: GoldenResult) -> list[LayerWork]:
    """Per weighted layer of ``model``, the work measured by a golden run (``result``).

    Pooling layers move counts but hold no synapses; their outputs are the next weighted
    layer's inputs, which is where their spikes are counted.
    """
    works = []
    previous: np.ndarray | None = None          # (N, C, L) input counts of the next layer
    for layer, stats, out in zip(model.layers, result.layers, result.activations):
        if layer.has_weights:
            conv = layer.kind == "conv1d"
            fan_out = (input_reach(layer) * layer.out_channels).astype(np.float64)
            if previous is None:                # the ANN layer reads raw samples
                deliveries = 0.0
            else:
                deliveries = float(np.mean(np.einsum("ncl,cl->n", previous, fan_out)))
            works.append(LayerWork(
                name=layer.name, synapses=layer.macs, weights=layer.n_weights,
                neurons=stats.neurons,
                inputs=math.prod(layer.in_shape), weight_bits=layer.weight_bits,
                in_channels=(layer.in_channels if conv else math.prod(layer.in_shape)),
                out_channels=layer.out_channels, kernel=layer.kernel if conv else 1,
                out_positions=layer.out_length, fires=layer.fires,
                input_bits=model.input.bits if previous is None else None,
                spike_deliveries=deliveries,
                nonzero_synapses=float(np.mean(stats.synops)),
                output_spikes=float(np.mean(stats.spikes))))
        previous = out.astype(np.float64)
    return works
