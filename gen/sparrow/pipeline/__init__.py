"""``sparrow flow``: descriptor -> generate -> RTL simulation -> synthesis -> timing ->
gate-level simulation -> power -> report, as one resumable ``SequentialFlow`` of steps.

The design-independent steps (Yosys, OpenSTA) come from ``sparrow.flow``; the steps here
know the Sparrow core: they generate it, drive it with real inferences at RTL and gate level
through the cocotb testbench in ``sim/`` (checked value by value against the golden model),
and turn the gate-level switching activity into energy per inference (``sparrow.power``).
"""

from .energy import SPARROWSNN_PUBLISHED, average_power_w
from .flow import FLOW_STEPS, FlowOptions, build_flow, run_flow
from .inputs import resolve_inputs

__all__ = ["SPARROWSNN_PUBLISHED", "average_power_w", "FLOW_STEPS", "FlowOptions",
           "build_flow", "run_flow", "resolve_inputs"]
