"""Synthesis with Yosys 0.23 to a standard-cell library.

``run_synthesis`` fills ``flows/synth.ys.tmpl``, runs Yosys, and checks that every cell of the
netlist is a cell of the library (an unmapped ``$_...`` cell or an unknown module fails with
a clear message). Where the design instantiates ``sparrow_clock_gate`` or ``sparrow_latch``,
the library's version (``rtl/clock_gate/<cell library>.v``, ``rtl/latch/<cell library>.v``)
is added to the sources: library cells (the gate's marked keep), so the gate survives
synthesis as built and the latches are the library's, which Yosys 0.23 would not map itself.

Reported: cell count by type, area (µm², liberty cell areas, as Yosys ``stat -liberty``),
kGE (area / NAND2 area / 1000), flip-flops, latches and clock gates.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import defaults
from ..errors import SparrowError, ToolError
from ..library import Library, get_library
from ..netlist import read_netlist
from ..resources import CELL_WRAPPERS, FLOWS_DIR, is_clock_gate, render_template
from ..tools import run_tool

SYNTH_TEMPLATE = FLOWS_DIR / "synth.ys.tmpl"
ABC_TIMING_TEMPLATE = FLOWS_DIR / "abc_timing.script.tmpl"
HIERARCHY_MODES = ("keep_names", "flatten")
_CHIP_AREA = re.compile(r"Chip area for module '\\?(\S+)':\s*([0-9.eE+-]+)")
_YOSYS_PROGRESS = re.compile(r"^\d+\. Executing ")


@dataclass(frozen=True)
class SynthesisResult:
    """Outcome of ``run_synthesis``. Areas in µm², from the library's liberty cell areas."""
    netlist: Path
    log: Path
    script: Path
    library: Library
    top: str
    cell_counts: Mapping[str, int]
    area_um2: float                     # Yosys stat -liberty "Chip area"
    area_by_type_um2: Mapping[str, float]
    flipflops: int
    latches: int
    clock_gates: int
    zero_area_cells: int
    instance_types: Mapping[str, str] = field(repr=False)   # instance name -> cell type

    @property
    def cells(self) -> int:
        return sum(self.cell_counts.values())

    @property
    def kge(self) -> float:
        """Area in thousands of NAND2 gate equivalents of this library."""
        return self.area_um2 / self.library.nand2_area_um2 / 1000.0

    def metrics(self) -> dict[str, Any]:
        """LibreLane-style metrics (units in ``metrics.METRICS``)."""
        return netlist_metrics(self.instance_types, self.library)


def netlist_metrics(instance_types: Mapping[str, str], library: Library) -> dict[str, Any]:
    """Cell counts and areas of a netlist (instance name -> cell type) in ``library``, with
    LibreLane-style names: area in µm² from the liberty cell areas, kGE against its NAND2."""
    cells = library.summary.cells
    counts = Counter(instance_types.values())
    kinds = Counter()
    for cell, n in counts.items():
        kinds[cells[cell].kind] += n
    by_type = {cell: n * cells[cell].area for cell, n in counts.items()}
    area = sum(by_type.values())
    m: dict[str, Any] = {
        "design__instance__count": sum(counts.values()),
        "design__instance__area": round(area, 6),
        "design__instance__area__kge": round(area / library.nand2_area_um2 / 1000.0, 6),
        "design__instance__count__flipflop": kinds["flipflop"],
        "design__instance__count__latch": kinds["latch"],
        "design__instance__count__clock_gate": sum(1 for name in instance_types
                                                   if is_clock_gate(name)),
        "design__instance__area__zero_area_cells": sum(n for c, n in counts.items()
                                                       if cells[c].area == 0),
    }
    for cell, n in sorted(counts.items()):
        m[f"design__instance__count__cell:{cell}"] = n
        m[f"design__instance__area__cell:{cell}"] = round(by_type[cell], 6)
    return m


def _read_command(path: Path, defines: Mapping[str, str]) -> str:
    if path.suffix == ".il":
        return f'read_rtlil "{path}"'
    if path.suffix not in (".v", ".sv", ".vh"):
        raise SparrowError(f"synthesis: cannot read {path} (expected .v, .sv or .il)")
    flags = " -sv" if path.suffix == ".sv" else ""
    flags += "".join(f" -D{k}={v}" for k, v in defines.items())
    return f'read_verilog{flags} "{path}"'


def _with_cell_wrappers(sources: list[Path], library: Library) -> list[Path]:
    """``sources`` plus the library's version of every wrapper the design instantiates."""
    texts = [s.read_text(errors="replace") for s in sources]
    extra = []
    for wrapper in CELL_WRAPPERS:
        if any(wrapper.defined_in(t) for t in texts):
            raise SparrowError(f"synthesis: the sources define {wrapper.module} (the "
                               "behavioural model is for RTL simulation only); pass the design "
                               f"without it, synthesis adds the library's {wrapper.what}")
        if any(wrapper.instantiated_in(t) for t in texts):
            extra.append(library.wrapper_verilog(wrapper, asked_by="synthesis"))
    return [*sources, *extra]


def synthesis_script(sources: Sequence[Path], top: str, library: Library, *,
                     hierarchy: str = "keep_names", tie_constants: bool = False,
                     defines: Mapping[str, str] | None = None,
                     abc_script: Path | None = None) -> str:
    """The filled-in Yosys script (see ``run_synthesis``); it writes its outputs into the
    folder it runs in. ``abc_script``: ABC's mapping script (default: Yosys's own)."""
    if hierarchy not in HIERARCHY_MODES:
        raise SparrowError(f"synthesis: hierarchy must be one of {', '.join(HIERARCHY_MODES)}, "
                           f"got {hierarchy!r}")
    ties = ""
    if tie_constants:
        if not (library.tie_high and library.tie_low):
            raise SparrowError(f"synthesis: library {library.name} has no tie cells")
        ties = (f"hilomap -singleton -hicell {library.tie_high[0]} {library.tie_high[1]} "
                f"-locell {library.tie_low[0]} {library.tie_low[1]}")
    return render_template(SYNTH_TEMPLATE.read_text(), {
        "LIBERTY": library.yosys_liberty,
        "READ_SOURCES": "\n".join(_read_command(s, defines or {}) for s in sources),
        "TOP": top,
        "SYNTH": f"synth -flatten -top {top}" if hierarchy == "flatten" else f"synth -top {top}",
        "NAMING": "autoname\nflatten" if hierarchy == "keep_names" else "",
        "TIES": ties,
        "ABC_SCRIPT": f'-script "{abc_script}" ' if abc_script is not None else "",
    }, name=SYNTH_TEMPLATE.name)


def abc_timing_script(clock_period_ns: float, max_fanout: int) -> str:
    """ABC script: map for a delay of ``clock_period_ns``, buffer nets to at most
    ``max_fanout`` sinks, size cells."""
    if not clock_period_ns > 0:
        raise SparrowError(f"synthesis: clock period must be positive, got {clock_period_ns} ns")
    if max_fanout < 2:
        raise SparrowError(f"synthesis: max fanout must be at least 2, got {max_fanout}")
    return render_template(ABC_TIMING_TEMPLATE.read_text(),
                           {"DELAY_PS": f"{clock_period_ns * 1000:.0f}", "MAX_FANOUT": max_fanout},
                           name=ABC_TIMING_TEMPLATE.name)


def run_synthesis(sources: Sequence[str | Path], top: str, library: Library | str,
                  out_dir: str | Path, *, hierarchy: str = "keep_names",
                  tie_constants: bool = False, defines: Mapping[str, str] | None = None,
                  progress=None, timeout_s: float | None = None,
                  clock_period_ns: float | None = None, max_fanout: int = defaults.MAX_FANOUT
                  ) -> SynthesisResult:
    """Synthesize ``sources`` (Verilog ``.v``/``.sv`` or Yosys RTLIL ``.il``) with top module
    ``top`` to ``library`` in ``out_dir`` (``synth.ys``, ``yosys.log``, ``stat.json``,
    ``stat.txt``, ``netlist.v``).

    ``hierarchy``: ``keep_names`` synthesizes each module on its own and names every cell
    after its block before flattening (power by block); ``flatten`` flattens first (as the
    power-reference ``synth.ys`` does; best cross-block optimisation, anonymous cell names).
    ``tie_constants``: drive constants from the library's tie cells. ``clock_period_ns``:
    map for that delay and buffer nets to at most ``max_fanout`` sinks (``abc.script``, from
    ``flows/abc_timing.script.tmpl``); None: Yosys's default area mapping, no buffering.
    ``progress``: callable receiving Yosys's top-level pass lines.

    Raises ``ToolError`` when Yosys fails or leaves cells that are not library cells;
    ``SparrowError`` for bad sources.
    """
    library = get_library(library) if isinstance(library, str) else library
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [Path(s).resolve() for s in sources]
    if not paths:
        raise SparrowError("synthesis: no source files given")
    for p in paths:
        if not p.is_file():
            raise SparrowError(f"synthesis: source file {p} not found")
    paths = _with_cell_wrappers(paths, library)
    abc_script = None
    if clock_period_ns is not None:
        abc_script = out_dir / "abc.script"
        abc_script.write_text(abc_timing_script(clock_period_ns, max_fanout))
        abc_script = abc_script.resolve()
    script = out_dir / "synth.ys"
    script.write_text(synthesis_script(paths, top, library, hierarchy=hierarchy,
                                       tie_constants=tie_constants, defines=defines,
                                       abc_script=abc_script))
    log = out_dir / "yosys.log"
    on_line = None
    if progress is not None:
        def on_line(line: str) -> None:
            if _YOSYS_PROGRESS.match(line):
                progress(line)
    output = run_tool(["yosys", "-s", script.resolve()], log=log, cwd=out_dir,
                      what=f"Yosys synthesis of {top}", timeout_s=timeout_s, on_line=on_line)
    return _result(out_dir, log, script, library, top, output)


def _result(out_dir: Path, log: Path, script: Path, library: Library, top: str,
            output: str) -> SynthesisResult:
    stat = json.loads((out_dir / "stat.json").read_text())
    counts = dict(stat["design"]["num_cells_by_type"])
    cells = library.summary.cells
    unmapped = {t: n for t, n in counts.items() if t not in cells}
    if unmapped:
        listed = ", ".join(f"{t} x{n}" for t, n in sorted(unmapped.items()))
        generic = any(t.startswith("$") for t in unmapped)
        why = ("Yosys found no cell of the library for them (e.g. a latch or memory the "
               "library cannot implement)" if generic else
               "they are modules that are neither defined in the sources nor cells of the library")
        raise ToolError(f"synthesis of {top} to {library.name} left unmapped cells: {listed}; "
                        f"{why}; log: {log}")
    areas = re.findall(_CHIP_AREA, (out_dir / "stat.txt").read_text())
    top_area = [float(a) for name, a in areas if name == top]
    if not top_area:
        raise ToolError(f"synthesis of {top}: no chip area in {out_dir / 'stat.txt'}; log: {log}")
    by_type = {t: n * cells[t].area for t, n in counts.items()}
    kinds = Counter()
    for t, n in counts.items():
        kinds[cells[t].kind] += n
    instance_types = {i.name: i.cell for i in read_netlist(out_dir / "netlist.v", top).instances}
    if len(instance_types) != sum(counts.values()):
        raise ToolError(f"synthesis of {top}: netlist has {len(instance_types)} instances but "
                        f"Yosys counted {sum(counts.values())}; log: {log}")
    return SynthesisResult(
        netlist=out_dir / "netlist.v", log=log, script=script, library=library, top=top,
        cell_counts=counts, area_um2=top_area[0], area_by_type_um2=by_type,
        flipflops=kinds["flipflop"], latches=kinds["latch"],
        clock_gates=sum(1 for name in instance_types if is_clock_gate(name)),
        zero_area_cells=sum(n for t, n in counts.items() if cells[t].area == 0),
        instance_types=instance_types)
