"""Timed gate-level simulation in Icarus: OpenSTA's SDF of a netlist, made readable by
Icarus's ``$sdf_annotate``, and the check that every cell got its delays.

Three things stand between OpenSTA's ``write_sdf`` and an annotated Icarus simulation:

* names: Icarus's annotator finds a CELL INSTANCE by splitting it at ``.`` (its hierarchy)
  and has no escaped identifiers, while Yosys names cells after their block path
  (``core.lanes.acc_DFFPOSX1_Q``) and OpenSTA escapes every other character
  (``core\\.lanes\\.acc_DFFPOSX1_Q``). So the netlist simulated is a copy with plain instance
  names (``sparrow.netlist.plain_instance_names``; nets keep theirs, so its toggle counts
  line up with the original netlist's) and the SDF is rewritten to the same names;
* INTERCONNECT: Icarus parses and ignores it. Without parasitics OpenSTA writes every one as
  0, so they are dropped; a non-zero one is an error (its delay would silently be lost);
* delay triples: OpenSTA writes ``(min::max)``, no typical value, and for an undefined value
  Icarus keeps the cell model's own ``specify`` delay without a word. The build therefore
  selects the max values (``iverilog -Tmax``, ``SDF_BUILD_ARGS``): the delays setup timing
  uses.

* negative hold times: OSU018's flip-flops hold for -11 ps (rising D) and -81 ps (falling D),
  and the repair step fixes hold against them, so a data change may legally arrive a few ps
  before the clock edge; the cell models' UDP flops have no hold window and would capture it
  (Icarus has no delayed nets for negative timing checks). So each cell with a negative
  HOLD in the SDF is simulated inside a wrapper that delays its data pin by the hold time
  (``sparrow_hold_<cell>``: the pin's rising and falling hold from the SDF, per instance):
  the flop then samples what the real one does. The wrapper adds no net to the design's top
  level, so the toggle counts are unchanged by it.

* time step: cell models declare their own precision (OSU018: ``timescale 1ns/10ps``), and
  Icarus rounds every annotated delay to it; 10 ps steps added up along a clock tree exceed
  the few ps of hold slack static timing leaves. ``fine_cell_models`` writes copies at 1 fs
  (same time unit), and the runner builds a timed run at 1 fs.

Icarus reports an instance it cannot find and an IOPATH that matches no ``specify`` path of
the cell as ``SDF WARNING`` lines; ``annotation_problems`` collects them from the simulation
log and ``TimedNetlist.check_annotation`` fails on any it cannot explain. One it can: a cell
with two inputs on one net (``NOR2X1 (.A(n), .B(n))``, left by synthesis) has, in Icarus,
one port net for both, so the second pin's IOPATH matches nothing and the first pin's delay
drives the output (``shared_input_arcs`` counts them).
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import SparrowError, ToolError
from ..netlist import plain_instance_names, read_netlist, write_netlist

SDF_BUILD_ARGS = ("-gspecify", "-Tmax")
"""iverilog arguments of a timed build: honour ``specify`` blocks, take the max of triples."""

_CELL_START = re.compile(r"^\s*\(CELL\s*$", re.M)
_CELLTYPE = re.compile(r'\(CELLTYPE\s+"([^"]*)"\s*\)')
_INSTANCE = re.compile(r"\(INSTANCE(?:\s+([^()\s]+))?\s*\)")
_INTERCONNECT = re.compile(r"^\s*\(INTERCONNECT\s+\S+\s+\S+\s+(.*)\)\s*$", re.M)
_NUMBER = re.compile(r"-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?")
_IOPATH = re.compile(r"\(IOPATH\s")
_EMPTY_DELAY = re.compile(r"\(DELAY\s*\(ABSOLUTE\s*\)\s*\)")
_PROBLEM = re.compile(r"^SDF (?:WARNING|ERROR):.*$", re.M)
_UNMATCHED = re.compile(r"Unable to match ModPath (?:\S+ )?(\w+) -> \w+ in \S+?\.(\w+)$")
_HOLD = re.compile(r"\(HOLD\s+\((posedge|negedge)\s+(\w+)\)\s+\((?:posedge|negedge)\s+\w+\)\s+"
                   r"\(([^()]*)\)\s*\)")
HOLD_WRAPPER = "sparrow_hold_{cell}"


def opensta_sdf_name(name: str) -> str:
    """How OpenSTA writes an instance name in an SDF: every character outside
    ``[A-Za-z0-9_]`` escaped with a backslash."""
    return re.sub(r"([^A-Za-z0-9_])", r"\\\1", name)


@dataclass(frozen=True)
class TimedNetlist:
    """A netlist copy and its SDF, both with plain instance names, ready for Icarus.
    ``cells``: CELL entries with at least one IOPATH (cells that get delays); ``arcs``: their
    IOPATH entries; ``hold_wrapped``: cells simulated in a hold wrapper."""
    netlist: Path
    sdf: Path
    cells: int
    arcs: int
    hold_wrapped: int = 0
    shared_inputs: frozenset[tuple[str, str]] = frozenset()   # (instance, pin) on a shared net

    def check_annotation(self, problems: Sequence[str], log: Path) -> tuple[int, int]:
        """(cells, arcs) annotated, from the problems Icarus reported
        (``CoreSimResult.sdf_problems``); ``ToolError`` on any besides an arc of a pin that
        shares its net with another input of the cell."""
        unexplained, shared = [], 0
        for line in problems:
            m = _UNMATCHED.search(line)
            if m and (m.group(2), m.group(1)) in self.shared_inputs:
                shared += 1
            else:
                unexplained.append(line)
        if unexplained:
            raise ToolError(f"Icarus did not apply {len(unexplained)} entries of "
                            f"{self.sdf.name} (first: {unexplained[0]}); log: {log}")
        return self.cells, self.arcs - shared


def _read_sdf(path: Path) -> str:
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rt", encoding="utf-8") as f:
                return f.read()
        return path.read_text(encoding="utf-8")
    except (OSError, EOFError, UnicodeDecodeError) as e:
        raise SparrowError(f"SDF {path}: cannot read it ({e})") from None


def _negative_holds(block: str) -> dict[str, list[float]]:
    """Data pin -> [rising, falling] delay that emulates its negative hold times (ns, 0 where
    the hold is not negative); the most negative of the SDF's min and max values, so the
    simulated window is never stricter than the one static timing checked."""
    out: dict[str, list[float]] = {}
    for edge, pin, values in _HOLD.findall(block):
        numbers = [float(x) for x in _NUMBER.findall(values)]
        if numbers and min(numbers) < 0:
            out.setdefault(pin, [0.0, 0.0])[edge == "negedge"] = -min(numbers)
    return out


def _hold_wrapper(cell: str, pins: Collection[str], outputs: Collection[str],
                  held: Collection[str]) -> str:
    """``sparrow_hold_<cell>``: ``cell`` with each pin of ``held`` delayed by its parameters
    ``<pin>_RISE`` and ``<pin>_FALL`` (ns)."""
    pins = sorted(pins)
    lines = [f"module {HOLD_WRAPPER.format(cell=cell)} ({', '.join(pins)});"]
    lines += [f"  {'output' if p in outputs else 'input'} {p};" for p in pins]
    for p in sorted(held):
        lines += [f"  parameter real {p}_RISE = 0.0, {p}_FALL = 0.0;", f"  wire {p}_held;",
                  f"  assign #({p}_RISE, {p}_FALL) {p}_held = {p};"]
    connections = ", ".join(f".{p}({p}_held)" if p in held else f".{p}({p})" for p in pins)
    return "\n".join(lines + [f"  {cell} inner ({connections});", "endmodule", ""])


def timed_netlist(netlist: str | Path, sdf: str | Path, top: str, out_dir: str | Path,
                  outputs: Mapping[str, Collection[str]]) -> TimedNetlist:
    """Write ``out_dir/netlist_timed.v`` (``netlist`` with plain instance names, cells with
    negative hold times in their hold wrappers) and ``out_dir/timed.sdf`` (``sdf``,
    OpenSTA's SDF of ``netlist``, maybe gzipped, renamed to match, INTERCONNECTs dropped).
    ``outputs``: the output pins of each cell type (from the liberty). ``SparrowError`` when
    the SDF is not OpenSTA's SDF of this netlist (another design, an unknown instance, a
    non-zero INTERCONNECT)."""
    sdf, out_dir = Path(sdf), Path(out_dir)
    text = _read_sdf(sdf)
    design = re.search(r'\(DESIGN\s+"([^"]*)"\s*\)', text)
    if not text.lstrip().startswith("(DELAYFILE") or design is None:
        raise SparrowError(f"SDF {sdf}: not an SDF file (no DELAYFILE with a DESIGN)")
    if design.group(1) != top:
        raise SparrowError(f"SDF {sdf}: written for design {design.group(1)!r}, not {top!r}")
    for m in _INTERCONNECT.finditer(text):
        if any(float(x) != 0.0 for x in _NUMBER.findall(m.group(1))):
            raise SparrowError(f"SDF {sdf}: non-zero INTERCONNECT delay ({m.group(0).strip()}); "
                               "Icarus cannot annotate wire delays")
    text = _INTERCONNECT.sub("", text)
    plain, renamed = plain_instance_names(read_netlist(netlist, top))
    sdf_names = {opensta_sdf_name(old): new for old, new in renamed.items()}
    starts = [m.start() for m in _CELL_START.finditer(text)]
    if not starts:
        raise SparrowError(f"SDF {sdf}: no CELL entries")
    head, cells, arcs = [text[:starts[0]]], [], 0
    held: dict[str, dict[str, list[float]]] = {}
    ends = starts[1:] + [text.rstrip().rfind(")")]
    for start, end in zip(starts, ends):
        block = _EMPTY_DELAY.sub("", text[start:end])
        instance, celltype = _INSTANCE.search(block), _CELLTYPE.search(block)
        if instance is None or celltype is None:
            line = text.count("\n", 0, start) + 1
            raise SparrowError(f"SDF {sdf}:{line}: CELL without CELLTYPE or INSTANCE")
        if instance.group(1) is None:          # the design itself: only its INTERCONNECTs
            if _IOPATH.search(block):
                raise SparrowError(f"SDF {sdf}: IOPATH on the design itself")
            continue
        new = sdf_names.get(instance.group(1))
        if new is None:
            line = text.count("\n", 0, start) + 1
            raise SparrowError(f"SDF {sdf}:{line}: instance {instance.group(1)} is not in "
                               f"{Path(netlist).name}")
        holds = _negative_holds(block)
        if holds:
            held[new] = holds
            new += "/inner"      # the cell inside its hold wrapper (the SDF divider is /)
        block = block[:instance.start()] + f"(INSTANCE {new})" + block[instance.end():]
        cells.append(block)
        arcs += len(_IOPATH.findall(block))
    out_dir.mkdir(parents=True, exist_ok=True)
    out_sdf = out_dir / "timed.sdf"
    out_sdf.write_text("".join(head + cells) + ")\n")
    wrapped: dict[str, tuple[set[str], set[str]]] = {}     # cell -> (pins, held pins)
    instances, defparams = [], []
    shared: set[tuple[str, str]] = set()
    for inst in plain.instances:
        if inst.name in held:
            pins, held_pins = wrapped.setdefault(inst.cell, (set(), set()))
            pins.update(inst.pins)
            held_pins.update(held[inst.name])
            for pin, (rise, fall) in held[inst.name].items():
                defparams.append(f"  defparam {inst.name}.{pin}_RISE = {rise:.6f}, "
                                 f"{inst.name}.{pin}_FALL = {fall:.6f};")
            inst = replace(inst, cell=HOLD_WRAPPER.format(cell=inst.cell))
        instances.append(inst)
        nets = [n for n in inst.pins.values() if isinstance(n, int)]
        shared.update((inst.name, pin) for pin, n in inst.pins.items()
                      if isinstance(n, int) and nets.count(n) > 1)
    path = write_netlist(replace(plain, instances=instances), out_dir / "netlist_timed.v")
    body, end = path.read_text().rsplit("endmodule", 1)
    wrappers = [_hold_wrapper(cell, pins, outputs.get(cell, ()), held_pins)
                for cell, (pins, held_pins) in sorted(wrapped.items())]
    path.write_text(body + "\n".join(defparams) + "\nendmodule" + end + "\n".join(wrappers))
    return TimedNetlist(netlist=path, sdf=out_sdf, cells=sum(1 for b in cells if _IOPATH.search(b)),
                        arcs=arcs, hold_wrapped=len(held), shared_inputs=frozenset(shared))


_TIMESCALE = re.compile(r"`timescale\s+(\d+\s*[munpf]?s)\s*/\s*\d+\s*[munpf]?s")


def fine_cell_models(models: Sequence[Path], out_dir: str | Path) -> list[Path]:
    """Copies of the cell-model files in ``out_dir`` with every ``timescale`` precision set to
    1 fs (units kept), so annotated delays are not rounded (see the module doc)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    copies = []
    for i, model in enumerate(models):
        copy = out_dir / f"{i}_{Path(model).name}"
        copy.write_text(_TIMESCALE.sub(r"`timescale \1/1fs", Path(model).read_text(errors="replace")))
        copies.append(copy)
    return copies


def annotation_problems(log: str) -> list[str]:
    """The ``SDF WARNING`` and ``SDF ERROR`` lines of an Icarus log: instances not found,
    IOPATHs that match no ``specify`` path, parse errors (empty when every entry applied)."""
    return _PROBLEM.findall(log)
