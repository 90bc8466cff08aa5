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
from ...power import Activity, load_liberty
from ...sim.runner import CoreSimResult, run_core_sim
from ...sim.sdf import fine_cell_models, timed_netlist
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
_COUNTER_UNITS = {
    "inference__cycles": ("cycles", "clock cycles from the last input sample to the result"),
    "inference__weight_reads": ("words", "weight-buffer word reads per inference"),
    "inference__activation_reads": ("words", "activation-buffer word reads per inference"),
    "inference__activation_writes": ("words", "activation-buffer word writes per inference"),
    "inference__synops": ("MACs", "multiply-accumulates with a non-zero operand per inference "
                                  "(effective synaptic operations)"),
}
COUNTER_SPECS = {
    **{metric: MetricSpec(unit, f"{what} (hardware counter, last inference)")
       for metric, (unit, what) in _COUNTER_UNITS.items()},
    # The energy is a mean over the inferences: so are these.
    **{f"{metric}__mean": MetricSpec(unit, f"{what} (hardware counter, mean over the "
                                           "inferences)")
       for metric, (unit, what) in _COUNTER_UNITS.items()},
}


def _check(result: CoreSimResult, what: str) -> dict[str, Any]:
    """Fail unless every inference matched the golden model; the counters as metrics (the
    hardware counters of the last inference, and their means; every inference's were
    checked)."""
    if not result.passed:
        lines = result.diagnosis + result.errors[:10] or result.tests_failed
        raise ToolError(f"{what}: the core does not match the golden model: "
                        + "; ".join(lines) + f"; log: {result.log}")
    perf = result.observed[-1]["perf"]
    metrics = {metric: int(perf[key]) for key, metric in _COUNTER_METRICS.items()}
    for key, metric in _COUNTER_METRICS.items():
        values = [o["perf"][key] for o in result.observed]
        metrics[f"{metric}__mean"] = sum(values) / len(values)
    return metrics


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


IDLE_CYCLES = 1000
"""Clock cycles of the idle window. An idle core repeats the same toggles every cycle (the
clock tree up to the closed gates), so a thousand cycles give its power exactly."""


class GateLevelSimStep(Step):
    """The synthesized netlist (view ``netlist``) with the library's cell models under
    Icarus, driven by the same testbench on the same inputs: every inference equal to the
    golden model, and every net's transitions and time at 1 over the inference window (first
    sample offered to last result) counted during the run (view ``activity``, a few MB,
    ``sparrow.sim.counter``), with the window as metrics. ``GATESIM_KEEP_VCD`` also writes
    the VCD of the same run (``activity.vcd`` in the step folder).

    After the last result the same run counts :data:`IDLE_CYCLES` cycles of the core waiting
    for its next inference (clock running, clock gates closed, nothing offered: view
    ``idle_activity``), for the power between inferences.

    ``GATESIM_TIMED``: a second run with the cells' delays from view ``sdf`` (OpenSTA's, made
    readable for Icarus by ``sparrow.sim.sdf``), equally bit-exact; view ``activity`` is then
    the pair (zero-delay counts, timed counts), over the same window and the same nets, and
    the cells and timing arcs Icarus annotated are metrics."""
    id = "cocotb.gate_sim"
    name = "Gate-level simulation"
    inputs = ("descriptor", "manifest", "netlist", "sdf", "inputs")
    outputs = ("activity", "idle_activity", "gate_results")
    config_vars = (v.DESIGN_NAME, v.LIBRARY, v.CLOCK_PERIOD, v.GATESIM_KEEP_VCD, v.GATESIM_TIMED)
    metric_specs = {
        **COUNTER_SPECS,
        "gatesim__inferences": MetricSpec("inferences", "inferences simulated at gate level, "
                                          "all equal to the golden model"),
        "gatesim__window__start": MetricSpec("ns", "start of the inference window"),
        "gatesim__window__end": MetricSpec("ns", "end of the inference window"),
        "gatesim__activity__size": MetricSpec("bytes", "size of the toggle-count file"),
        "gatesim__idle__window__start": MetricSpec("ns", "start of the idle window"),
        "gatesim__idle__window__end": MetricSpec("ns", "end of the idle window"),
        "gatesim__vcd__size": MetricSpec("bytes", "size of the VCD (GATESIM_KEEP_VCD only)"),
        "gatesim__timed__inferences": MetricSpec(
            "inferences", "inferences simulated with the cells' delays (SDF), all equal to "
                          "the golden model"),
        "gatesim__sdf__cells": MetricSpec("cells", "cells Icarus annotated with SDF delays"),
        "gatesim__sdf__arcs": MetricSpec("arcs", "timing arcs (IOPATH) Icarus annotated"),
        "gatesim__sdf__shared_input_arcs": MetricSpec(
            "arcs", "arcs of an input pin sharing its net with another input of the cell, "
                    "which Icarus merges into one port (the other pin's delay applies)"),
        "gatesim__sdf__hold_wrapped": MetricSpec(
            "cells", "cells with negative hold times simulated with their data pin delayed "
                     "by the hold time (the cell models have no hold window)"),
        "gatesim__timed__run_time": MetricSpec("s", "wall time of the timed simulation"),
    }
    source = "Icarus Verilog 11 gate-level simulation with cocotb 2 (sparrow.sim.tb)"

    def run(self, state: State, step_dir: Path, ctx: StepContext):
        c = ctx.config
        library = get_library(c["LIBRARY"])
        model = model_of(state)
        design = design_of(state, model)
        x, aux = inputs_of(state)
        netlist = view_files(state.view("netlist"))[0]
        ctx.progress(f"{len(x)} inferences on the {library.name} netlist (Icarus, "
                     f"{c['CLOCK_PERIOD']:g} ns clock)")
        counts, idle = step_dir / "activity.tsv", step_dir / "idle_activity.tsv"
        vcd = step_dir / "activity.vcd" if c["GATESIM_KEEP_VCD"] else None
        result = run_core_sim(design, x, aux=aux, simulator="icarus", work_dir=step_dir / "sim",
                              sources=[netlist, *library.cell_models],
                              build_args=list(library.iverilog_flags), vcd=vcd, activity=counts,
                              idle=(idle, IDLE_CYCLES), clock_period_ns=c["CLOCK_PERIOD"])
        metrics = self._checked(result, counts, "gate-level simulation")
        idle_ns = result.idle_window_ns
        if idle_ns is None or abs(Activity.from_counts(idle).window_s
                                  - IDLE_CYCLES * c["CLOCK_PERIOD"] * 1e-9) > 1e-12:
            raise ToolError(f"the idle window's toggle counts ({idle.name}) do not cover "
                            f"{IDLE_CYCLES} clock cycles; log: {result.log}")
        metrics |= {"gatesim__inferences": result.inferences,
                    "gatesim__window__start": result.window_ns[0],
                    "gatesim__window__end": result.window_ns[1],
                    "gatesim__idle__window__start": idle_ns[0],
                    "gatesim__idle__window__end": idle_ns[1],
                    "gatesim__activity__size": counts.stat().st_size}
        if vcd is not None:
            metrics["gatesim__vcd__size"] = vcd.stat().st_size
        activity: Path | tuple[Path, Path] = counts
        if c["GATESIM_TIMED"]:
            timed_counts = step_dir / "activity_timed.tsv"
            metrics |= self._timed(state, step_dir, ctx, design, x, aux, library, result, counts,
                                   timed_counts)
            activity = (counts, timed_counts)
        return {"activity": activity, "idle_activity": idle,
                "gate_results": _write_results(step_dir / "results.json", result)}, metrics

    @staticmethod
    def _checked(result: CoreSimResult, counts: Path, what: str) -> dict[str, Any]:
        """``_check`` plus the inference window, which the toggle counts must share."""
        metrics = _check(result, what)
        if result.window_ns is None:
            raise ToolError(f"{what} reported no inference window; log: {result.log}")
        # The testbench opens and closes the counter's window at its own window times.
        counted_s = Activity.from_counts(counts).window_s
        if abs(counted_s - (result.window_ns[1] - result.window_ns[0]) * 1e-9) > 1e-12:
            raise ToolError(f"the toggle counts' window ({counted_s:g} s) is not the "
                            f"testbench's {result.window_ns} ns; log: {result.log}")
        return metrics

    def _timed(self, state: State, step_dir: Path, ctx: StepContext, design, x, aux, library,
               zero: CoreSimResult, zero_counts: Path, counts: Path) -> dict[str, Any]:
        """The timed run: bit-exact, the same window and nets as the zero-delay run, every SDF
        entry applied (or explained)."""
        c = ctx.config
        liberty = load_liberty(library.sta_liberty)
        outputs = {cell: {p for p, pin in liberty.cell(cell).pins.items() if pin.is_output}
                   for cell in liberty.cell_names()}
        timed = timed_netlist(view_files(state.view("netlist"))[0],
                              view_files(state.view("sdf"))[0], c["DESIGN_NAME"],
                              step_dir / "timed", outputs)
        ctx.progress(f"timed run: {timed.cells} cells with SDF delays, {timed.hold_wrapped} "
                     "with hold windows")
        result = run_core_sim(design, x, aux=aux, simulator="icarus",
                              work_dir=step_dir / "timed",
                              sources=[timed.netlist, *fine_cell_models(
                                  library.cell_models, step_dir / "timed" / "cells")],
                              build_args=list(library.iverilog_flags), sdf=timed.sdf,
                              activity=counts, clock_period_ns=c["CLOCK_PERIOD"])
        self._checked(result, counts, "timed gate-level simulation")
        cells, arcs = timed.check_annotation(result.sdf_problems, result.log)
        if result.window_ns != zero.window_ns:
            raise ToolError(f"the timed run's inference window {result.window_ns} ns is not "
                            f"the zero-delay run's {zero.window_ns} ns; log: {result.log}")
        if Activity.from_counts(counts).names.keys() != \
                Activity.from_counts(zero_counts).names.keys():
            raise ToolError(f"the timed run counted other nets than the zero-delay run; "
                            f"log: {result.log}")
        return {"gatesim__timed__inferences": result.inferences, "gatesim__sdf__cells": cells,
                "gatesim__sdf__arcs": arcs,
                "gatesim__sdf__shared_input_arcs": timed.arcs - arcs,
                "gatesim__sdf__hold_wrapped": timed.hold_wrapped,
                "gatesim__timed__run_time": round(result.build_seconds + result.run_seconds, 3)}
