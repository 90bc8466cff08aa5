"""Flow step: generate the core (Verilog, manifest, SDC, LibreLane config) from the model."""

from __future__ import annotations

from pathlib import Path

from ..flow import ConfigVar, MetricSpec, State, Step, StepContext
from ..flow.sta import DEFAULT_CLOCK_PERIOD_NS
from ..hw.clock_gate import STYLES
from ..hw.generate import generate
from ..hw.plan import MODES
from .design_steps import model_of


class GenerateStep(Step):
    """View ``descriptor`` -> ``verilog`` (the core alone, for synthesis), ``rtl`` (with the
    behavioural clock gate, for RTL simulation) and ``manifest``."""
    id = "sparrow.generate"
    name = "Generate RTL"
    inputs = ("descriptor",)
    outputs = ("verilog", "rtl", "manifest")
    config_vars = (
        ConfigVar("LANES", int, 8, "parallel PE lanes"),
        ConfigVar("HW_MODE", str, "baked", f"weights in ROM or RAM: {' or '.join(MODES)}"),
        ConfigVar("CLOCK_GATE", str, "instance", f"clock gating: {' or '.join(STYLES)}"),
        ConfigVar("CLOCK_PERIOD", float, DEFAULT_CLOCK_PERIOD_NS, "clock period", "ns"),
    )
    metric_specs = {
        "design__lanes": MetricSpec("lanes", "parallel PE lanes of the core"),
        "design__memory__weight_bits": MetricSpec("bits", "weight buffer size"),
        "design__memory__activation_bits": MetricSpec("bits", "activation buffers size"),
        "design__memory__input_bits": MetricSpec("bits", "input buffer size"),
        "inference__cycles__planned": MetricSpec(
            "cycles", "clock cycles of one inference's computation, from the hardware plan"),
        "inference__lane_utilization": MetricSpec(
            "", "synaptic operations / (lanes x compute cycles), from the hardware plan"),
    }
    source = "Sparrow hardware plan and Amaranth 0.5 (manifest.json)"

    def run(self, state: State, step_dir: Path, ctx: StepContext):
        c = ctx.config
        design = generate(model_of(state), step_dir, lanes=c["LANES"], mode=c["HW_MODE"],
                          clock_period_ns=c["CLOCK_PERIOD"], clock_gate=c["CLOCK_GATE"])
        plan = design.plan
        metrics = {
            "design__lanes": plan.lanes,
            "design__memory__weight_bits": plan.weight_memory_bits,
            "design__memory__activation_bits": plan.activation_memory_bits,
            "design__memory__input_bits": plan.input_memory_bits,
            "inference__cycles__planned": plan.cycles_per_inference,
            "inference__lane_utilization": plan.lane_utilization,
        }
        return ({"verilog": design.verilog, "rtl": tuple(design.rtl_sources),
                 "manifest": design.manifest}, metrics)
