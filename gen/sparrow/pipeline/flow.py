"""The Sparrow flow: the steps in order, its configuration, and ``run_flow``."""

from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..export import atomic_write_bytes
from ..flow import (DEFAULT_LIBRARY, Progress, SequentialFlow, State, StaStep, SynthesisStep,
                    write_report)
from ..flow.report import format_value
from ..flow.sta import DEFAULT_CLOCK_PERIOD_NS
from ..hw.generate import top_name
from ..model import load_model
from ..model.descriptor import descriptor_files
from .energy import DEFAULT_INFERENCE_RATE_HZ, SPARROWSNN_PUBLISHED
from .generate_step import GenerateStep
from .inputs import resolve_inputs
from .power_step import PowerStep
from .simulation_steps import GateLevelSimStep, RtlSimStep

FLOW_STEPS = (GenerateStep, RtlSimStep, SynthesisStep, StaStep, GateLevelSimStep, PowerStep)


@dataclass(frozen=True)
class FlowOptions:
    """What a user chooses for a run. Units: ns for the clock period, Hz for the rate."""
    lanes: int = 8
    mode: str = "baked"
    library: str = DEFAULT_LIBRARY
    clock_period_ns: float = DEFAULT_CLOCK_PERIOD_NS
    rtl_simulator: str = "icarus"
    inference_rate_hz: float = DEFAULT_INFERENCE_RATE_HZ
    inferences: int = 1
    inputs: str | None = None
    random: int | None = None
    seed: int = 0
    mitdb: str | None = None

    def config(self, design_name: str) -> dict:
        return {"DESIGN_NAME": design_name, "LANES": self.lanes, "HW_MODE": self.mode,
                "LIBRARY": self.library, "SYNTH_HIERARCHY": "keep_names",
                "CLOCK_PERIOD": float(self.clock_period_ns), "RTL_SIMULATOR": self.rtl_simulator,
                "INFERENCE_RATE": float(self.inference_rate_hz)}


def build_flow(design_name: str, options: FlowOptions = FlowOptions()) -> SequentialFlow:
    """The flow's steps with the configuration of ``options``."""
    return SequentialFlow([step() for step in FLOW_STEPS], options.config(design_name),
                          name="sparrow flow")


def run_flow(descriptor: str | os.PathLike, run_dir: str | os.PathLike,
             options: FlowOptions = FlowOptions(), *, from_step: str | None = None,
             to_step: str | None = None, progress: Progress | None = None) -> State:
    """Run the flow on ``descriptor`` in ``run_dir``; return the final state. The inputs are
    chosen first (``resolve_inputs``) and kept as ``run_dir/inputs.npy``."""
    model = load_model(descriptor)
    run_dir = Path(run_dir)
    progress = progress or Progress()
    flow = build_flow(top_name(model), options)
    x, described = resolve_inputs(model, inputs=options.inputs, random=options.random,
                                  count=options.inferences, seed=options.seed,
                                  mitdb=options.mitdb)
    run_dir.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(x, dtype=np.int64))
    inputs = atomic_write_bytes(run_dir / "inputs.npy", buffer.getvalue())
    progress.step_line(f"inputs: {described}")
    state = flow.run(run_dir, initial_views={"descriptor": descriptor_files(descriptor),
                                             "inputs": inputs},
                     from_step=from_step, to_step=to_step, progress=progress, report=False)
    doc = json.loads((run_dir / "metrics.json").read_text())
    write_report(run_dir, doc, sections=energy_section(doc["metrics"], described,
                                                       options.library))
    return state


def energy_section(metrics: dict, inputs_described: str, library: str) -> list[tuple]:
    """Report blocks for the energy per inference, with SparrowSNN's published figures
    beside it, labelled (empty when the power step has not run)."""
    if "inference__energy" not in metrics:
        return []
    rows = [["energy per inference", format_value(metrics["inference__energy"], "J"),
             "this run (gate-level activity)"],
            ["inference time", format_value(metrics["inference__time"] * 1e6, "µs"),
             "this run (gate-level window / inferences)"],
            ["average power at " + format_value(metrics["inference__rate"], "Hz"),
             format_value(metrics["power__average"], "W"),
             "this run: energy x rate + leakage while idle (clock stopped)"],
            ["energy per inference", format_value(SPARROWSNN_PUBLISHED["energy_per_inference_j"],
                                                  "J"), SPARROWSNN_PUBLISHED["label"]],
            ["average power", format_value(SPARROWSNN_PUBLISHED["average_power_w"], "W"),
             SPARROWSNN_PUBLISHED["label"]]]
    return [("h", 2, "Energy per inference"),
            ("p", f"Inputs: {inputs_described}. Library: {library}. Every inference at RTL and "
                  "at gate level equal to the golden model."),
            ("table", ["figure", "value", "source"], rows)]
