"""Buffer trees: for a net over its fanout, load or transition limit, and for clocks.

A tree is built level by level: the net's loads are split into balanced groups (at most the
fanout limit each, and a load a buffer may drive), each group gets a buffer on a new net, and
the buffers' inputs become the loads of the level above, until the driver can drive what is
left. Every load therefore sits below the same number of buffers, which is what a clock tree
needs (equal insertion delay, small skew); data nets get the same trees. Loads are grouped in
the order of their instance names, which keeps the bits of one register or word together.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from ..power.liberty import Library
from ..sta.design_rules import DesignRules, drive_limit
from .cells import LibraryCells, arc_timing
from .edit import PORT, NetlistEditor, PinRef

SLEW_TARGET = 0.7
"""Buffers are sized for a transition of at most this share of the limit (the rest is the
margin for input transitions the sizing cannot know yet)."""


@dataclass
class TreeBuilder:
    """Builds trees in ``editor`` with the buffers of ``cells``; ``stats`` counts what it
    added: buffers and nets repaired, per kind ("data", "clock", "hold")."""

    editor: NetlistEditor
    library: Library
    cells: LibraryCells
    rules: DesignRules
    stats: dict[str, int] = field(default_factory=dict)

    def count(self, key: str, n: int = 1) -> None:
        self.stats[key] = self.stats.get(key, 0) + n

    # ---- loads and drive ------------------------------------------------------------------
    def pin_cap(self, ref: PinRef) -> float:
        if ref.instance == PORT:
            return 0.0
        return self.library.cell(self.editor.cells[ref.instance]).pins[ref.pin].capacitance

    def load(self, net: int) -> float:
        """Load (F) on ``net``: its load pins' capacitances."""
        return sum(self.pin_cap(r) for r in self.editor.sinks[net])

    def driver_limit(self, net: int) -> float:
        """Most load (F) the driver of ``net`` may drive (a port: no limit)."""
        ref = self.editor.driver[net]
        if ref is None or ref.instance == PORT:
            return math.inf
        return drive_limit(self.library.cell(self.editor.cells[ref.instance]), ref.pin)

    def driver_slew(self, net: int, slew_in: float) -> float:
        """Output transition (s) of the driver of ``net`` at its load, from an input
        transition ``slew_in``: the worst over its timing arcs (a port: 0)."""
        ref = self.editor.driver[net]
        if ref is None or ref.instance == PORT:
            return 0.0
        cell = self.library.cell(self.editor.cells[ref.instance])
        load = self.load(net)
        return max((float(t.lookup(slew_in, load)) for arc in cell.pins[ref.pin].timing
                    for t in (arc.rise_transition, arc.fall_transition) if t is not None),
                   default=0.0)

    def fits(self, net: int) -> bool:
        """True when the driver of ``net`` meets every limit with its present loads."""
        slew_in = self.rules.max_transition_s * 0.5
        return (len(self.editor.sinks[net]) <= self.rules.max_fanout
                and self.load(net) <= self.driver_limit(net)
                and self.driver_slew(net, slew_in) <= self.rules.max_transition_s * SLEW_TARGET)

    # ---- trees ------------------------------------------------------------------------------
    def _groups(self, refs: list[PinRef], cap_limit: float, size_limit: int) -> list[list[PinRef]]:
        """``refs`` in balanced consecutive groups of at most ``size_limit`` pins and
        ``cap_limit`` F each."""
        caps = [self.pin_cap(r) for r in refs]
        n = len(refs)
        k = max(1, math.ceil(n / size_limit), math.ceil(sum(caps) / cap_limit))
        while True:
            bounds = [round(i * n / k) for i in range(k + 1)]
            spans = [(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]
            if k >= n or all(sum(caps[a:b]) <= cap_limit for a, b in spans):
                return [refs[a:b] for a, b in spans]
            k += 1

    def buffer_level(self, net: int, refs: list[PinRef], *, clock: bool,
                     name: Callable[[], str]) -> list[PinRef]:
        """Put each group of ``refs`` (loads on ``net``) behind a new buffer driven from
        ``net``; return the buffers' input pins."""
        strongest = self.cells.strongest
        target = self.rules.max_transition_s * SLEW_TARGET
        slew_in = self.rules.max_transition_s * 0.5
        inputs = []
        for group in self._groups(sorted(refs, key=self.editor.name_of), strongest.max_load,
                                  self.rules.max_fanout):
            load = sum(self.pin_cap(r) for r in group)
            buf = self.cells.buffer_for(load, slew_in=slew_in, max_slew=target) or strongest
            base = name()
            out = self.editor.new_net(f"{base}_net")
            for ref in group:
                self.editor.move_sink(ref, out)
            index = self.editor.add_instance(base, buf.cell, {buf.input: net, buf.output: out})
            inputs.append(PinRef(index, buf.input))
            self.count("clock_buffers" if clock else "buffers")
        return inputs

    def build(self, net: int, *, clock: bool, name: Callable[[], str]) -> int:
        """Buffer ``net`` until its driver meets the limits; return the number of levels.
        Output ports stay on ``net`` (they cannot move)."""
        levels = 0
        refs = [r for r in self.editor.sinks[net] if r.instance != PORT]
        while not self.fits(net) and refs:
            if levels and len(refs) == 1:
                break                       # one buffer already: the driver cannot do better
            refs = self.buffer_level(net, refs, clock=clock, name=name)
            levels += 1
        if levels:
            self.count("clock_nets" if clock else "nets")
        return levels

    def upsize(self, instance: int) -> bool:
        """Swap ``instance`` for its next stronger variant; False if it has none."""
        variants = self.cells.variants(self.editor.cells[instance])
        position = variants.index(self.editor.cells[instance])
        if position + 1 >= len(variants):
            return False
        self.editor.resize(instance, variants[position + 1])
        self.count("resized")
        return True
