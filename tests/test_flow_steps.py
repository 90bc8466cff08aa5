"""The tool steps in a real flow: synthesis -> timing -> gate-level simulation of the
clock-gated counter on OSU018, the run's metrics.json and report, and what a changed
configuration re-runs."""

from __future__ import annotations

import io
import json

from pathlib import Path

from flow_helpers import CG_COUNTER, CG_TESTBENCH, write
from sparrow.flow import Progress, SequentialFlow, Step
from sparrow.flow import variables as v
from sparrow.flow.steps import StaStep, SynthesisStep
from sparrow.report import write_report
from sparrow.sim.gatesim import run_gatesim
from sparrow.sim.icarus import VcdDump


class GateSim(Step):
    """A design's own Verilog testbench on view ``netlist`` at gate level -> view ``vcd``:
    the step a user writes for a design that is not a Sparrow core."""
    id = "icarus.gatesim"
    name = "Gate-level simulation"
    inputs = ("netlist",)
    outputs = ("vcd",)
    config_vars = (v.LIBRARY,)

    def __init__(self, testbench: Path):
        self.testbench = testbench

    def fingerprint_files(self):
        return (self.testbench,)

    def run(self, state, step_dir, ctx):
        result = run_gatesim(state.view("netlist"), [self.testbench], ctx.config["LIBRARY"],
                             step_dir, dump=VcdDump("tb.dut"), expect="^PASS")
        return {"vcd": result.vcd}, {"gatesim__vcd__end_time": result.vcd_end_ns}


def flow(tb, period, io_delay=0.0):
    return SequentialFlow([SynthesisStep(), StaStep(), GateSim(tb)],
                          {"DESIGN_NAME": "cg_counter", "CLOCK_PERIOD": period,
                           "IO_DELAY": io_delay}, name="cg")


def test_tool_flow_metrics_report_and_resume(tmp_path):
    src, tb = write(tmp_path, "cg.v", CG_COUNTER), write(tmp_path, "tb.v", CG_TESTBENCH)
    run = tmp_path / "run"
    log = io.StringIO()
    state = flow(tb, 250).run(run, initial_views={"verilog": [src]}, progress=Progress(log))
    write_report(run)
    assert [p.name for p in sorted(run.glob("0*"))] == [
        "01-yosys-synthesis", "02-opensta-timing", "03-icarus-gatesim"]
    doc = json.loads((run / "metrics.json").read_text())
    m, units = doc["metrics"], doc["units"]
    assert m["design__instance__count__clock_gate"] == 1 and m["design__instance__count__flipflop"] == 16
    assert m["design__instance__count__latch"] == 1
    # area = sum over cell types of count x liberty area (the OSU LATCH is 0 µm²)
    assert m["design__instance__area"] == sum(v for k, v in m.items()
                                              if k.startswith("design__instance__area__cell:"))
    assert m["design__instance__area__zero_area_cells"] == 1
    assert m["timing__clock_period"] == 250.0 and m["timing__unclocked_register__count"] == 0
    assert m["timing__fmax"] == round(1e3 / (250.0 - m["timing__setup_r2r__ws"]), 6)
    assert m["timing__setup_r2r__ws"] >= m["timing__setup__ws"]
    assert m["gatesim__vcd__end_time"] > 1000
    assert units["design__instance__area"] == "µm²" and units["timing__setup__ws"] == "ns"
    assert units["timing__fmax"] == "MHz" and units["design__instance__count__cell:DFFPOSX1"] == "cells"
    assert "OpenSTA" in doc["sources"]["timing__setup__ws"]
    assert doc["views"]["vcd"] == "03-icarus-gatesim/activity.vcd"
    report = (run / "report.md").read_text()
    assert f"{m['design__instance__area']:,.6g} µm²" in report and "(plots/cell_area.png)" in report
    assert (run / "plots" / "cell_area.png").stat().st_size > 1000
    assert "<table>" in (run / "report.html").read_text()
    assert state.views["netlist"] == run / "01-yosys-synthesis" / "netlist.v"
    assert "[3/3] Gate-level simulation: done" in log.getvalue()

    # new I/O delays: synthesis and simulation are unchanged, timing re-runs
    log = io.StringIO()
    state = flow(tb, 250, 10.0).run(run, initial_views={"verilog": [src]},
                                    progress=Progress(log))
    text = log.getvalue()
    assert "[1/3] Synthesis: unchanged, outputs reused" in text
    assert "[2/3] Static timing and design rules: done" in text
    assert "[3/3] Gate-level simulation: unchanged, outputs reused" in text

    # a new clock period is ABC's delay target too: synthesis and timing re-run
    log = io.StringIO()
    state = flow(tb, 100).run(run, initial_views={"verilog": [src]}, progress=Progress(log))
    text = log.getvalue()
    assert "[1/3] Synthesis: done" in text and "[2/3] Static timing and design rules: done" in text
    assert state.metrics["timing__clock_period"] == 100.0
