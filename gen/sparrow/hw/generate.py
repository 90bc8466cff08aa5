"""``sparrow generate``: Verilog of the core, its manifest, SDC and LibreLane config.

Everything written is a pure function of (model, options): the output is byte-for-byte
reproducible (no source locations, dates or absolute paths in the files).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from amaranth.back import verilog

from .. import defaults
from ..export import write_librelane_config
from ..errors import SparrowError
from ..resources import CLOCK_GATE, LATCH
from ..model.descriptor import Model
from .core import SparrowCore
from .if_core import IfCore
from .plan import HardwarePlan, plan_core

CLOCK_PORT = "clk"
RESET_PORT = "rst"


@dataclass(frozen=True)
class GeneratedDesign:
    """Files of one generated core (all inside ``directory``)."""

    plan: HardwarePlan
    top: str
    directory: Path
    verilog: Path
    clock_gate: Path | None      # behavioural clock gate for RTL simulation (gated cores)
    manifest: Path
    sdc: Path
    librelane_config: Path
    latch: Path | None = None    # behavioural latch for RTL simulation (latch memories)

    @property
    def rtl_sources(self) -> list[Path]:
        """Verilog files for RTL simulation, in dependency order."""
        return [p for p in (self.clock_gate, self.latch) if p] + [self.verilog]


def load_design(directory: str | os.PathLike, model: Model) -> GeneratedDesign:
    """The ``GeneratedDesign`` that ``generate`` wrote into ``directory`` for ``model`` (the
    plan is derived again from the manifest's lanes, mode, variant and memory style)."""
    out = Path(directory)
    try:
        manifest = json.loads((out / "manifest.json").read_text())
        top, files = manifest["top"], manifest["files"]
        plan = plan_core(model, lanes=manifest["lanes"], mode=manifest["mode"],
                         zero_skip=manifest["zero_skip"],
                         variant=manifest.get("variant", defaults.VARIANT),
                         memory_style=manifest.get("memory_style", "flop"),
                         input_style=manifest.get("input_style", "buffer"))
    except (OSError, ValueError, KeyError) as e:
        raise ValueError(f"{out} does not hold a generated design ({e})") from None
    return GeneratedDesign(
        plan=plan, top=top, directory=out, verilog=out / files["verilog"],
        clock_gate=out / files["clock_gate"] if files["clock_gate"] else None,
        manifest=out / "manifest.json", sdc=out / files["sdc"],
        librelane_config=out / files["librelane_config"],
        latch=out / files["latch"] if files.get("latch") else None)


def top_name(model: Model) -> str:
    return f"sparrow_{model.name}"


def build_core(plan: HardwarePlan, *, clock_gate: str = "instance") -> SparrowCore:
    """The core of ``plan``'s variant: :class:`SparrowCore` (ssf) or :class:`IfCore` (if)."""
    return (IfCore if plan.variant == "if" else SparrowCore)(plan, clock_gate=clock_gate)


def emit_verilog(plan: HardwarePlan, *, top: str, clock_gate: str = "instance") -> str:
    """Verilog text of the core (no source attributes, so it is reproducible)."""
    core = build_core(plan, clock_gate=clock_gate)
    return verilog.convert(core, name=top, emit_src=False)


def port_map(plan: HardwarePlan) -> dict:
    """Bit layout of the Verilog ports, for testbenches and integrators."""
    cls_bits, score_bits = plan.class_bits, plan.score_bits
    ports = {
        "clock": CLOCK_PORT, "reset": RESET_PORT + " (synchronous, active high)",
        "sample": {"valid": "sample__valid", "ready": "sample__ready",
                   "payload": "sample__payload", "bits": plan.input_bits,
                   "signed": plan.model.input.signed},
        "result": {"valid": "result__valid", "ready": "result__ready",
                   "payload": "result__payload",
                   "fields": [{"name": "cls", "lsb": 0, "bits": cls_bits, "signed": False}] + [
                       {"name": f"scores[{k}]", "lsb": cls_bits + k * score_bits,
                        "bits": score_bits, "signed": True} for k in range(plan.classes)]},
        "perf": {name: f"perf__{name}" for name in
                 ("cycles", "weight_reads", "activation_reads", "activation_writes",
                  "synops")},
        "busy": "busy", "done": "done",
    }
    if plan.aux_words:
        aux = plan.model.aux_input
        ports["aux"] = {"valid": "aux__valid", "ready": "aux__ready", "payload": "aux__payload",
                        "bits": aux.bits, "signed": aux.signed,
                        "order": "feature 0 first; an inference's aux values before its "
                                 "samples"}
    if plan.mode == "loadable":
        ports["config"] = {"addr": "cfg__addr", "data": "cfg__data", "en": "cfg__en",
                           "addr_bits": plan.config_addr_bits,
                           "data_bits": plan.config_data_bits}
    return ports


def generate(model: Model, out_dir: str | os.PathLike, *, lanes: int = defaults.LANES,
             mode: str = defaults.HW_MODE, zero_skip: bool = defaults.ZERO_SKIP,
             variant: str = defaults.VARIANT,
             clock_period_ns: float = defaults.CLOCK_PERIOD_NS,
             clock_gate: str = defaults.CLOCK_GATE,
             memory_style: str = defaults.MEMORY_STYLE,
             input_style: str = defaults.INPUT_STYLE) -> GeneratedDesign:
    """Plan and emit one core into ``out_dir`` (created if needed; files replaced atomically).

    Raises :class:`~sparrow.hw.plan.HardwareLimitError` if the model is beyond the limits,
    ``SparrowError`` for a latch memory without clock gates.
    """
    if not clock_period_ns > 0:
        raise ValueError(f"clock period must be positive, got {clock_period_ns} ns")
    if memory_style == "latch" and clock_gate == "none":
        # Its words are written by gated clock pulses; without gates the core would hold the
        # simulation model (falling-edge flip-flops), not latches.
        raise SparrowError("memory_style latch needs clock gates (clock_gate instance): its "
                           "words are written by per-word gated clock pulses; with clock_gate "
                           "none use memory_style flop_gated or flop")
    plan = plan_core(model, lanes=lanes, mode=mode, zero_skip=zero_skip, variant=variant,
                     memory_style=memory_style, input_style=input_style)
    top = top_name(model)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    text = emit_verilog(plan, top=top, clock_gate=clock_gate)

    # Build everything in a temporary folder beside the target, then move the files in.
    staging = Path(tempfile.mkdtemp(prefix=".generate.", dir=out))
    try:
        (staging / f"{top}.v").write_text(text)
        models = {}     # behavioural models of the cell wrappers the core instantiates
        for key, wrapper, used in (("clock_gate", CLOCK_GATE, clock_gate == "instance"),
                                   ("latch", LATCH, memory_style == "latch")):
            if used:
                models[key] = staging / f"{wrapper.module}.v"
                shutil.copyfile(wrapper.behavioural, models[key])
        manifest = plan.manifest() | {
            "top": top,
            "clock_period_ns": clock_period_ns,
            "clock_gate": clock_gate,
            "files": {"verilog": f"{top}.v",
                      "clock_gate": models["clock_gate"].name if "clock_gate" in models
                      else None,
                      "latch": models["latch"].name if "latch" in models else None,
                      "sdc": f"{top}.sdc", "librelane_config": "config.json"},
            "ports": port_map(plan),
        }
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        for f in sorted(staging.iterdir()):
            os.replace(f, out / f.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    # SDC and config.json (paths relative to ``out``; the clock gate mapped to sky130 cells).
    write_librelane_config(out, design_name=top, verilog_files=[out / f"{top}.v"],
                           clock_port=CLOCK_PORT, clock_period_ns=clock_period_ns)
    return GeneratedDesign(
        plan=plan, top=top, directory=out, verilog=out / f"{top}.v",
        clock_gate=out / models["clock_gate"].name if "clock_gate" in models else None,
        manifest=out / "manifest.json", sdc=out / f"{top}.sdc",
        librelane_config=out / "config.json",
        latch=out / models["latch"].name if "latch" in models else None)
