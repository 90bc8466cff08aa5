"""The Sparrow flow (``sparrow flow``): the steps in order, its configuration, ``run_flow``."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import defaults
from ..fileio import atomic_write_bytes
from ..hw.generate import top_name
from ..library import get_library
from ..model import load_model
from ..model.descriptor import descriptor_files
from ..model.golden import check_aux, check_input
from ..power.liberty import load_liberty
from ..repair.cells import LibraryCells
from ..resources import LATCH
from ..sim.sdf_probe import probe_sdf_delays
from ..sta.design_rules import DEFAULT_MAX_FANOUT
from .lock import run_folder_lock
from .progress import Progress
from .sequential import SequentialFlow
from .state import State
from .steps import (GateLevelSimStep, GenerateStep, PowerStep, RepairStep, RtlSimStep,
                    SignoffStep, StaStep, SynthesisStep)

FLOW_STEPS = (GenerateStep, RtlSimStep, SynthesisStep, RepairStep, StaStep, GateLevelSimStep,
              PowerStep, SignoffStep)


@dataclass(frozen=True)
class FlowOptions:
    """What a user chooses for a run. Units: ns for the clock period, Hz for the rate."""
    lanes: int = defaults.LANES
    mode: str = defaults.HW_MODE
    zero_skip: bool = defaults.ZERO_SKIP
    variant: str = defaults.VARIANT
    memory_style: str = defaults.MEMORY_STYLE
    input_style: str = defaults.INPUT_STYLE
    library: str = defaults.LIBRARY
    clock_period_ns: float = defaults.CLOCK_PERIOD_NS
    rtl_simulator: str = defaults.RTL_SIMULATOR
    inference_rate_hz: float = defaults.INFERENCE_RATE_HZ
    repair: bool = True
    max_fanout: int = DEFAULT_MAX_FANOUT
    strict: bool = False
    keep_vcd: bool = False
    timed_activity: bool = False
    idle_clock: str = "running"

    def config(self, design_name: str) -> dict:
        return {"DESIGN_NAME": design_name, "LANES": self.lanes, "HW_MODE": self.mode,
                "ZERO_SKIP": self.zero_skip, "VARIANT": self.variant,
                "MEMORY_STYLE": self.memory_style, "INPUT_STYLE": self.input_style,
                "LIBRARY": self.library, "SYNTH_HIERARCHY": "keep_names",
                "CLOCK_PERIOD": float(self.clock_period_ns), "RTL_SIMULATOR": self.rtl_simulator,
                "INFERENCE_RATE": float(self.inference_rate_hz), "REPAIR_DESIGN": self.repair,
                "MAX_FANOUT": self.max_fanout, "STRICT": self.strict,
                "GATESIM_KEEP_VCD": self.keep_vcd, "GATESIM_TIMED": self.timed_activity,
                "IDLE_CLOCK": self.idle_clock}


def build_flow(design_name: str, options: FlowOptions = FlowOptions()) -> SequentialFlow:
    """The flow's steps with the configuration of ``options``."""
    return SequentialFlow([step() for step in FLOW_STEPS], options.config(design_name),
                          name="sparrow flow")


def run_flow(descriptor: str | os.PathLike, run_dir: str | os.PathLike, inputs: np.ndarray,
             options: FlowOptions = FlowOptions(), *, aux: np.ndarray | None = None,
             inputs_described: str = "given inputs",
             from_step: str | None = None, to_step: str | None = None,
             progress: Progress | None = None) -> State:
    """Run the flow on ``descriptor`` with ``inputs`` ((N, C, L) raw samples, kept as
    ``run_dir/inputs.npy``; for a model with an aux input, ``aux`` (N, features), kept as
    ``run_dir/aux.npy`` beside it in view ``inputs``; ``inputs_described`` says where they
    came from, for the report) in ``run_dir``; return the final state. Only one flow at a time
    may use a run folder."""
    model = load_model(descriptor)
    x = check_input(model, inputs)
    aux = check_aux(model, aux, len(x))
    if options.memory_style == "latch":
        # Before minutes of generation and simulation: synthesis would refuse it.
        get_library(options.library).wrapper_verilog(LATCH, asked_by="flow")
    if options.timed_activity:
        check_timed_library(options.library)
    run_dir = Path(run_dir)
    progress = progress or Progress()
    flow = build_flow(top_name(model), options)
    with run_folder_lock(run_dir):
        saved = [_save_array(run_dir / "inputs.npy", x)]
        if aux is not None:
            saved.append(_save_array(run_dir / "aux.npy", aux))
        progress.step_line(f"inputs: {inputs_described}")
        return flow.run(run_dir, initial_views={"descriptor": descriptor_files(descriptor),
                                                "inputs": saved},
                        from_step=from_step, to_step=to_step, progress=progress,
                        notes={"inputs": inputs_described, "library": options.library})


def check_timed_library(library_name: str) -> float:
    """Before minutes of synthesis and simulation: do the library's cell models take SDF
    delays in Icarus? Probes the smallest buffer (:mod:`sparrow.sim.sdf_probe`); returns the
    delay simulated (ns), raises ``SdfUnsupported`` with what to do instead."""
    library = get_library(library_name)
    cells = LibraryCells(load_liberty(library.sta_liberty), dont_use=library.dont_use)
    buffer = min(cells.buffers, key=lambda b: b.area)
    return probe_sdf_delays(library.name, library.cell_models, library.iverilog_flags,
                            cell=buffer.cell, input_pin=buffer.input, output_pin=buffer.output)


def _save_array(path: Path, values: np.ndarray) -> Path:
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(values, dtype=np.int64))
    return atomic_write_bytes(path, buffer.getvalue())
