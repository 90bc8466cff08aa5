"""The hand-written files Sparrow reads at run time, and how templates are filled.

The files live at the repository root, where the project's layout puts them: ``rtl/``
(Verilog the generator instantiates: the clock gates), ``flows/`` (Yosys and OpenSTA
templates) and ``constraints/`` (the SDC template). The package reaches them through
``sparrow/data/`` (links in a checkout, copies in an installed package), so an installed
Sparrow finds them as well as a checkout does.

Templates use ``@NAME@`` placeholders rather than ``$NAME``, because Tcl, SDC and Yosys
scripts use ``$`` themselves.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

from .errors import SparrowError


def data_path(*parts: str) -> Path:
    """A file or folder of the package data (``data_path("flows", "synth.ys.tmpl")``).

    Raises ``SparrowError`` when it is missing, which means a broken installation."""
    path = Path(str(resources.files("sparrow").joinpath("data", *parts)))
    if not path.exists():
        raise SparrowError(f"Sparrow's data file {'/'.join(parts)} is missing ({path}): "
                           "the installation is incomplete; reinstall the package")
    return path


RTL_DIR = data_path("rtl")
FLOWS_DIR = data_path("flows")
CONSTRAINTS_DIR = data_path("constraints")

def shared_path(*parts: str) -> Path:
    """Where the project's shared reference data is looked for when no environment variable
    names it (MIT-BIH records, library data): ``../shared/<parts>`` beside the checkout this
    package runs from, else beside the current folder. The path may not exist; callers say
    which variable to set."""
    package = Path(__file__).resolve().parent
    checkout = package.parents[1]
    if (checkout / "pyproject.toml").is_file() and (checkout / "gen" / "sparrow").is_dir():
        candidate = (checkout / ".." / "shared").resolve().joinpath(*parts)
        if candidate.exists():
            return candidate
    return (Path.cwd() / ".." / "shared").resolve().joinpath(*parts)


CLOCK_GATE_MODULE = "sparrow_clock_gate"
"""Module name the generated core instantiates (ports ``clk``, ``en``, ``gclk``)."""

BEHAVIOURAL_CLOCK_GATE = RTL_DIR / "sparrow_clock_gate.v"
"""Behavioural latch + AND model of the clock gate, for RTL simulation only."""

CLOCK_GATE_OUTPUT_CELLS = ("sparrow_cg_and", "sparrow_cg_icg")
"""Instance names of the cell that drives ``gclk`` in every ``rtl/clock_gate/*.v``: one per
clock gate."""


def mapped_clock_gate(cell_library: str) -> Path:
    """The clock gate built from cells of ``cell_library`` (e.g. ``sky130_fd_sc_hd``), for
    synthesis and gate-level simulation: ``rtl/clock_gate/<cell_library>.v``.

    Raises ``FileNotFoundError`` when Sparrow has no mapped gate for that library.
    """
    path = RTL_DIR / "clock_gate" / f"{cell_library}.v"
    if not path.is_file():
        raise FileNotFoundError(path)
    return path


def mapped_clock_gates() -> tuple[Path, ...]:
    """Every mapped clock gate (they shape synthesized netlists: part of fingerprints)."""
    return tuple(sorted((RTL_DIR / "clock_gate").glob("*.v")))


def is_clock_gate(instance: str) -> bool:
    """True for the output cell of a ``sparrow_clock_gate`` (one per gate) in a flattened
    netlist (``core_clock_gate.sparrow_cg_and``)."""
    return instance.rpartition(".")[2] in CLOCK_GATE_OUTPUT_CELLS


_PLACEHOLDER = re.compile(r"@([A-Z][A-Z0-9_]*)@")


def render_template(text: str, values: Mapping[str, object], *, name: str = "template") -> str:
    """Return ``text`` with every ``@NAME@`` replaced by ``str(values[NAME])``.

    Raises ``KeyError`` naming the template when a placeholder has no value or a value has no
    placeholder: both are bugs in the caller, and a silently unfilled script would run wrong.
    """
    used = set(_PLACEHOLDER.findall(text))
    missing = used - set(values)
    unused = set(values) - used
    if missing or unused:
        raise KeyError(f"{name}: placeholders without value {sorted(missing)}, "
                       f"values without placeholder {sorted(unused)}")
    return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), text)
