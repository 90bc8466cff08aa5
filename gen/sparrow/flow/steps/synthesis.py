"""Flow step: Yosys synthesis of the generated Verilog to the library."""

from __future__ import annotations

from pathlib import Path

from ...resources import mapped_cell_wrappers
from ...synth.yosys import ABC_TIMING_TEMPLATE, SYNTH_TEMPLATE, run_synthesis
from .. import variables as v
from ..state import State, view_files
from ..step import Step, StepContext


class SynthesisStep(Step):
    """Yosys synthesis: view ``verilog`` (one or more sources) -> ``netlist``."""
    id = "yosys.synthesis"
    name = "Synthesis"
    inputs = ("verilog",)
    outputs = ("netlist",)
    config_vars = (v.DESIGN_NAME, v.LIBRARY, v.SYNTH_HIERARCHY, v.SYNTH_TIE_CONSTANTS,
                   v.CLOCK_PERIOD, v.SYNTH_MAX_FANOUT)
    source = "Yosys 0.23 stat -liberty (stat.txt, stat.json) and the library's liberty areas"

    def fingerprint_files(self) -> tuple[Path, ...]:
        # The script templates and the mapped clock gates and latches shape the netlist as
        # much as the inputs do.
        return (SYNTH_TEMPLATE, ABC_TIMING_TEMPLATE, *mapped_cell_wrappers())

    def run(self, state: State, step_dir: Path, ctx: StepContext):
        c = ctx.config
        result = run_synthesis(view_files(state.view("verilog")), c["DESIGN_NAME"],
                               c["LIBRARY"], step_dir, hierarchy=c["SYNTH_HIERARCHY"],
                               tie_constants=c["SYNTH_TIE_CONSTANTS"], progress=ctx.progress,
                               clock_period_ns=c["CLOCK_PERIOD"],
                               max_fanout=c["SYNTH_MAX_FANOUT"])
        return {"netlist": result.netlist}, result.metrics()
