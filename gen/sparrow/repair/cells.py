"""What repair needs to know of a library: its buffers (found by function, not by name), the
drive-strength variants of each cell, and delays and transitions from its NLDM tables.

Delays and transitions here are the mean over the rising and falling arcs of a cell (s), at a
given input transition (s) and load (F): enough to size buffers and balance clock trees, whose
result OpenSTA then times exactly.
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import SparrowError
from ..power.liberty import Cell, Library
from ..sta.design_rules import drive_limit


@dataclass(frozen=True)
class Driver:
    """A single-input, single-output cell usable as a buffer."""

    cell: str
    input: str
    output: str
    input_cap: float        # F
    area: float
    max_load: float         # F, drive_limit of the output


def _single_io(cell: Cell) -> tuple[str, str] | None:
    inputs = [n for n, p in cell.pins.items() if p.is_input and not p.is_output]
    outputs = [n for n, p in cell.pins.items() if p.is_output]
    if len(inputs) != 1 or len(outputs) != 1:
        return None
    return inputs[0], outputs[0]


def arc_timing(cell: Cell, input_pin: str, output_pin: str, slew: float,
               load: float) -> tuple[float, float]:
    """(delay, output transition) in s of arc ``input_pin`` -> ``output_pin`` of ``cell``:
    the mean delay and the larger transition of its rising and falling tables."""
    for arc in cell.pins[output_pin].timing:
        if arc.related_pin != input_pin:
            continue
        delays = [float(t.lookup(slew, load)) for t in (arc.cell_rise, arc.cell_fall)
                  if t is not None]
        slews = [float(t.lookup(slew, load)) for t in (arc.rise_transition, arc.fall_transition)
                 if t is not None]
        if delays and slews:
            return sum(delays) / len(delays), max(slews)
    raise SparrowError(f"cell {cell.name}: no timing arc {input_pin} -> {output_pin} with "
                       "delay and transition tables")


class LibraryCells:
    """The cells of ``library`` repair may use: not marked dont_use in the liberty and not
    matching any of ``dont_use`` (glob patterns)."""

    def __init__(self, library: Library, *, dont_use: Sequence[str] = ()):
        self.library = library
        self._dont_use = tuple(dont_use)
        self.buffers = self._find_buffers()
        if not self.buffers:
            raise SparrowError(
                f"library {', '.join(library.names)} has no buffer cell (a cell with one input "
                "and one output whose function is that input, with delay and transition "
                "tables): design rules cannot be repaired without one")
        self._variants: dict[str, list[str]] = {}

    def usable(self, cell: Cell) -> bool:
        return not cell.dont_use and not any(fnmatch.fnmatchcase(cell.name, p)
                                             for p in self._dont_use)

    def _find_buffers(self) -> list[Driver]:
        out = []
        for name in self.library.cell_names():
            cell = self.library.cell(name)
            io = _single_io(cell)
            if io is None or not self.usable(cell) or cell.is_sequential:
                continue
            function = cell.pins[io[1]].function
            if function is None or function.variables != (io[0],) or \
                    function.truth.tolist() != [False, True]:
                continue
            try:
                arc_timing(cell, io[0], io[1], 0.0, 0.0)
            except SparrowError:
                continue
            limit = drive_limit(cell, io[1])
            if not math.isfinite(limit):
                continue
            out.append(Driver(name, io[0], io[1], cell.pins[io[0]].capacitance, cell.area,
                              limit))
        return sorted(out, key=lambda d: (d.area, -d.max_load))

    def buffer_for(self, load: float, *, slew_in: float, max_slew: float) -> Driver | None:
        """The smallest buffer (by area, which orders input capacitance and leakage too) that
        drives ``load`` (F) within its limit and with an output transition at most
        ``max_slew`` (s) from an input transition ``slew_in``; None if no buffer can.

        Clock trees take the same buffers: a library's clock buffers (OSU018's CLKBUF1: 37 fF
        input, 350 pW leakage) balance rise and fall better, but every clock edge charges
        their inputs, and the balancing of the tree already bounds the skew."""
        for buf in self.buffers:
            if load > buf.max_load:
                continue
            _, slew = arc_timing(self.library.cell(buf.cell), buf.input, buf.output, slew_in,
                                 load)
            if slew <= max_slew:
                return buf
        return None

    @property
    def strongest(self) -> Driver:
        return max(self.buffers, key=lambda b: b.max_load)

    def variants(self, cell_name: str) -> list[str]:
        """Cells with the same pins and functions as ``cell_name`` (itself included), weakest
        first (by the largest load their outputs may drive)."""
        if cell_name not in self._variants:
            cell = self.library.cell(cell_name)
            key = self._signature(cell)
            same = [n for n in self.library.cell_names()
                    if self._signature(self.library.cell(n)) == key
                    and (n == cell_name or self.usable(self.library.cell(n)))]
            self._variants[cell_name] = sorted(same, key=lambda n: self._strength(n))
        return self._variants[cell_name]

    def _signature(self, cell: Cell):
        if cell.is_sequential:
            return ("sequential", cell.name)
        return tuple(sorted((n, p.direction, p.function.variables if p.function else None,
                             tuple(p.function.truth.tolist()) if p.function else None)
                            for n, p in cell.pins.items()))

    def _strength(self, cell_name: str) -> float:
        cell = self.library.cell(cell_name)
        outputs = [n for n, p in cell.pins.items() if p.is_output]
        return min(drive_limit(cell, n) for n in outputs) if outputs else 0.0
