"""Flow step: generate the core (Verilog, manifest, SDC, LibreLane config) from the model."""

from __future__ import annotations

from pathlib import Path

from ...hw.generate import generate
from .. import variables as v
from ..metrics import MetricSpec
from ..state import State
from ..step import Step, StepContext
from .views import model_of


class GenerateStep(Step):
    """View ``descriptor`` -> ``verilog`` (the core alone, for synthesis), ``rtl`` (with the
    behavioural clock gate, for RTL simulation) and ``manifest``."""
    id = "sparrow.generate"
    name = "Generate RTL"
    inputs = ("descriptor",)
    outputs = ("verilog", "rtl", "manifest")
    config_vars = (v.LANES, v.HW_MODE, v.ZERO_SKIP, v.VARIANT, v.CLOCK_GATE, v.MEMORY_STYLE,
                   v.INPUT_STYLE, v.CLOCK_PERIOD)
    metric_specs = {
        "design__lanes": MetricSpec("lanes", "parallel PE lanes of the core"),
        "design__memory__style": MetricSpec(
            "", "how the memories are built: flop, flop_gated or latch (sparrow.hw.memory)"),
        "design__memory__weight_bits": MetricSpec("bits", "weight buffer size"),
        "design__memory__activation_bits": MetricSpec("bits", "activation buffers size"),
        "design__memory__input_bits": MetricSpec("bits", "input buffer size"),
        "design__input__style": MetricSpec(
            "", "how the core takes its input: buffer (all of it, then compute) or stream "
                "(the first layer from a window while the samples arrive)"),
        "design__memory__membrane_bits": MetricSpec(
            "bits", "membrane memory size (the if variant's neuron state)"),
        "inference__cycles__planned": MetricSpec(
            "cycles", "clock cycles of one inference's computation in the dense schedule "
                      "(exact without zero skipping, an upper bound with it)"),
        "inference__lane_utilization": MetricSpec(
            "", "synaptic operations / (lanes x compute cycles), from the hardware plan"),
    }
    source = "Sparrow hardware plan and Amaranth 0.5 (manifest.json)"

    def run(self, state: State, step_dir: Path, ctx: StepContext):
        c = ctx.config
        design = generate(model_of(state), step_dir, lanes=c["LANES"], mode=c["HW_MODE"],
                          zero_skip=c["ZERO_SKIP"], variant=c["VARIANT"],
                          clock_period_ns=c["CLOCK_PERIOD"], clock_gate=c["CLOCK_GATE"],
                          memory_style=c["MEMORY_STYLE"], input_style=c["INPUT_STYLE"])
        plan = design.plan
        metrics = {
            "design__lanes": plan.lanes,
            "design__memory__style": plan.memory_style,
            "design__memory__weight_bits": plan.weight_memory_bits,
            "design__memory__activation_bits": plan.activation_memory_bits,
            "design__memory__input_bits": plan.input_memory_bits,
            "design__input__style": plan.input_style,
            "inference__cycles__planned": plan.cycles_per_inference,
            "inference__lane_utilization": plan.lane_utilization,
        }
        if plan.variant == "if":
            metrics["design__memory__membrane_bits"] = plan.membrane_memory_bits
        return ({"verilog": design.verilog, "rtl": tuple(design.rtl_sources),
                 "manifest": design.manifest}, metrics)
