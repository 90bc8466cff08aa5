"""Design exports that any layer may use: SDC constraints and LibreLane/OpenLane 2 configs.

Lower than ``sparrow.hw`` and ``sparrow.flow``: it imports nothing from Sparrow but
``sparrow.errors``, so the hardware generator can write ``config.json`` next to its Verilog.
"""

from .atomic import atomic_write_bytes, atomic_write_text
from .librelane import librelane_config, write_librelane_config
from .resources import (BEHAVIOURAL_CLOCK_GATE, CLOCK_GATE_MODULE, CONSTRAINTS_DIR, FLOWS_DIR,
                        REPO_ROOT, RTL_DIR, mapped_clock_gate)
from .sdc import render_sdc, write_sdc
from .template import render_template

__all__ = [
    "atomic_write_bytes", "atomic_write_text",
    "librelane_config", "write_librelane_config", "render_sdc", "write_sdc", "render_template",
    "BEHAVIOURAL_CLOCK_GATE", "CLOCK_GATE_MODULE", "CONSTRAINTS_DIR", "FLOWS_DIR", "REPO_ROOT",
    "RTL_DIR", "mapped_clock_gate",
]
