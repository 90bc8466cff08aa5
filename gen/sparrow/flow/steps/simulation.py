"""Flow steps that run real inferences through the core with the cocotb testbench
(``sparrow.sim.tb``) and check every one against the golden model: on the generated RTL, and
on the synthesized netlist with the library's cell models (which also counts every net's
toggles over the inference window, and writes a VCD only on request)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ...errors import ToolError
from ...library import get_library
from ...power import Activity
from ...sim.runner import CoreSimResult, run_core_sim
from .. import variables as v
from ..metrics import MetricSpec
from ..state import State, view_files
from ..step import Step, StepContext
from .views import design_of, inputs_of, model_of

_COUNTER_METRICS = {
    "cycles": "inference__cycles",
    "weight_reads": "inference__weight_reads",
    "activation_reads": "inference__activation_reads",
    "activation_writes": "inference__activation_writes",
    "synops": "inference__synops",
}
COUNTER_SPECS = {
    "inference__cycles": MetricSpec(
        "cycles", "clock cycles from the last input sample to the result (hardware counter)"),
    "inference__weight_reads": MetricSpec(
        "words", "weight-buffer word reads per inference (hardware counter)"),
    "inference__activation_reads": MetricSpec(
        "words", "activation-buffer word reads per inference (hardware counter)"),
    "inference__activation_writes": MetricSpec(
        "words", "activation-buffer word writes per inference (hardware counter)"),
    "inference__synops": MetricSpec(
        "MACs", "multiply-accumulates with a non-zero operand per inference (hardware "
                "counter: effective synaptic operations)"),
}


def _check(result: CoreSimResult, what: str) -> dict[str, Any]:
    """Fail unless every inference matched the golden model; the counters as metrics (the
    hardware counters of the last inference; every inference's were checked)."""
    if not result.passed:
        lines = result.diagnosis + result.errors[:10] or result.tests_failed
        raise ToolError(f"{what}: the core does not match the golden model: "
                        + "; ".join(lines) + f"; log: {result.log}")
    perf = result.observed[-1]["perf"]
    return {metric: int(perf[key]) for key, metric in _COUNTER_METRICS.items()}


def _write_results(path: Path, result: CoreSimResult) -> Path:
    path.write_text(json.dumps({"simulator": result.simulator, "inferences": result.inferences,
                                "window_ns": result.window_ns, "observed": result.observed},
                               indent=1) + "\n")
    return path


class RtlSimStep(Step):
    """The generated RTL (view ``rtl``) on every input of view ``inputs`` under cocotb,
    each inference equal to the golden model (scores, class, counters)."""
    id = "cocotb.rtl_sim"
    name = "RTL simulation"
    inputs = ("descriptor", "manifest", "rtl", "inputs")
    outputs = ("rtl_results",)
    config_vars = (v.RTL_SIMULATOR, v.CLOCK_PERIOD)
    metric_specs = {**COUNTER_SPECS,
                    "rtl_sim__inferences": MetricSpec("inferences", "inferences simulated at "
                                                      "RTL, all equal to the golden model")}
    source = "cocotb 2 testbench (sparrow.sim.tb), hardware performance counters"

    def run(self, state: State, step_dir: Path, ctx: StepContext):
        c = ctx.config
        model = model_of(state)
        design = design_of(state, model)
        x, aux = inputs_of(state)
        ctx.progress(f"{len(x)} inferences on {c['RTL_SIMULATOR']}")
        result = run_core_sim(design, x, aux=aux, simulator=c["RTL_SIMULATOR"],
                             work_dir=step_dir,
                             sources=view_files(state.view("rtl")),
                             clock_period_ns=c["CLOCK_PERIOD"])
        metrics = _check(result, "RTL simulation")
        metrics["rtl_sim__inferences"] = result.inferences
        return {"rtl_results": _write_results(step_dir / "results.json", result)}, metrics


class GateLevelSimStep(Step):
    """The synthesized netlist (view ``netlist``) with the library's cell models under
    Icarus, driven by the same testbench on the same inputs: every inference equal to the
    golden model, and every net's transitions and time at 1 over the inference window (first
    sample offered to last result) counted during the run (view ``activity``, a few MB,
    ``sparrow.sim.counter``), with the window as metrics. ``GATESIM_KEEP_VCD`` also writes
    the VCD of the same run (``activity.vcd`` in the step folder)."""
    id = "cocotb.gate_sim"
    name = "Gate-level simulation"
    inputs = ("descriptor", "manifest", "netlist", "inputs")
    outputs = ("activity", "gate_results")
    config_vars = (v.LIBRARY, v.CLOCK_PERIOD, v.GATESIM_KEEP_VCD)
    metric_specs = {
        **COUNTER_SPECS,
        "gatesim__inferences": MetricSpec("inferences", "inferences simulated at gate level, "
                                          "all equal to the golden model"),
        "gatesim__window__start": MetricSpec("ns", "start of the inference window"),
        "gatesim__window__end": MetricSpec("ns", "end of the inference window"),
        "gatesim__activity__size": MetricSpec("bytes", "size of the toggle-count file"),
        "gatesim__vcd__size": MetricSpec("bytes", "size of the VCD (GATESIM_KEEP_VCD only)"),
    }
    source = "Icarus Verilog 11 gate-level simulation with cocotb 2 (sparrow.sim.tb)"

    def run(self, state: State, step_dir: Path, ctx: StepContext):
        c = ctx.config
        library = get_library(c["LIBRARY"])
        model = model_of(state)
        design = design_of(state, model)
        x, aux = inputs_of(state)
        ctx.progress(f"{len(x)} inferences on the {library.name} netlist (Icarus, "
                     f"{c['CLOCK_PERIOD']:g} ns clock)")
        counts = step_dir / "activity.tsv"
        vcd = step_dir / "activity.vcd" if c["GATESIM_KEEP_VCD"] else None
        result = run_core_sim(design, x, aux=aux, simulator="icarus",
                             work_dir=step_dir / "sim",
                             sources=[*view_files(state.view("netlist")), *library.cell_models],
                             build_args=list(library.iverilog_flags), vcd=vcd, activity=counts,
                             clock_period_ns=c["CLOCK_PERIOD"])
        metrics = _check(result, "gate-level simulation")
        if result.window_ns is None:
            raise ToolError(f"gate-level simulation reported no inference window; log: "
                            f"{result.log}")
        # The testbench opens and closes the counter's window at its own window times.
        counted_s = Activity.from_counts(counts).window_s
        if abs(counted_s - (result.window_ns[1] - result.window_ns[0]) * 1e-9) > 1e-12:
            raise ToolError(f"the toggle counts' window ({counted_s:g} s) is not the "
                            f"testbench's {result.window_ns} ns; log: {result.log}")
        metrics |= {"gatesim__inferences": result.inferences,
                    "gatesim__window__start": result.window_ns[0],
                    "gatesim__window__end": result.window_ns[1],
                    "gatesim__activity__size": counts.stat().st_size}
        if vcd is not None:
            metrics["gatesim__vcd__size"] = vcd.stat().st_size
        return {"activity": counts,
                "gate_results": _write_results(step_dir / "results.json", result)}, metrics
