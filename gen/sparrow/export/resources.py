"""Where the hand-written files beside the package live: ``rtl/``, ``flows/``, ``constraints/``.

They sit at the repository root (see DESIGN.md, layout), three levels above this file
(``gen/sparrow/export/``), so Sparrow runs from its checkout or an editable install.
"""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
RTL_DIR = REPO_ROOT / "rtl"
FLOWS_DIR = REPO_ROOT / "flows"
CONSTRAINTS_DIR = REPO_ROOT / "constraints"

CLOCK_GATE_MODULE = "sparrow_clock_gate"
"""Module name the generated core instantiates (ports ``clk``, ``en``, ``gclk``)."""

BEHAVIOURAL_CLOCK_GATE = RTL_DIR / "sparrow_clock_gate.v"
"""Behavioural latch + AND model of the clock gate, for RTL simulation only."""


def mapped_clock_gate(cell_library: str) -> Path:
    """The clock gate built from cells of ``cell_library`` (e.g. ``sky130_fd_sc_hd``), for
    synthesis and gate-level simulation: ``rtl/clock_gate/<cell_library>.v``.

    Raises ``FileNotFoundError`` when Sparrow has no mapped gate for that library.
    """
    path = RTL_DIR / "clock_gate" / f"{cell_library}.v"
    if not path.is_file():
        raise FileNotFoundError(path)
    return path
