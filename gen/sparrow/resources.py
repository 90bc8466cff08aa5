"""The hand-written files Sparrow reads at run time, and how templates are filled.

The files live at the repository root, where the project's layout puts them: ``rtl/``
(Verilog the generator instantiates: clock gates and latches), ``flows/`` (Yosys and OpenSTA
templates) and ``constraints/`` (the SDC template). The package reaches them through
``sparrow/data/`` (links in a checkout, copies in an installed package), so an installed
Sparrow finds them as well as a checkout does.

Templates use ``@NAME@`` placeholders rather than ``$NAME``, because Tcl, SDC and Yosys
scripts use ``$`` themselves.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .errors import SparrowError


@functools.cache
def code_digest() -> str:
    """A digest (hex, 16 characters) of Sparrow's own code and data: every file of the
    package (Python modules, the VPI source, ``data/``'s RTL and templates), by relative path
    and content. A flow step's fingerprint carries it, so a run folder never reuses a result
    that another version of the generator or the flow produced."""
    root = Path(str(resources.files("sparrow")))
    paths = []
    for folder, dirs, files in os.walk(root, followlinks=True):    # data/ links in a checkout
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        paths += [Path(folder) / name for name in files if not name.endswith(".pyc")]
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


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


@dataclass(frozen=True)
class CellWrapper:
    """A Verilog module the generated core instantiates and synthesis maps to library cells:
    a behavioural model for RTL simulation (``rtl/<module>.v``) and one version built from the
    cells of each library (``rtl/<folder>/<cell library>.v``). ``needed_by`` names the
    generator option that instantiates it, ``instead`` the option value that does without it,
    and ``library_field`` the ``Library`` attribute (and library ``.toml`` field) that points
    at a library's version, for messages."""

    module: str
    folder: str
    what: str
    needed_by: str
    instead: str
    library_field: str

    @property
    def behavioural(self) -> Path:
        """The behavioural model, for RTL simulation only."""
        return RTL_DIR / f"{self.module}.v"

    def mapped(self, cell_library: str) -> Path:
        """The version built from cells of ``cell_library`` (e.g. ``sky130_fd_sc_hd``), for
        synthesis and gate-level simulation. Raises ``FileNotFoundError`` when Sparrow has
        none for that library."""
        path = RTL_DIR / self.folder / f"{cell_library}.v"
        if not path.is_file():
            raise FileNotFoundError(path)
        return path

    def all_mapped(self) -> tuple[Path, ...]:
        return tuple(sorted((RTL_DIR / self.folder).glob("*.v")))

    def instantiated_in(self, verilog: str) -> bool:
        """True when Verilog (or Yosys RTLIL) text instantiates the module."""
        return re.search(rf"(^|[\s\\]){self.module}\s", verilog, re.M) is not None

    def defined_in(self, verilog: str) -> bool:
        """True when Verilog text defines the module (a model or a library's version)."""
        return re.search(rf"^\s*module\s+\\?{self.module}\b", verilog, re.M) is not None


CLOCK_GATE = CellWrapper("sparrow_clock_gate", "clock_gate", "clock gate", "clock_gate instance",
                         "clock_gate none", "clock_gate_verilog")
"""The clock gate (ports ``clk``, ``en``, ``gclk``): ``gclk = clk & en`` latched while clk
is low."""

LATCH = CellWrapper("sparrow_latch", "latch", "latch", "memory_style latch",
                    "memory_style flop_gated", "latch_verilog")
"""A transparent latch (ports ``en``, ``d``, ``q``): q follows d while en is high."""

CELL_WRAPPERS = (CLOCK_GATE, LATCH)

CLOCK_GATE_MODULE = CLOCK_GATE.module
"""Module name the generated core instantiates (ports ``clk``, ``en``, ``gclk``)."""

BEHAVIOURAL_CLOCK_GATE = CLOCK_GATE.behavioural
"""Behavioural latch + AND model of the clock gate, for RTL simulation only."""

LATCH_MODULE = LATCH.module
BEHAVIOURAL_LATCH = LATCH.behavioural

CLOCK_GATE_OUTPUT_CELLS = ("sparrow_cg_and", "sparrow_cg_icg")
"""Instance names of the cell that drives ``gclk`` in every ``rtl/clock_gate/*.v``: one per
clock gate."""


def mapped_clock_gate(cell_library: str) -> Path:
    """``CLOCK_GATE.mapped``: ``rtl/clock_gate/<cell_library>.v``."""
    return CLOCK_GATE.mapped(cell_library)


def mapped_cell_wrappers() -> tuple[Path, ...]:
    """Every library's version of every wrapper (they shape synthesized netlists: part of
    fingerprints)."""
    return tuple(p for wrapper in CELL_WRAPPERS for p in wrapper.all_mapped())


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
