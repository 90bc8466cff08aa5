"""Hardware plan: everything the generator derives from a model before building gates.

The plan fixes the schedule of the layer-sequential SSF core, so that the RTL, the manifest,
the testbenches and the reports all read the same numbers (widths, memory sizes and layout, the
layer table, the configuration address map, cycles per inference) instead of re-deriving them.

Schedule (one layer at a time, ``P`` = lanes):

* A ``dense`` layer is run as a ``conv1d`` whose kernel spans its whole input
  (``w_conv[o, c, j] = w_dense[o, c * L + j]``), so the core has two layer kinds: weighted
  (``conv``) and ``pool``.
* A weighted layer computes ``P`` output channels (a *group*) at one output position at a time.
  For each valid input position of the window (padding costs nothing) it fetches the source
  words of that position (one sample per word from the input buffer; ``P`` counts per word from
  an activation bank) and issues their elements one per cycle: the element is broadcast to the
  lanes with one word of ``P`` weights (tap ``t = j * C + c``). With zero skipping, a word of
  counts issues only its non-zero counts (at least one cycle per word).
* Fire is an arithmetic shift when every theta of the layer is a power of two (0 extra
  cycles), otherwise a restoring division of ``count_bits`` compare/subtract steps that
  overlaps the next group's accumulation (a group then takes at least ``count_bits`` cycles).
* A pool layer fetches one word of ``P`` counts per tap and keeps the element-wise maximum.
* A layer spends one cycle fetching its first word; after its last issue the pipeline drains
  (``2 + fire_cycles`` cycles) so that the next layer reads what was written.

Cycles per inference depend on the data with zero skipping: ``sparrow.hw.schedule`` computes
them (and the memory traffic) exactly from the golden model's activations, and gives the
dense schedule (every element issued) as the upper bound this plan reports.

Aux input (``[aux_input]`` of the descriptor): its raw integers reach the core through a
stream of their own (``aux``, taken before the samples of the same inference) and wait in a
small aux buffer (one value per word). The dense layer that receives them runs its window as
usual and then, before the group closes, fetches the aux words one by one; each issues its
value like a sample (the aux part of the layer is an ANN layer: dense, a zero value is not
skipped) against one word of ``P`` aux weights. The aux weights are the last ``features``
words of each group in the layer's weight memory (tap ``taps + f``), so they share its ROM or
RAM and its configuration region.

Memories: activations are stored as words of ``P`` counts: element ``(c, l)`` of a layer output
lives in word ``l * groups + c // P``, lane ``c % P``. The raw input buffer holds one sample per
word, time-major (``l * C + c``), which is also the order of the sample stream.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .. import defaults
from ..errors import SparrowError
from ..model.descriptor import Layer, Model
from ..model.golden import accumulator_bits, layer_traffic, signed_bits
from .memory import MEMORY_STYLES

INPUT_STYLES = ("buffer", "stream")
"""Values of the generator option ``input_style``: ``buffer`` takes the whole input, then
computes; ``stream`` computes the first layer while the samples arrive, from a ring of its
window (``HardwarePlan.input_depth``), and the core's clock stops while it waits for one."""


class HardwareLimitError(SparrowError):
    """The model does not fit the limits the core is generated for."""


@dataclass(frozen=True)
class Limits:
    """Elaboration-time limits of the generated core (a descriptor beyond them is refused)."""

    max_lanes: int = 64
    max_layers: int = 32
    max_channels: int = 1024
    max_length: int = 4096
    max_words: int = 1 << 16          # words per memory
    max_weight_bits_total: int = 1 << 20
    max_accumulator_bits: int = 40
    max_if_timesteps: int = 64        # T of the if variant (sparrow.hw.if_plan)


MODES = ("baked", "loadable")
VARIANTS = ("ssf", "if")
"""Neuron schemes of the generated core: ``ssf`` (spike counts, this module) and ``if``
(per-timestep integrate-and-fire, :mod:`sparrow.hw.if_plan`); ``qnn`` is ``ssf`` without zero
skipping."""
BUFFERS = ("input", "act0", "act1", "scores")


@dataclass(frozen=True)
class LayerPlan:
    """One row of the layer table, with the memories of its weights."""

    index: int
    name: str
    kind: str                      # "conv" (conv1d or dense) | "pool"
    source_kind: str               # the descriptor's kind
    in_channels: int
    in_length: int
    out_channels: int
    out_length: int
    kernel: int
    stride: int
    padding: int
    src: str                       # "input" | "act0" | "act1"
    dst: str                       # "act0" | "act1" | "scores"
    groups: int                    # output groups of P channels (pool: channel groups)
    taps: int                      # weights per group and output position (kernel x C)
    row_stride: int                # words per input position in the source buffer
    elems_per_word: int            # input channels per source word (1 for the input buffer)
    row_words: int                 # words a group fetches per input position
    fire: str                      # "shift" | "divide" | "none" (output) | "max" (pool)
    fire_cycles: int               # extra cycles of the fire step (divide: count_bits)
    active_last: int               # lanes used by the last group
    zero_skip: bool = False        # zero counts issue nothing (SSF layers of a skipping core)
    aux_words: int = 0             # aux values issued after each window (the aux layer)
    weight_bits: int = 0
    bias_bits: int = 0
    accumulator_bits: int = 0
    weight_words: int = 0          # depth of this layer's weight memory (words of P weights)
    bias_words: int = 0            # depth of its bias memory (words of P biases)
    weight_reads: int = 0          # per inference
    activation_reads: int = 0
    activation_writes: int = 0

    @property
    def drain_cycles(self) -> int:
        return 2 + self.fire_cycles

    @property
    def has_weights(self) -> bool:
        return self.kind == "conv"

    @property
    def group_words(self) -> int:
        """Weight words per group: the window's taps, then the aux weights."""
        return self.taps + self.aux_words


@dataclass(frozen=True)
class ConfigRegion:
    """A memory reachable through the configuration port (loadable mode).

    Element ``lane`` of word ``word`` is at address ``base + word * lane_span + lane``.
    """

    layer: int
    what: str                      # "weight" | "bias"
    base: int
    words: int
    lanes: int
    lane_span: int                 # power of two >= lanes
    bits: int                      # bits per element

    @property
    def size(self) -> int:
        return self.words * self.lane_span


@dataclass(frozen=True)
class HardwarePlan:
    """Derived parameters of one generated core. Build it with :func:`plan_core`."""

    model: Model = field(repr=False)
    lanes: int
    mode: str
    zero_skip: bool
    layers: tuple[LayerPlan, ...]
    count_bits: int
    operand_bits: int              # signed width of the multiplier's activation operand
    weight_bits: int               # widest weight
    accumulator_bits: int          # lane accumulator (widest layer)
    score_bits: int                # output layer V
    classes: int
    input_words: int
    act_words: tuple[int, int]     # depth of the two ping-pong banks
    config_regions: tuple[ConfigRegion, ...]
    config_addr_bits: int
    config_data_bits: int
    counter_bits: int = 32
    variant: str = "ssf"
    memory_style: str = "flop"     # how every memory is built (sparrow.hw.memory)
    input_style: str = "buffer"    # "buffer": the whole input; "stream": a window (INPUT_STYLES)

    # ---- widths -------------------------------------------------------------------------
    @property
    def class_bits(self) -> int:
        return max(1, math.ceil(math.log2(self.classes)))

    @property
    def input_bits(self) -> int:
        return self.model.input.bits

    @property
    def activation_bits(self) -> int:
        """Bits of one activation-buffer entry (a spike count)."""
        return self.count_bits

    @property
    def steps(self) -> int:
        """Passes of the schedule over each layer (the if variant: one per timestep)."""
        return 1

    # ---- schedule ----------------------------------------------------------------------
    @property
    def cycles_per_inference(self) -> int:
        """Clock cycles from the first compute cycle to ``result.valid`` of the dense schedule:
        exact without zero skipping, the upper bound with it (``sparrow.hw.schedule``)."""
        return int(self.dense_counters().cycles[0])

    def dense_counters(self):
        """The counters of the dense schedule (every element issued): an upper bound."""
        from .schedule import inference_counters     # the schedule module builds on the plan
        return inference_counters(self)

    @property
    def load_cycles(self) -> int:
        """Cycles to stream one input in at one sample per cycle."""
        return self.input_words

    @property
    def ideal_cycles(self) -> float:
        """Lower bound: synaptic ops spread over all lanes, no overhead."""
        return self.model.macs / self.lanes

    @property
    def lane_utilization(self) -> float:
        """Fraction of lane-cycles doing a useful MAC over one inference."""
        return self.model.macs / (self.lanes * self.cycles_per_inference)

    @property
    def weight_reads(self) -> int:
        return sum(layer.weight_reads for layer in self.layers)

    @property
    def activation_reads(self) -> int:
        return sum(layer.activation_reads for layer in self.layers)

    @property
    def activation_writes(self) -> int:
        return sum(layer.activation_writes for layer in self.layers)

    # ---- memories -----------------------------------------------------------------------
    @property
    def weight_memory_bits(self) -> int:
        return sum(l.weight_words * self.lanes * l.weight_bits + l.bias_words * self.lanes *
                   l.bias_bits for l in self.layers if l.has_weights)

    @property
    def activation_memory_bits(self) -> int:
        return sum(self.act_words) * self.lanes * self.activation_bits

    @property
    def input_depth(self) -> int:
        """Words of the input memory: the whole input (``buffer``), or (``stream``) a ring of
        the first layer's window and one stride more, rounded up to a power of two (its
        address is then the sample index's low bits), at most the whole input."""
        if self.input_style == "buffer":
            return self.input_words
        first = self.layers[0]
        window = (first.kernel + first.stride) * first.row_stride
        return min(self.input_words, 1 << max(0, math.ceil(math.log2(window))))

    @property
    def input_memory_bits(self) -> int:
        return self.input_depth * self.input_bits

    @property
    def aux_words(self) -> int:
        """Depth of the aux buffer (one aux value per word); 0 without aux input."""
        spec = self.model.aux_input
        return spec.features if spec is not None else 0

    @property
    def aux_bits(self) -> int:
        return self.model.aux_input.bits if self.aux_words else 0

    @property
    def aux_memory_bits(self) -> int:
        return self.aux_words * self.aux_bits

    def weight_words(self, layer: LayerPlan) -> np.ndarray:
        """Weights of ``layer`` in memory order: (words, P) signed ints, zero in unused lanes.
        Each group's words are its taps, then (the aux layer) its aux weights."""
        src = self.model.layers[layer.index]
        w = src.weight
        if src.kind == "dense":
            w = w.reshape(layer.out_channels, layer.in_channels, layer.kernel)
        # word (g, t) with t = j * C + c holds w[g*P + lane, c, j] in lane ``lane``
        taps = w.transpose(0, 2, 1).reshape(layer.out_channels, layer.taps)   # (O, t)
        if layer.aux_words:
            taps = np.hstack([taps, src.aux_weight])                         # t = taps + f
        span = layer.group_words
        out = np.zeros((layer.groups * self.lanes, span), dtype=np.int64)
        out[:layer.out_channels] = taps
        return out.reshape(layer.groups, self.lanes, span).transpose(0, 2, 1).reshape(
            layer.groups * span, self.lanes)

    def bias_words(self, layer: LayerPlan) -> np.ndarray:
        """Biases of ``layer`` in memory order: (groups, P)."""
        b = np.zeros(layer.groups * self.lanes, dtype=np.int64)
        b[:layer.out_channels] = self.model.layers[layer.index].bias
        return b.reshape(layer.groups, self.lanes)

    def fire_params(self, layer: LayerPlan) -> np.ndarray:
        """Per group and lane: the shift (shift mode) or theta (divide mode); (groups, P)."""
        theta = self.model.layers[layer.index].theta
        values = np.array([int(t).bit_length() - 1 for t in theta]) if layer.fire == "shift" \
            else np.array(theta)
        out = np.zeros(layer.groups * self.lanes, dtype=np.int64)
        out[:layer.out_channels] = values
        if layer.fire == "divide":
            out[layer.out_channels:] = 1      # unused lanes: any positive theta
        return out.reshape(layer.groups, self.lanes)

    def config_writes(self) -> list[tuple[int, int]]:
        """(address, value) pairs that load every weight and bias through the config port.

        Values are two's complement in ``config_data_bits`` bits.
        """
        writes = []
        mask = (1 << self.config_data_bits) - 1
        for region in self.config_regions:
            layer = self.layers[region.layer]
            words = self.weight_words(layer) if region.what == "weight" else \
                self.bias_words(layer)
            for w, row in enumerate(words):
                for lane, value in enumerate(row):
                    writes.append((region.base + w * region.lane_span + lane, int(value) & mask))
        return writes

    def manifest(self) -> dict[str, Any]:
        """Machine-readable description of the generated core (written as manifest.json)."""
        return {
            "format": 1,
            "model": self.model.name,
            "mode": self.mode,
            "variant": self.variant,
            "memory_style": self.memory_style,
            "input_style": self.input_style,
            "lanes": self.lanes,
            "timesteps": self.model.timesteps,
            "widths": {
                "input_bits": self.input_bits, "input_signed": self.model.input.signed,
                "count_bits": self.count_bits, "activation_bits": self.activation_bits,
                "operand_bits": self.operand_bits,
                "weight_bits": self.weight_bits, "accumulator_bits": self.accumulator_bits,
                "score_bits": self.score_bits, "class_bits": self.class_bits,
                "counter_bits": self.counter_bits,
                "config_addr_bits": self.config_addr_bits,
                "config_data_bits": self.config_data_bits,
            },
            "classes": self.classes,
            "input": {"channels": self.model.input.channels, "length": self.model.input.length,
                      "order": "time-major: sample l*C + c is channel c at time l",
                      "words": self.input_words},
            "aux_input": self._aux_manifest(),
            "memories": {
                "input_buffer": {"words": self.input_depth, "bits_per_word": self.input_bits,
                                 "bits": self.input_memory_bits,
                                 "addressing": "sample index" if self.input_style == "buffer"
                                 else f"ring: sample index mod {self.input_depth}"},
                "aux_buffer": {"words": self.aux_words, "bits_per_word": self.aux_bits,
                               "bits": self.aux_memory_bits},
                "activation_buffers": {
                    "banks": 2, "words": list(self.act_words),
                    "bits_per_word": self.lanes * self.activation_bits,
                    "bits": self.activation_memory_bits,
                    "layout": "count (c, l) of a layer output: word l*groups + c//P, "
                              "lane c%P"},
                "weights": [
                    {"layer": l.name, "weight_words": l.weight_words, "aux_words": l.aux_words,
                     "weight_bits_per_word": self.lanes * l.weight_bits,
                     "bias_words": l.bias_words, "bias_bits_per_word": self.lanes * l.bias_bits}
                    for l in self.layers if l.has_weights],
                "weight_memory_bits": self.weight_memory_bits,
            },
            "config_map": [
                {"layer": self.layers[r.layer].name, "what": r.what, "base": r.base,
                 "words": r.words, "lanes": r.lanes, "lane_span": r.lane_span,
                 "bits": r.bits, "address": "base + word*lane_span + lane"}
                for r in self.config_regions],
            "layer_table": [
                {k: getattr(l, k) for k in (
                    "index", "name", "kind", "source_kind", "in_channels", "in_length",
                    "out_channels", "out_length", "kernel", "stride", "padding", "src", "dst",
                    "groups", "taps", "aux_words", "row_words", "fire", "fire_cycles", "zero_skip",
                    "weight_bits", "bias_bits", "accumulator_bits", "weight_reads",
                    "activation_reads", "activation_writes")}
                for l in self.layers],
            "zero_skip": self.zero_skip,
            "per_inference": {
                "max_cycles": self.cycles_per_inference,
                "load_cycles": self.load_cycles,
                "ideal_cycles": self.ideal_cycles,
                "lane_utilization": self.lane_utilization,
                "weight_reads": self.weight_reads,
                "activation_reads": self.activation_reads,
                "activation_writes": self.activation_writes,
                "synaptic_ops": self.model.macs,
            },
            "counters": {
                "cycles": "clock cycles from the first compute cycle to result.valid"
                          + ("" if self.input_style == "buffer" else
                             ", without the cycles the core waits for a sample"),
                "weight_reads": "weights used by MACs (padding, skipped zero counts and unused "
                                "lanes excluded); each weight once per use, independent of T",
                "activation_reads": "input-buffer samples, aux values and activation words "
                                    "fetched",
                "activation_writes": "activation words written (output layer excluded)",
                "synops": "MACs with a non-zero operand (effective synaptic operations)",
            },
        }

    def _aux_manifest(self) -> dict[str, Any] | None:
        """The aux input's port and its use, or None without one."""
        spec = self.model.aux_input
        if spec is None:
            return None
        layer = next(l for l in self.layers if l.aux_words)
        return {"features": spec.features, "bits": spec.bits, "signed": spec.signed,
                "layer": layer.name, "port": "aux (stream of its own: aux__valid, "
                "aux__ready, aux__payload)",
                "order": "the features of an inference, feature 0 first, before its samples",
                "weights": "the last aux_words words of each group of the layer's weight "
                           "memory (tap taps + f)",
                "zero_values": "issued like samples (not skipped): one cycle, one weight word "
                               "and one activation read per value and group"}


def plan_core(model: Model, *, lanes: int = 8, mode: str = "baked",
              zero_skip: bool = defaults.ZERO_SKIP, variant: str = defaults.VARIANT,
              memory_style: str = "flop", input_style: str = defaults.INPUT_STYLE,
              limits: Limits = Limits()) -> HardwarePlan:
    """Derive the hardware plan of a ``variant`` core (:data:`VARIANTS`); raise
    :class:`HardwareLimitError` if the model does not fit."""
    if not isinstance(lanes, int) or isinstance(lanes, bool):
        raise TypeError(f"lanes must be an int, got {type(lanes).__name__}")
    if not 1 <= lanes <= limits.max_lanes:
        raise HardwareLimitError(f"lanes: must be in 1..{limits.max_lanes}, got {lanes}")
    if mode not in MODES:
        raise HardwareLimitError(f"mode: must be one of {', '.join(MODES)}, got {mode!r}")
    if not isinstance(zero_skip, bool):
        raise TypeError(f"zero_skip must be a bool, got {zero_skip!r}")
    if variant not in VARIANTS:
        raise HardwareLimitError(f"variant: must be one of {', '.join(VARIANTS)}, got "
                                 f"{variant!r}")
    if variant == "if" and not zero_skip:
        raise HardwareLimitError("variant if: the integrate-and-fire core is event-driven "
                                 "(a zero spike reads nothing); it has no dense schedule, so "
                                 "zero skipping cannot be turned off")
    if memory_style not in MEMORY_STYLES:
        raise HardwareLimitError(f"memory_style: must be one of {', '.join(MEMORY_STYLES)}, "
                                 f"got {memory_style!r}")
    if input_style not in INPUT_STYLES:
        raise HardwareLimitError(f"input_style: must be one of {', '.join(INPUT_STYLES)}, "
                                 f"got {input_style!r}")
    if input_style == "stream" and variant == "if":
        raise HardwareLimitError("input_style stream: the if core reads its input once per "
                                 "timestep, so it keeps the whole input (input_style buffer)")
    if len(model.layers) > limits.max_layers:
        raise HardwareLimitError(f"layers: {len(model.layers)} layers; the core is generated "
                                 f"for at most {limits.max_layers}")
    cbits = model.count_bits
    rows: list[LayerPlan] = []
    act_words = [0, 0]
    for layer in model.layers:
        _check_layer_limits(model, layer, limits)
        rows.append(_layer_plan(model, layer, lanes, act_words, zero_skip))
    for i, words in enumerate(act_words):
        if words > limits.max_words:
            raise HardwareLimitError(f"activation buffer act{i}: {words} words needed; the "
                                     f"limit is {limits.max_words}")
    in_lo, in_hi = model.input.min_value, model.input.max_value
    operand_bits = max(signed_bits(in_lo, in_hi), cbits + 1)
    if model.aux_input is not None:
        # Aux values ride the same operand register as samples and counts.
        operand_bits = max(operand_bits, signed_bits(model.aux_input.min_value,
                                                     model.aux_input.max_value))
    acc_bits = max(l.accumulator_bits for l in rows if l.has_weights)
    if acc_bits > limits.max_accumulator_bits:
        raise HardwareLimitError(f"accumulator: {acc_bits} bits needed; the core is generated "
                                 f"for at most {limits.max_accumulator_bits}")
    regions = _config_regions(rows, lanes)
    total_cfg = max((r.base + r.size for r in regions), default=1)
    plan = HardwarePlan(
        model=model, lanes=lanes, mode=mode, zero_skip=zero_skip, layers=tuple(rows),
        count_bits=cbits,
        operand_bits=operand_bits,
        weight_bits=max(l.weight_bits for l in rows if l.has_weights),
        accumulator_bits=acc_bits, score_bits=rows[-1].accumulator_bits,
        classes=model.num_classes, input_words=model.input.channels * model.input.length,
        act_words=(max(1, act_words[0]), max(1, act_words[1])),
        config_regions=regions,
        config_addr_bits=max(1, math.ceil(math.log2(total_cfg))),
        config_data_bits=max(max(r.bits for r in regions), 1),
        memory_style=memory_style, input_style=input_style,
    )
    if variant == "if":
        from .if_plan import if_variant          # the if plan builds on this one
        plan = if_variant(plan, limits)
    # Counters as wide as the dense schedule's largest count needs (no clock for spare bits).
    dense = plan.dense_counters()
    plan = replace(plan, counter_bits=max(int(v[0]) for v in dense.as_dict().values())
                   .bit_length() + 1)
    if plan.weight_memory_bits > limits.max_weight_bits_total:
        raise HardwareLimitError(f"weights: {plan.weight_memory_bits} bits of weight memory; "
                                 f"the core is generated for at most "
                                 f"{limits.max_weight_bits_total}")
    return plan


def _check_layer_limits(model: Model, layer: Layer, limits: Limits) -> None:
    for what, value, limit in (("in_channels", layer.in_channels, limits.max_channels),
                               ("out_channels", layer.out_channels, limits.max_channels),
                               ("in_length", layer.in_length, limits.max_length)):
        if value > limit:
            raise HardwareLimitError(f"layers[{layer.index}] ({layer.name}): {what} = {value} "
                                     f"is over the core's limit {limit}")
    if layer.index == 0 and model.input.channels * model.input.length > limits.max_words:
        raise HardwareLimitError(f"input: {model.input.channels * model.input.length} samples "
                                 f"is over the input buffer limit {limits.max_words}")


def _layer_plan(model: Model, layer: Layer, lanes: int, act_words: list[int],
                zero_skip: bool) -> LayerPlan:
    i = layer.index
    src = "input" if i == 0 else f"act{(i - 1) % 2}"
    dst = "scores" if layer.is_output else f"act{i % 2}"
    cbits = model.count_bits
    traffic = layer_traffic(layer, lanes)
    if layer.has_weights:
        kernel = layer.kernel if layer.kind == "conv1d" else layer.in_length
        stride = layer.stride if layer.kind == "conv1d" else 1
        padding = layer.padding if layer.kind == "conv1d" else 0
        groups = math.ceil(layer.out_channels / lanes)
        taps = kernel * layer.in_channels
        if layer.is_output:
            fire, fire_cycles = "none", 0
        elif layer.theta_is_pow2:
            fire, fire_cycles = "shift", 0
        else:
            fire, fire_cycles = "divide", cbits
        acc = accumulator_bits(model, layer)
        extra = dict(weight_bits=layer.weight_bits, bias_bits=layer.bias_bits,
                     accumulator_bits=acc, weight_words=groups * (taps + layer.aux_features),
                     bias_words=groups, aux_words=layer.aux_features)
        kind = "conv"
    else:
        kernel, stride, padding = layer.kernel, layer.stride, 0
        groups = math.ceil(layer.in_channels / lanes)
        taps = kernel
        fire, fire_cycles = "max", 0
        extra = {}
        kind = "pool"
    if src == "input":
        row_stride, elems = layer.in_channels, 1
    else:
        row_stride, elems = math.ceil(layer.in_channels / lanes), lanes
    if dst != "scores":
        bank = int(dst[-1])
        act_words[bank] = max(act_words[bank], layer.out_length * groups)
    active_last = (layer.out_channels - (groups - 1) * lanes) if kind == "conv" else \
        (layer.in_channels - (groups - 1) * lanes)
    return LayerPlan(
        index=i, name=layer.name, kind=kind, source_kind=layer.kind,
        in_channels=layer.in_channels, in_length=layer.in_length,
        out_channels=layer.out_channels, out_length=layer.out_length, kernel=kernel,
        stride=stride, padding=padding, src=src, dst=dst, groups=groups, taps=taps,
        row_stride=row_stride, elems_per_word=elems, fire=fire, fire_cycles=fire_cycles,
        row_words=1 if kind == "pool" else row_stride, active_last=active_last,
        zero_skip=zero_skip and kind == "conv" and src != "input",
        weight_reads=traffic.weight_reads, activation_reads=traffic.activation_reads,
        activation_writes=traffic.activation_writes, **extra)


def _config_regions(rows: list[LayerPlan], lanes: int) -> tuple[ConfigRegion, ...]:
    span = 1 << max(0, math.ceil(math.log2(lanes)))
    regions = []
    base = 0
    for layer in rows:
        if not layer.has_weights:
            continue
        for what, words, bits in (("weight", layer.weight_words, layer.weight_bits),
                                  ("bias", layer.bias_words, layer.bias_bits)):
            size = words * span
            # Regions start on a word boundary, so the lane is the address's low bits.
            base = (base + span - 1) // span * span
            regions.append(ConfigRegion(layer=layer.index, what=what, base=base, words=words,
                                        lanes=lanes, lane_span=span, bits=bits))
            base += size
    return tuple(regions)
