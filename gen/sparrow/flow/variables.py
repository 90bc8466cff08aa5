"""The configuration variables of Sparrow's steps, each declared once (name, type, default,
unit, allowed values) and listed by every step that reads it."""

from __future__ import annotations

from .. import defaults
from ..hw.clock_gate import STYLES
from ..hw.memory import MEMORY_STYLES
from ..hw.plan import INPUT_STYLES
from ..hw.plan import MODES, VARIANTS
from ..sim.simulators import SIMULATORS
from ..sta.design_rules import DEFAULT_MAX_FANOUT
from ..synth.yosys import HIERARCHY_MODES
from .step import ConfigVar

DESIGN_NAME = ConfigVar("DESIGN_NAME", str, None, "top module of the design", required=True)
LIBRARY = ConfigVar("LIBRARY", str, defaults.LIBRARY,
                    "standard-cell library: a registry name (sparrow.library) or a .toml")
CLOCK_PORT = ConfigVar("CLOCK_PORT", str, "clk", "clock input port")
CLOCK_PERIOD = ConfigVar("CLOCK_PERIOD", float, defaults.CLOCK_PERIOD_NS,
                         "clock period (synthesis maps for it, timing checks it, simulation "
                         "runs at it)", "ns")
IO_DELAY = ConfigVar("IO_DELAY", float, None,
                     "input and output delay against the clock (default 20 % of the clock "
                     "period, LibreLane's IO_DELAY_CONSTRAINT)", "ns")
IO_DELAY_SHARE = 0.2
"""Share of the clock period the environment takes on inputs and outputs by default."""


def io_delay_ns(config) -> float:
    """The input/output delay (ns) of a resolved step configuration."""
    value = config["IO_DELAY"]
    return IO_DELAY_SHARE * config["CLOCK_PERIOD"] if value is None else value


MAX_FANOUT = ConfigVar("MAX_FANOUT", int, DEFAULT_MAX_FANOUT,
                       "most load pins per net after repair (LibreLane's "
                       "MAX_FANOUT_CONSTRAINT)")
REPAIR_DESIGN = ConfigVar("REPAIR_DESIGN", bool, True,
                          "repair design rules, build clock trees and fix hold after "
                          "synthesis (off: the synthesized netlist as it is, checked)")
STRICT = ConfigVar("STRICT", bool, False,
                   "fail the flow when the run is not a sign-off result")

LANES = ConfigVar("LANES", int, defaults.LANES, "parallel PE lanes")
HW_MODE = ConfigVar("HW_MODE", str, defaults.HW_MODE, "weights in ROM or RAM", choices=MODES)
ZERO_SKIP = ConfigVar("ZERO_SKIP", bool, defaults.ZERO_SKIP,
                      "skip the zero counts of spiking layers (weight reads, MACs, cycles)")
VARIANT = ConfigVar("VARIANT", str, defaults.VARIANT,
                     "neuron scheme of the core: ssf (spike counts) or if (per-timestep "
                     "integrate-and-fire, the baseline twin)", choices=VARIANTS)
CLOCK_GATE = ConfigVar("CLOCK_GATE", str, defaults.CLOCK_GATE, "clock gating of idle blocks",
                       choices=STYLES)
MEMORY_STYLE = ConfigVar("MEMORY_STYLE", str, defaults.MEMORY_STYLE,
                         "how the memories are built: flip-flop arrays (flop) or standard-cell "
                         "memories with per-word clock gates and decoded reads (flop_gated, "
                         "latch)", choices=MEMORY_STYLES)
INPUT_STYLE = ConfigVar("INPUT_STYLE", str, defaults.INPUT_STYLE,
                        "how the core takes its input: the whole input, then compute (buffer), "
                        "or the first layer computed from a window while it streams in "
                        "(stream)", choices=INPUT_STYLES)

SYNTH_HIERARCHY = ConfigVar("SYNTH_HIERARCHY", str, "keep_names",
                            "keep_names (cells named after their block) or flatten (flatten "
                            "first)", choices=HIERARCHY_MODES)
SYNTH_TIE_CONSTANTS = ConfigVar("SYNTH_TIE_CONSTANTS", bool, False,
                                "drive constants from tie cells")
SYNTH_MAX_FANOUT = ConfigVar("SYNTH_MAX_FANOUT", int, defaults.MAX_FANOUT,
                             "most sinks per net after ABC's buffering")

GATESIM_KEEP_VCD = ConfigVar("GATESIM_KEEP_VCD", bool, False,
                             "also write the gate-level VCD (every net, whole run) beside the "
                             "toggle counts: about 150 MB and twice the simulation time for one "
                             "ECG beat")
GATESIM_TIMED = ConfigVar("GATESIM_TIMED", bool, False,
                          "also simulate the netlist with the cells' delays (OpenSTA's SDF): "
                          "glitches counted; power then comes from the timed counts, the "
                          "zero-delay figures beside them")
RTL_SIMULATOR = ConfigVar("RTL_SIMULATOR", str, defaults.RTL_SIMULATOR, "RTL simulator",
                          choices=SIMULATORS)
INFERENCE_RATE = ConfigVar("INFERENCE_RATE", float, defaults.INFERENCE_RATE_HZ,
                           "inferences per second for the average power (72 beats/min)", "Hz")
IDLE_CLOCKS = ("running", "stopped")
IDLE_CLOCK = ConfigVar("IDLE_CLOCK", str, "running",
                       "the clock between inferences: running (the measured idle power) or "
                       "stopped (leakage only, for a system that stops it)", choices=IDLE_CLOCKS)
