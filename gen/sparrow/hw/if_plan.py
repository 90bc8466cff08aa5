"""Hardware plan of the ``if`` variant: a per-timestep integrate-and-fire core.

The ``if`` twin runs the network of :func:`sparrow.model.run_if` (non-leaky, reset by
subtraction, at most one spike per step) on the same datapath as the SSF core: the same
layer controller, weight buffer, PE lanes, memories, clock gates and ports. What differs:

**Order.** Layer by layer; inside a layer, step by step (``t = 0 .. T-1``); inside a step the
SSF walk (for every output position ``q``, group ``g`` of ``P`` output channels: the valid
input positions of ``q``'s window, their source words). Neurons of one layer are independent,
so this order gives ``run_if``'s spikes exactly. Between two steps of a layer the pipeline
drains (``2`` cycles) and the layer restarts with its first fetch (``1`` cycle).

**Encoder (the ANN layer).** ``run_if`` spreads the layer's charge ``V = b + W x`` evenly over
the window: ``I(t) = floor(V (t+1) / T) - floor(V t / T)``. The core recomputes ``V`` at
every step (its weights are read ``T`` times, as a per-step IF core must) and keeps the
membrane scaled by ``T``: ``U(t) = U(t-1) + V``, fire when ``U(t) >= T theta``, then
``U -= T theta``. With ``k`` spikes before step ``t``, ``U(t) = (t+1) V - k T theta`` and
``u(t) = floor(V (t+1) / T) - k theta``; since ``(k+1) theta`` is an integer,
``u(t) >= theta  <=>  floor(V (t+1) / T) >= (k+1) theta  <=>  V (t+1) >= (k+1) T theta
<=> U(t) >= T theta``: the same spikes, without a divider.

**Spiking layers.** ``I(t) = W s(t) + beta(t)`` with the bias spread
``beta(t) = floor(b (t+1) / T) - floor(b t / T)``. The lanes start a group from ``beta(t)``
(the bias memory holds ``T`` words per group: word ``t * groups + g``, precomputed by the plan,
also what the config port loads in loadable mode) and add the weight of every input spike (the
operand is the spike, 1: a zero spike issues nothing, event-driven). The fire unit adds the
step's current to the membrane, compares with ``theta`` and subtracts. The output layer
integrates without firing; after its last step the membranes are the scores.

**Max-pooling** by running maxima of cumulative counts, with a state per output neuron and
window tap: the deficit ``d_j = M - cum_j`` (``M`` the running maximum, ``cum_j`` tap ``j``'s
cumulative input count; ``0 <= d_j <= T``). A step's input spikes ``s_j`` raise ``M`` by one
exactly when a tap at the maximum (``d_j = 0``) spikes; that is the output spike ``o``, and
``d_j += o - s_j``.

**Memories.** Spike trains between layers: the ping-pong banks, one bit per neuron, spike
``(t, c, l)`` of a layer output in word ``t * L * groups + l * groups + c // P``, lane ``c % P``.
Membranes: one memory of ``P`` lanes x :attr:`IfPlan.membrane_bits`, neuron ``(c, q)`` of the
running layer in word ``q * groups + c // P`` (a pooling layer keeps its deficits there, one
``count_bits`` field per tap). A group's membrane word is read in the cycle its last tap
accumulates, updated and written back in the fire cycle; step 0 starts from 0 without reading.

**Limits.** ``T`` up to :attr:`~sparrow.hw.plan.Limits.max_if_timesteps` (64 by default: the
spike buffers and the spread-bias tables grow with ``T``, the cycles with ``T`` times the
SSF walk); always event-driven (no dense schedule).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..model.descriptor import Layer, Model
from ..model.golden import accumulator_range, fan_in, signed_bits
from ..model.if_reference import spread
from .plan import HardwareLimitError, HardwarePlan, LayerPlan, Limits, _config_regions


def step_current_range(model: Model, layer: Layer) -> tuple[int, int]:
    """Range of one step's current ``beta(t) + W s(t)`` of a spiking layer (spikes 0/1, any
    weights and biases within the declared widths)."""
    w_lo, w_hi = layer.weight_range
    b_lo, b_hi = layer.bias_range
    T = model.timesteps
    taps = fan_in(layer)
    return b_lo // T + taps * min(w_lo, 0), -(-b_hi // T) + taps * max(w_hi, 0)


def membrane_range(model: Model, layer: Layer) -> tuple[int, int]:
    """Range of a weighted layer's membrane before and after a fire (see the module doc):
    ``T`` times the per-step charge, the ANN layer's membrane being scaled by ``T``."""
    lo, hi = accumulator_range(model, layer) if layer.index == 0 else \
        step_current_range(model, layer)
    T = model.timesteps
    return min(0, T * lo), max(0, T * hi)


@dataclass(frozen=True)
class IfPlan(HardwarePlan):
    """The plan of an ``if`` core (build it with ``plan_core(..., variant="if")``)."""

    variant: str = "if"

    @property
    def activation_bits(self) -> int:
        return 1

    @property
    def steps(self) -> int:
        return self.model.timesteps

    @property
    def pool_taps(self) -> int:
        """Most taps of a pooling window (the deficits a pooling neuron keeps)."""
        return max((l.kernel for l in self.layers if l.kind == "pool"), default=0)

    @property
    def membrane_bits(self) -> int:
        """Bits per lane of the membrane memory: the widest membrane, or a pooling neuron's
        deficits (``count_bits`` per tap)."""
        weighted = [signed_bits(*membrane_range(self.model, self.model.layers[l.index]))
                    for l in self.layers if l.has_weights]
        return max(weighted + [self.pool_taps * self.count_bits])

    @property
    def membrane_words(self) -> int:
        return max(l.out_length * l.groups for l in self.layers)

    @property
    def membrane_memory_bits(self) -> int:
        return self.membrane_words * self.lanes * self.membrane_bits

    @property
    def membrane_accesses(self) -> int:
        """Membrane words read (= written) per inference: every group at every output position
        and step, but step 0 starts from 0 without a read."""
        return sum((self.steps - 1) * l.out_length * l.groups for l in self.layers)

    @property
    def ideal_cycles(self) -> float:
        """Lower bound: every input spiking at every step, spread over all lanes."""
        return self.weight_reads / self.lanes

    @property
    def lane_utilization(self) -> float:
        """Fraction of lane-cycles doing a useful accumulate with every input spiking at every
        step (the dense schedule)."""
        return self.weight_reads / (self.lanes * self.cycles_per_inference)

    def dense_counters(self):
        from .if_schedule import if_counters      # the schedule builds on the plan
        return if_counters(self)

    def fire_params(self, layer: LayerPlan) -> np.ndarray:
        """Per group and lane: the threshold the fire unit compares with and subtracts,
        ``T theta`` for the ANN layer (its membrane is scaled by T), ``theta`` after."""
        theta = np.asarray(self.model.layers[layer.index].theta, dtype=np.int64)
        scale = self.steps if layer.src == "input" else 1
        out = np.ones(layer.groups * self.lanes, dtype=np.int64)
        out[:layer.out_channels] = theta * scale
        return out.reshape(layer.groups, self.lanes)

    def bias_words(self, layer: LayerPlan) -> np.ndarray:
        """The ANN layer: its biases, (groups, P). A spiking layer: the spread biases
        ``beta(t)``, (T * groups, P), word ``t * groups + g``."""
        b = super().bias_words(layer)
        if layer.src == "input":
            return b
        return np.concatenate([spread(b, t, self.steps) for t in range(self.steps)])

    def manifest(self) -> dict[str, Any]:
        out = super().manifest()
        T = self.steps
        out["widths"] |= {"membrane_bits": self.membrane_bits}
        out["memories"]["activation_buffers"]["layout"] = (
            "spike (t, c, l) of a layer output: word t*L*groups + l*groups + c//P, lane c%P")
        out["memories"]["membranes"] = {
            "words": self.membrane_words, "bits_per_word": self.lanes * self.membrane_bits,
            "bits": self.membrane_memory_bits,
            "layout": "neuron (c, q) of the running layer: word q*groups + c//P, lane c%P "
                      "(a pooling neuron: one count_bits deficit per window tap)"}
        out["per_inference"]["synaptic_ops"] = self.weight_reads      # every input spiking
        out["per_inference"]["membrane_reads"] = self.membrane_accesses
        out["per_inference"]["membrane_writes"] = self.membrane_accesses
        out["counters"] |= {
            "weight_reads": f"weights used by the lanes: the ANN layer's at each of the {T} "
                            "steps, a spiking layer's once per input spike and output it "
                            "reaches (zero spikes read nothing)",
            "activation_reads": "input-buffer samples and spike words fetched, every step",
            "activation_writes": "spike words written, every step (output layer excluded)",
            "synops": "weight reads with a non-zero operand (effective synaptic operations)",
        }
        return out


def if_variant(plan: HardwarePlan, limits: Limits) -> IfPlan:
    """The ``if`` plan of the model of ``plan`` (an SSF plan of the same lanes and mode)."""
    model = plan.model
    T = model.timesteps
    if T > limits.max_if_timesteps:
        raise HardwareLimitError(
            f"timesteps: T = {T}; the if variant is generated for T up to "
            f"{limits.max_if_timesteps} (its spike buffers and spread biases grow with T)")
    if model.layers[0].is_output:
        # Its only layer reads the samples and integrates without firing: no spike anywhere,
        # so there is no integrate-and-fire core to build (run_if is then the ANN itself).
        raise HardwareLimitError(
            f"variant if: model {model.name} has no spiking layer (its output layer reads the "
            "input directly); generate it as variant ssf")
    if model.aux_input is not None:
        # The reference (run_if) spreads b + W_aux aux over the steps like a bias: the if core
        # would need that charge computed and spread before its first step, a pass over the
        # aux weights its per-step schedule does not have.
        raise HardwareLimitError(
            f"variant if: model {model.name} joins an aux input at layer "
            f"{model.aux_layer.name}; the integrate-and-fire core has no aux path (its aux "
            "charge must be spread over the steps before the first one); generate it as "
            "variant ssf")
    rows = tuple(_if_layer(row, T) for row in plan.layers)
    act_words = [1, 1]
    for row in rows:
        if row.dst != "scores":
            bank = int(row.dst[-1])
            act_words[bank] = max(act_words[bank], T * row.out_length * row.groups)
    for i, words in enumerate(act_words):
        if words > limits.max_words:
            raise HardwareLimitError(f"activation buffer act{i}: {words} words of spikes "
                                     f"needed for T = {T}; the limit is {limits.max_words}")
    regions = _config_regions(list(rows), plan.lanes)
    total_cfg = max(r.base + r.size for r in regions)
    fields = {f: getattr(plan, f) for f in plan.__dataclass_fields__ if f != "variant"}
    fields |= dict(layers=rows, zero_skip=True, act_words=tuple(act_words),
                   operand_bits=max(signed_bits(model.input.min_value, model.input.max_value),
                                    2),
                   config_regions=regions,
                   config_addr_bits=max(1, math.ceil(math.log2(total_cfg))))
    out = IfPlan(**fields)
    if out.membrane_bits > limits.max_accumulator_bits:
        raise HardwareLimitError(f"membranes: {out.membrane_bits} bits needed; the core is "
                                 f"generated for at most {limits.max_accumulator_bits}")
    return out


def _if_layer(row: LayerPlan, T: int) -> LayerPlan:
    """A layer-table row of the if core: every step walks the SSF schedule once."""
    spiking = row.has_weights and row.src != "input"
    fire = "max" if row.kind == "pool" else ("none" if row.dst == "scores" else "if")
    return replace(row, fire=fire, fire_cycles=0, zero_skip=spiking,
                   bias_words=T * row.groups if spiking else row.bias_words,
                   weight_reads=T * row.weight_reads,
                   activation_reads=T * row.activation_reads,
                   activation_writes=T * row.activation_writes)
