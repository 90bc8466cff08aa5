"""Reading the cell instances of a flat gate-level netlist as Yosys writes it
(``write_verilog -noattr``): one ``  <cell type> <instance name> (`` line per instance."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

_INSTANCE = re.compile(r"^\s+(?!(?:input|output|inout|wire|reg|assign|module|endmodule)\b)"
                       r"([A-Za-z_$\\][^\s(]*)\s+(\\\S+|[A-Za-z_][\w$]*)\s*\(")
CLOCK_GATE_OUTPUT_CELLS = ("sparrow_cg_and", "sparrow_cg_icg")
"""Instance names of the cell that drives ``gclk`` in every rtl/clock_gate/*.v file: one per
clock gate."""


def instances(netlist: Path) -> Iterator[tuple[str, str]]:
    """(cell type, instance name) for each instance; escaped names lose their backslash and
    the space that ends them (``\\core.u_reg `` -> ``core.u_reg``)."""
    with open(netlist) as f:
        for line in f:
            m = _INSTANCE.match(line)
            if m:
                yield m.group(1), m.group(2).lstrip("\\")


def block_of(instance: str) -> str:
    """The hierarchy path of a flattened instance name (``core.lanes.x`` -> ``core.lanes``;
    ``""`` for top-level cells)."""
    return instance.rpartition(".")[0]


def is_clock_gate(instance: str) -> bool:
    """True for the output cell of a ``sparrow_clock_gate`` (one per gate)."""
    return instance.rpartition(".")[2] in CLOCK_GATE_OUTPUT_CELLS
