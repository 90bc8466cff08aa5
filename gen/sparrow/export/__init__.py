"""Design exports: SDC constraints and LibreLane/OpenLane 2 configurations.

Below ``sparrow.hw``: the hardware generator writes ``config.json`` and the SDC next to its
Verilog, and the timing step writes the SDC it times with.
"""

from .librelane import librelane_config, write_librelane_config
from .sdc import SDC_TEMPLATE, render_sdc, write_sdc

__all__ = ["librelane_config", "write_librelane_config", "render_sdc", "write_sdc",
           "SDC_TEMPLATE"]
