"""Clock trees with balanced insertion delay, from the clock port and every clock gate.

The clock network is the set of nets the clock reaches through combinational arcs (as
OpenSTA's clock search finds it). On it, a *leaf* is a clock pin the clock stops at (flip-flops,
latches); a *gate* pin passes the clock on (a clock gate's AND or ICG, its inverter, a buffer).

1. Every clock net but the root gets a balanced tree (``TreeBuilder.build``), so the flops
   behind a gate sit the same number of buffers below it; a net that feeds only further
   gates (a memory bank's gated clock feeding its words' gates) gets one too, which keeps
   each gate's cells (the enable latch's clock, the AND's) on the same buffer.
2. At the root, the flops on the free clock get their own tree, and the cells of each clock
   gate (grouped by their block: ``<domain>_clock_gate``) their own branch net; each branch
   starts with one buffer.
3. The insertion delay of each branch (root to its leaves, from the NLDM tables) is computed,
   and branches that are early get a chain of delay buffers in front, until every branch is
   within one buffer delay of the latest: that is the skew the tree leaves, and the hold fix
   handles what remains.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from .cells import arc_timing
from .edit import PORT, PinRef
from .trees import TreeBuilder

CTS_BLOCK = "sparrow_cts"
"""Name prefix of every clock-tree buffer (its own block in power reports)."""


@dataclass(frozen=True)
class ClockTreeSummary:
    """What was built: buffers, the clock nets buffered, branch latencies (s) before and after
    balancing."""

    buffers: int
    nets: int
    latency_before: dict[str, float]
    latency_after: dict[str, float]


def _comb_outputs(builder: TreeBuilder, ref: PinRef) -> list[str]:
    """Output pins of ``ref``'s cell that a combinational arc from ``ref`` reaches."""
    cell = builder.library.cell(builder.editor.cells[ref.instance])
    return [name for name, pin in cell.pins.items() if pin.is_output and any(
        arc.related_pin == ref.pin and arc.kind.startswith("combinational") and
        not cell.is_sequential for arc in pin.timing)]


def is_leaf(builder: TreeBuilder, ref: PinRef) -> bool:
    return ref.instance == PORT or not _comb_outputs(builder, ref)


def leaf_latencies(builder: TreeBuilder, net: int, arrival: float = 0.0, slew: float = 0.0,
                   out: list[float] | None = None) -> list[float]:
    """Arrival times (s) of the clock at every leaf below ``net``, when it arrives at ``net``
    at ``arrival`` with transition ``slew``."""
    out = [] if out is None else out
    editor = builder.editor
    for ref in editor.sinks[net]:
        if is_leaf(builder, ref):
            out.append(arrival)
            continue
        cell = builder.library.cell(editor.cells[ref.instance])
        for output in _comb_outputs(builder, ref):
            nxt = editor.pins[ref.instance][output]
            delay, nxt_slew = arc_timing(cell, ref.pin, output, slew, builder.load(nxt))
            leaf_latencies(builder, nxt, arrival + delay, nxt_slew, out)
    return out


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def build_clock_trees(builder: TreeBuilder, root: int, clock_nets: list[int]) -> ClockTreeSummary:
    """Balanced clock trees on ``clock_nets`` (net indices of the clock network; ``root`` is
    the clock port's net)."""
    editor = builder.editor
    counter = itertools.count()
    start_buffers = builder.stats.get("clock_buffers", 0)
    start_nets = builder.stats.get("clock_nets", 0)

    def namer(prefix: str):
        return lambda: f"{CTS_BLOCK}.{prefix}_{next(counter)}"

    # 1. Trees behind the gates (and behind gates that feed gates).
    for net in clock_nets:
        if net != root and any(r.instance != PORT for r in editor.sinks[net]):
            builder.build(net, clock=True, name=namer(_label(editor, net)))

    # 2. Branches at the root: the free flops, and the cells of each clock gate together.
    branches: dict[str, list[PinRef]] = {}
    for ref in list(editor.sinks[root]):
        if ref.instance != PORT:
            key = "free" if is_leaf(builder, ref) else \
                (editor.block_of(ref.instance) or editor.names[ref.instance])
            branches.setdefault(key, []).append(ref)
    head_cell = builder.cells.buffers[0]
    heads: dict[str, int] = {}
    for key, refs in branches.items():
        net = editor.new_net(f"{CTS_BLOCK}.{key}_head_net")
        for ref in refs:
            editor.move_sink(ref, net)
        heads[key] = editor.add_instance(f"{CTS_BLOCK}.{key}_head", head_cell.cell,
                                         {head_cell.input: root, head_cell.output: net})
        builder.count("clock_buffers")
        builder.build(net, clock=True, name=namer(key))

    # 3. Early branches get a chain of delay buffers in front of their head.
    pad = builder.cells.buffers[0]
    pad_cell = builder.library.cell(pad.cell)
    slew0 = builder.rules.max_transition_s * 0.2
    pad_delay, pad_slew = arc_timing(pad_cell, pad.input, pad.output, slew0, pad.input_cap)
    before = {k: _branch_latency(builder, h, slew0) for k, h in heads.items()}
    target = max(before.values(), default=0.0)
    after = {}
    for key, head in heads.items():
        chain = round((target - before[key]) / pad_delay) if pad_delay > 0 else 0
        source = root
        for _ in range(chain):
            net = editor.new_net(f"{CTS_BLOCK}.{key}_pad_{next(counter)}_net")
            editor.add_instance(f"{CTS_BLOCK}.{key}_pad_{next(counter)}", pad.cell,
                                {pad.input: source, pad.output: net})
            builder.count("clock_buffers")
            source = net
        if chain:
            editor.move_sink(PinRef(head, head_cell.input), source)
        after[key] = chain * pad_delay + _branch_latency(builder, head,
                                                         pad_slew if chain else slew0)
    return ClockTreeSummary(
        buffers=builder.stats.get("clock_buffers", 0) - start_buffers,
        nets=builder.stats.get("clock_nets", 0) - start_nets,
        latency_before=before, latency_after=after)


def _branch_latency(builder: TreeBuilder, head: int, slew: float) -> float:
    """Mean leaf latency (s) of the branch whose head buffer is ``head``, from the head's
    input (transition ``slew``)."""
    editor = builder.editor
    cell = builder.library.cell(editor.cells[head])
    inp = next(n for n, p in cell.pins.items() if p.is_input)
    out = next(n for n, p in cell.pins.items() if p.is_output)
    net = editor.pins[head][out]
    delay, out_slew = arc_timing(cell, inp, out, slew, builder.load(net))
    return _mean(leaf_latencies(builder, net, delay, out_slew))


def _label(editor, net: int) -> str:
    ref = editor.driver[net]
    if ref is None or ref.instance == PORT:
        return "root"
    return editor.block_of(ref.instance) or editor.names[ref.instance]
