"""Netlist repair after synthesis: what OpenROAD's ``repair_design``, clock tree synthesis and
``repair_timing -hold`` do before place and route, on the netlist alone.

Yosys buffers nothing across blocks and builds no clock trees, so a synthesized netlist is not
a chip (one AND2 of a clock gate driving thousands of flops). ``repair_netlist``:

1. builds balanced clock trees from the clock port and every clock gate
   (``clock_tree.build_clock_trees``);
2. repairs every other net over the design rules (``sparrow.sta.design_rules``): a stronger
   variant of its driver where that is enough, else a buffer tree; then re-checks with the
   propagated transitions and repeats on what is left;
3. writes the netlist and times it with OpenSTA with propagated clocks; every hold-violating
   endpoint gets a chain of delay buffers in front of it; repeated until hold is met;
4. checks the result once more and reports what it did (``RepairResult``, ``repair.log``).

Added cells keep the names of what they serve: ``<block>.sparrow_drc_<n>`` for design-rule
buffers (the block of the net's driver), ``sparrow_cts.*`` for the clock trees,
``<block>.sparrow_hold_<n>`` for hold buffers (the block of the endpoint), so power by block
still adds up.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import SparrowError
from ..library import Library as CellLibrary
from ..library import get_library
from ..netlist import read_netlist, write_netlist
from ..power import load_liberty
from ..power.link import link_design
from ..power.slew import compute_slews
from ..sta.design_rules import (DEFAULT_MAX_FANOUT, DesignRules, RuleReport,
                                check_design_rules, drive_limit, library_rules, net_sinks)
from ..sta.opensta import StaResult, run_sta
from ..synth.yosys import netlist_metrics
from .cells import LibraryCells, arc_timing
from .clock_tree import ClockTreeSummary, build_clock_trees
from .edit import PORT, NetlistEditor, PinRef
from .trees import TreeBuilder

DRC_PASSES = 6
"""Rounds of check-and-fix on the propagated transitions before giving up."""
HOLD_PASSES = 4
"""Rounds of time-and-fix on hold before giving up."""


@dataclass
class RepairResult:
    """What repair did and where the result is. Times in ns."""

    netlist: Path
    log: Path
    rules: DesignRules
    before: RuleReport
    after: RuleReport
    stats: dict[str, int]
    clock_tree: ClockTreeSummary | None
    timing: StaResult
    hold_buffers: int
    cell_metrics: dict[str, Any] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)

    def metrics(self) -> dict[str, Any]:
        """Repair statistics, and the cells and area of the repaired netlist (they replace
        synthesis's)."""
        m = {**self.cell_metrics,
            "design__repair__buffers": self.stats.get("buffers", 0),
            "design__repair__resized": self.stats.get("resized", 0),
            "design__repair__nets": self.stats.get("nets", 0),
            "design__instance__count__clock_buffer": self.stats.get("clock_buffers", 0),
            "design__repair__hold_buffers": self.hold_buffers,
            "design__max_fanout_violation__count__before": self.before.fanout,
            "design__max_cap_violation__count__before": self.before.capacitance,
            "design__max_slew_violation__count__before": self.before.transition,
            "design__max_fanout__limit": self.rules.max_fanout,
            "design__max_slew__limit": self.rules.max_transition_s * 1e9,
        }
        return m


def _is_output(library):
    def test(cell: str, pin: str) -> bool:
        return library.cell(cell).pins[pin].is_output
    return test


def _fix_design_rules(builder: TreeBuilder, netlist_of, clock_nets: set[int],
                      clock_port: str, log: list[str]) -> RuleReport:
    """Structural buffering of every net over fanout or load, then check-and-fix rounds on the
    propagated transitions. Returns the last check."""
    editor = builder.editor
    counter = itertools.count()
    library = builder.library

    def namer(net: int):
        ref = editor.driver[net]
        block = editor.block_of(ref.instance) if ref is not None and ref.instance != PORT \
            else ""
        prefix = f"{block}." if block else ""
        return lambda: f"{prefix}sparrow_drc_{next(counter)}"

    def repair(net: int) -> None:
        ref = editor.driver[net]
        if ref is not None and ref.instance != PORT and \
                len(editor.sinks[net]) <= builder.rules.max_fanout:
            # Within fanout: a stronger driver may be all it takes.
            while not builder.fits(net) and builder.upsize(ref.instance):
                pass
        if not builder.fits(net):
            builder.build(net, clock=False, name=namer(net))

    for net in range(len(editor.net_names)):
        if net in clock_nets or net in editor.net_constant or editor.driver[net] is None:
            continue
        if not builder.fits(net):
            repair(net)
    report = RuleReport()
    for round_no in range(DRC_PASSES):
        netlist = netlist_of()
        report = check_design_rules(netlist, library, builder.rules, clock_port=clock_port)
        log.append(f"design rules, round {round_no + 1}: {report.fanout} fanout, "
                   f"{report.capacitance} capacitance, {report.transition} transition "
                   "violators")
        if report.clean:
            break
        design = link_design(netlist, library, clock_port)
        slews = compute_slews(design, propagate_clock=True)
        sinks = net_sinks(design)
        load = design.net_load_cap
        bad = []
        for net in range(design.net_driver.size):
            if design.net_constant[net] >= 0 or net >= len(editor.net_names):
                continue
            over_slew = slews.net[net].max() > builder.rules.max_transition_s
            over_fanout = sinks[net] > builder.rules.max_fanout
            over_cap = design.net_driver[net] >= 0 and load[net] > drive_limit(
                design.instance_cells[design.pin_instance[design.net_driver[net]]],
                design.pin_name[design.net_driver[net]])
            if over_slew or over_fanout or over_cap:
                bad.append(net)
        for net in bad:
            ref = editor.driver[net]
            if ref is not None and ref.instance != PORT and builder.upsize(ref.instance):
                continue
            # The driver is as strong as it gets: take half its loads off behind a buffer.
            refs = [r for r in editor.sinks[net] if r.instance != PORT]
            if len(refs) > 1:
                builder.buffer_level(net, refs[: max(1, len(refs) // 2)],
                                     clock=net in clock_nets, name=namer(net))
            elif ref is not None and ref.instance != PORT:
                # One load and still too slow: the driver's input is the problem; a buffer
                # in front of the load isolates it from the net's wire of pins.
                builder.buffer_level(net, refs, clock=net in clock_nets, name=namer(net))
    return report


def _fix_hold(editor: NetlistEditor, builder: TreeBuilder, violators, log: list[str]) -> int:
    """A chain of delay buffers in front of every hold-violating endpoint; returns the number
    of buffers added."""
    by_name = {name: i for i, name in enumerate(editor.names)}
    pad = builder.cells.buffers[0]
    pad_cell = builder.library.cell(pad.cell)
    delay, _ = arc_timing(pad_cell, pad.input, pad.output,
                          builder.rules.max_transition_s * 0.2, pad.input_cap)
    added = 0
    counter = itertools.count()
    for pin_name, slack_ns in violators:
        instance_name, _, pin = pin_name.rpartition("/")
        index = by_name.get(instance_name)
        if index is None or pin not in editor.pins[index] or \
                not isinstance(editor.pins[index][pin], int):
            log.append(f"hold: cannot find endpoint {pin_name}; left as it is")
            continue
        chain = max(1, int(-slack_ns * 1e-9 / delay) + 1)
        net = editor.pins[index][pin]
        block = editor.block_of(index)
        prefix = f"{block}." if block else ""
        source = net
        for _ in range(chain):
            base = f"{prefix}sparrow_hold_{next(counter)}"
            out = editor.new_net(f"{base}_net")
            editor.add_instance(base, pad.cell, {pad.input: source, pad.output: out})
            source = out
            added += 1
        editor.move_sink(PinRef(index, pin), source)
    return added


def repair_netlist(netlist: str | Path, top: str, library: CellLibrary | str,
                   out_dir: str | Path, *, clock_port: str = "clk",
                   clock_period_ns: float, max_fanout: int = DEFAULT_MAX_FANOUT,
                   input_delay_ns: float = 0.0, output_delay_ns: float = 0.0,
                   progress: Callable[[str], None] | None = None) -> RepairResult:
    """Repair ``netlist`` (top ``top``, cells of ``library``) in ``out_dir``
    (``netlist.v``, ``repair.log``, the timing runs); see the module doc.

    Raises ``SparrowError`` when a library lacks what repair needs (a buffer, transition
    tables) and when the result still violates a rule it could not meet (the message names
    the net, its fanout and load and the limit)."""
    say = progress or (lambda line: None)
    cells_library = get_library(library) if isinstance(library, str) else library
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    liberty = load_liberty(cells_library.sta_liberty)
    rules = library_rules(liberty, max_fanout=max_fanout)
    source = read_netlist(netlist, top)
    before = check_design_rules(source, liberty, rules, clock_port=clock_port)
    log = [f"repair of {top} ({netlist}) for library {cells_library.name}",
           f"rules: max fanout {rules.max_fanout}, max transition "
           f"{rules.max_transition_s * 1e9:.4g} ns ({rules.transition_source}); max load per "
           "driver: its max_capacitance, at most its largest characterised load",
           f"before: {before.fanout} fanout, {before.capacitance} capacitance, "
           f"{before.transition} transition violators"]
    say(log[-1])
    cells = LibraryCells(liberty, dont_use=cells_library.dont_use)
    editor = NetlistEditor(source, _is_output(liberty))
    builder = TreeBuilder(editor, liberty, cells, rules)
    design = link_design(source, liberty, clock_port)
    if design.clock_port is None:
        raise SparrowError(f"repair of {top}: clock port {clock_port!r} reaches no flip-flop")
    root = next(p.net for p in source.ports if p.name == design.clock_port)
    clock_nets = [int(n) for n in range(design.net_driver.size) if design.net_clock[n]]
    tree = build_clock_trees(builder, root, clock_nets)
    log.append(f"clock trees: {tree.buffers} buffers on {tree.nets + 1} clock nets; branch "
               "latencies (ns) before balancing " + ", ".join(
                   f"{k} {v * 1e9:.3f}" for k, v in tree.latency_before.items()) +
               "; after " + ", ".join(f"{k} {v * 1e9:.3f}" for k, v in tree.latency_after.items()))
    say(log[-1])
    after = _fix_design_rules(builder, editor.netlist, set(clock_nets), design.clock_port, log)
    say(log[-1])
    hold_buffers = 0
    path = out_dir / "netlist.v"
    timing = None
    for round_no in range(HOLD_PASSES + 1):
        write_netlist(editor.netlist(), path)
        timing = run_sta(path, top, cells_library, out_dir / f"timing_{round_no}",
                         clock_port=clock_port, clock_period_ns=clock_period_ns,
                         input_delay_ns=input_delay_ns, output_delay_ns=output_delay_ns,
                         propagated_clock=True, max_fanout=rules.max_fanout,
                         max_transition_ns=rules.max_transition_s * 1e9, skew=False)
        log.append(f"timing, round {round_no + 1}: setup WS {timing.setup_ws_ns} ns, hold WS "
                   f"{timing.hold_ws_ns} ns, {len(timing.hold_violators)} hold violators")
        say(log[-1])
        if not timing.hold_violators or round_no == HOLD_PASSES:
            break
        hold_buffers += _fix_hold(editor, builder, timing.hold_violators, log)
    if hold_buffers:
        after = check_design_rules(editor.netlist(), liberty, rules, clock_port=clock_port)
    log.append(f"after: {after.fanout} fanout, {after.capacitance} capacitance, "
               f"{after.transition} transition violators; {builder.stats}; "
               f"{hold_buffers} hold buffers; {time.monotonic() - t0:.1f} s")
    log += after.examples
    say(log[-1] if not after.examples else after.examples[0])
    log_path = out_dir / "repair.log"
    log_path.write_text("\n".join(log) + "\n")
    final = editor.netlist()
    return RepairResult(netlist=path, log=log_path, rules=rules, before=before, after=after,
                        stats=dict(builder.stats), clock_tree=tree, timing=timing,
                        hold_buffers=hold_buffers,
                        cell_metrics=netlist_metrics({i.name: i.cell for i in final.instances},
                                                     cells_library),
                        messages=log)
