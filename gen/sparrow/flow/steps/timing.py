"""Flow step: sign-off timing and design-rule checks of the (repaired) netlist."""

from __future__ import annotations

import json
from pathlib import Path

from ...export import SDC_TEMPLATE
from ...library import get_library
from ...netlist import read_netlist
from ...power import load_liberty
from ...sta.design_rules import check_design_rules, library_rules
from ...sta.opensta import STA_TEMPLATE, run_sta
from .. import variables as v
from ..metrics import MetricSpec
from ..state import State, view_files
from ..step import Step, StepContext


class StaStep(Step):
    """OpenSTA with propagated clocks on view ``netlist`` -> ``sdc`` (the constraints it used)
    and ``timing_report`` (``timing.json``: every metric of the step): setup and hold slack,
    clock skew, the critical path, and the design-rule violator counts (transition from
    OpenSTA and from Sparrow's checker, which must agree; capacitance and fanout, which
    Debian's OpenSTA 2.0.17 cannot check, from Sparrow's checker); ``sdf``: the cells' delays
    as OpenSTA computes them (``<top>.sdf.gz``, for the timed gate-level simulation)."""
    id = "opensta.timing"
    name = "Static timing and design rules"
    inputs = ("netlist",)
    outputs = ("sdc", "sdf", "timing_report")
    config_vars = (v.DESIGN_NAME, v.LIBRARY, v.CLOCK_PORT, v.CLOCK_PERIOD, v.IO_DELAY,
                   v.MAX_FANOUT)
    metric_specs = {
        "timing__io_delay": MetricSpec("ns", "input and output delay against the clock"),
    }
    source = ("OpenSTA 2.0.17 (Debian sta) with propagated clocks (sta.log); capacitance and "
              "fanout limits by sparrow.sta.design_rules")

    def fingerprint_files(self) -> tuple[Path, ...]:
        return (STA_TEMPLATE, SDC_TEMPLATE)

    def run(self, state: State, step_dir: Path, ctx: StepContext):
        c = ctx.config
        netlist = view_files(state.view("netlist"))[0]
        library = get_library(c["LIBRARY"])
        liberty = load_liberty(library.sta_liberty)
        rules = library_rules(liberty, max_fanout=c["MAX_FANOUT"])
        io = v.io_delay_ns(c)
        result = run_sta(netlist, c["DESIGN_NAME"], library, step_dir,
                         clock_port=c["CLOCK_PORT"], clock_period_ns=c["CLOCK_PERIOD"],
                         input_delay_ns=io, output_delay_ns=io, propagated_clock=True,
                         max_fanout=rules.max_fanout,
                         max_transition_ns=rules.max_transition_s * 1e9,
                         sdf=step_dir / f"{c['DESIGN_NAME']}.sdf.gz")
        check = check_design_rules(read_netlist(netlist, c["DESIGN_NAME"]), liberty, rules,
                                   clock_port=c["CLOCK_PORT"])
        metrics = {**result.metrics(), **check.metrics(), "timing__io_delay": io}
        for line in check.examples[:3]:
            ctx.progress(line)
        report = step_dir / "timing.json"
        report.write_text(json.dumps({"metrics": metrics, "design_rule_examples": check.examples,
                                      "hold_violators": result.hold_violators[:100]},
                                     indent=1) + "\n")
        return {"sdc": result.sdc, "sdf": step_dir / f"{c['DESIGN_NAME']}.sdf.gz",
                "timing_report": report}, metrics
