"""Cell models for Verilator, written from a liberty's cell functions.

A library's own simulation models are written for event-driven simulators: flip-flops are
user-defined primitives and ``specify`` blocks carry the timing. Verilator evaluates such
primitives as soon as their clock changes, so a flip-flop behind a clock gate (its clock one
gate later than the ungated flip-flops' in the same time step) samples data the ungated
flip-flops have already updated: a race the hardware does not have, and a wrong result.
Yosys' ``read_liberty`` writes every cell as Verilog from its liberty ``function``, ``ff`` and
``latch`` groups instead, flip-flops as non-blocking ``always @(posedge ...)`` blocks, which
Verilator schedules as it schedules RTL.

Cells the liberty does not describe completely are left out, so a netlist that uses one does
not build (and the gate-level run says which module is missing): cells with an output without
``function`` (integrated clock gates written as a ``statetable``) and three-state cells (Yosys
models neither the enable nor Z).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..errors import SparrowError
from ..fileio import cache_dir
from ..tools import run_tool
from .registry import Library, _stamp

_CELL = re.compile(r'^\s*cell\s*\(\s*"?([^")\s]+)"?\s*\)\s*\{', re.M)
_PIN = re.compile(r'^\s*pin\s*\(\s*"?([^")\s]+)"?\s*\)\s*\{', re.M)
_MODEL_VERSION = "1"    # bump when the way the models are written changes


def incomplete_cells(liberty_text: str) -> dict[str, str]:
    """Cells of a liberty that cannot be written as a functional model, with the reason:
    an output pin without ``function`` (unless an ``ff``/``latch`` group drives it through
    its state variable, which ``function`` then names) or a ``three_state`` output."""
    starts = [(m.start(), m.group(1)) for m in _CELL.finditer(liberty_text)]
    out: dict[str, str] = {}
    for (start, name), (end, _) in zip(starts, starts[1:] + [(len(liberty_text), "")]):
        body = liberty_text[start:end]
        if "three_state" in body:
            out[name] = "three-state output"
            continue
        pins = [m.start() for m in _PIN.finditer(body)] + [len(body)]
        for a, b in zip(pins, pins[1:]):
            pin = body[a:b]
            if re.search(r'\bdirection\s*:\s*"?output', pin) and not re.search(
                    r'\bfunction\s*:', pin):
                out[name] = "output without function"
                break
    return out


def functional_cell_models(library: Library) -> Path:
    """Verilog models of ``library``'s cells from its liberty (see the module doc), written
    once into the cache; returns the file."""
    liberty = Path(library.yosys_liberty)
    folder = cache_dir("cell-models", f"{library.name}-{_stamp([liberty], _MODEL_VERSION)}")
    models = folder / "functional.v"
    if models.is_file():
        return models
    incomplete = incomplete_cells(liberty.read_text(errors="replace"))
    script = [f"read_liberty -ignore_miss_func {_quote(liberty)}"]
    if incomplete:
        script.append("delete " + " ".join(_escape(c) for c in sorted(incomplete)))
    tmp = folder / f".functional.{os.getpid()}.v"
    script.append(f"write_verilog -noattr {_quote(tmp)}")
    run_tool(["yosys", "-q", "-p", "; ".join(script)], log=folder / "yosys.log", cwd=folder,
             what=f"Yosys cell models of {library.name}")
    if not tmp.is_file():
        raise SparrowError(f"Yosys wrote no cell models for {library.name}; log: "
                           f"{folder / 'yosys.log'}")
    tmp.replace(models)
    return models


def _quote(path: Path) -> str:
    return f'"{path}"'


def _escape(cell: str) -> str:
    """A cell name as a Yosys selection (``$`` and ``\\`` would be special)."""
    return cell if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", cell) else f"\\{cell}"
