"""Flow step: static timing of the netlist with OpenSTA."""

from __future__ import annotations

from pathlib import Path

from ...export import SDC_TEMPLATE
from ...sta.opensta import STA_TEMPLATE, run_sta
from .. import variables as v
from ..state import State
from ..step import Step, StepContext


class StaStep(Step):
    """OpenSTA timing: view ``netlist`` -> ``sdc`` (the constraints it used)."""
    id = "opensta.timing"
    name = "Static timing"
    inputs = ("netlist",)
    outputs = ("sdc",)
    config_vars = (v.DESIGN_NAME, v.LIBRARY, v.CLOCK_PORT, v.CLOCK_PERIOD, v.IO_DELAY)
    source = "OpenSTA 2.0.17 (Debian sta) report_checks / worst_slack (sta.log)"

    def fingerprint_files(self) -> tuple[Path, ...]:
        return (STA_TEMPLATE, SDC_TEMPLATE)

    def run(self, state: State, step_dir: Path, ctx: StepContext):
        c = ctx.config
        result = run_sta(state.view("netlist"), c["DESIGN_NAME"], c["LIBRARY"], step_dir,
                         clock_port=c["CLOCK_PORT"], clock_period_ns=c["CLOCK_PERIOD"],
                         input_delay_ns=c["IO_DELAY"], output_delay_ns=c["IO_DELAY"])
        return {"sdc": result.sdc}, result.metrics()
