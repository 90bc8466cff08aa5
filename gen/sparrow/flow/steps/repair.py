"""Flow step: repair the synthesized netlist (design rules, clock trees, hold) before it is
timed, simulated and measured."""

from __future__ import annotations

import shutil
from pathlib import Path

from ...library import get_library
from ...netlist import read_netlist
from ...power import load_liberty
from ...repair import repair_netlist
from ...repair.cells import LibraryCells
from ...sta.design_rules import check_design_rules, library_rules
from .. import variables as v
from ..metrics import MetricSpec
from ..state import State, view_files
from ..step import Step, StepContext


class RepairStep(Step):
    """View ``netlist`` -> ``netlist`` (repaired): buffer trees for every net over the
    library's fanout, load or transition limits, balanced clock trees from the clock port and
    each clock gate, delay buffers for hold. ``REPAIR_DESIGN`` off keeps the synthesized
    netlist (checked and reported the same way), for before/after comparisons."""
    id = "sparrow.repair"
    name = "Design-rule repair, clock trees, hold"
    inputs = ("netlist",)
    outputs = ("netlist",)
    config_vars = (v.DESIGN_NAME, v.LIBRARY, v.CLOCK_PORT, v.CLOCK_PERIOD, v.IO_DELAY,
                   v.MAX_FANOUT, v.REPAIR_DESIGN)
    metric_specs = {
        "design__repair__buffers": MetricSpec("cells", "buffers added for design rules"),
        "design__repair__resized": MetricSpec("cells", "cells swapped for a stronger variant"),
        "design__repair__nets": MetricSpec("nets", "nets given a buffer tree"),
        "design__instance__count__clock_buffer": MetricSpec("cells", "clock-tree buffers"),
        "design__repair__hold_buffers": MetricSpec("cells", "delay buffers added for hold"),
        "design__max_fanout_violation__count__before": MetricSpec(
            "pins", "max-fanout violators of the synthesized netlist"),
        "design__max_cap_violation__count__before": MetricSpec(
            "pins", "max-capacitance violators of the synthesized netlist"),
        "design__max_slew_violation__count__before": MetricSpec(
            "pins", "max-transition violators of the synthesized netlist"),
        "design__max_fanout__limit": MetricSpec("pins", "max fanout the netlist is held to"),
        "design__max_slew__limit": MetricSpec("ns", "max transition the netlist is held to"),
    }
    source = "sparrow.repair (liberty limits and NLDM tables; OpenSTA 2.0.17 for hold)"

    def run(self, state: State, step_dir: Path, ctx: StepContext):
        c = ctx.config
        netlist = view_files(state.view("netlist"))[0]
        if c["REPAIR_DESIGN"]:
            io = v.io_delay_ns(c)
            result = repair_netlist(netlist, c["DESIGN_NAME"], c["LIBRARY"], step_dir,
                                    clock_port=c["CLOCK_PORT"],
                                    clock_period_ns=c["CLOCK_PERIOD"],
                                    max_fanout=c["MAX_FANOUT"], input_delay_ns=io,
                                    output_delay_ns=io, progress=ctx.progress)
            return {"netlist": result.netlist}, result.metrics()
        library = get_library(c["LIBRARY"])
        liberty = load_liberty(library.sta_liberty)
        LibraryCells(liberty, dont_use=library.dont_use)     # the same checks of the library
        rules = library_rules(liberty, max_fanout=c["MAX_FANOUT"])
        report = check_design_rules(read_netlist(netlist, c["DESIGN_NAME"]), liberty, rules,
                                    clock_port=c["CLOCK_PORT"])
        kept = step_dir / "netlist.v"
        shutil.copyfile(netlist, kept)
        ctx.progress("repair off: the synthesized netlist is kept as it is")
        return {"netlist": kept}, {
            "design__repair__buffers": 0, "design__repair__resized": 0,
            "design__repair__nets": 0, "design__instance__count__clock_buffer": 0,
            "design__repair__hold_buffers": 0,
            "design__max_fanout_violation__count__before": report.fanout,
            "design__max_cap_violation__count__before": report.capacitance,
            "design__max_slew_violation__count__before": report.transition,
            "design__max_fanout__limit": rules.max_fanout,
            "design__max_slew__limit": rules.max_transition_s * 1e9}
