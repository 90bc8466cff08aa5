"""Design rules of a netlist against its library: fanout, load and transition limits.

The limits come from the liberty, as OpenSTA and OpenROAD's ``repair_design`` read them:

* **max capacitance** of a driver pin: its ``max_capacitance``, and never more than the largest
  load its tables are characterised for (a larger load is looked up by extrapolation, which is
  how the first ECG measurement read 190 ns transitions off a 1.2 ns table);
* **max transition** at every pin: ``default_max_transition`` or the pins' ``max_transition``,
  and never more than the largest input transition the library's tables are characterised for;
* **max fanout**: a setting (10 by default, LibreLane's ``MAX_FANOUT_CONSTRAINT``), counted as the
  load pins of a net (cell inputs and output ports).

Loads are the sums of the pins' liberty capacitances (no wires: a netlist before placement), the
same sums OpenSTA makes without parasitics; transitions come from the liberty's transition tables
propagated in topological order (``sparrow.power.slew``, checked against OpenSTA). Debian's
OpenSTA 2.0.17 checks only the transition limit (``report_check_types -max_transition``); this
module checks all three with the same data, so the numbers can be compared where both exist.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..errors import SparrowError
from ..netlist import Netlist
from ..power.liberty import Cell, Library
from ..power.link import LinkedDesign, link_design
from ..power.slew import compute_slews

DEFAULT_MAX_FANOUT = 10
"""LibreLane's default ``MAX_FANOUT_CONSTRAINT``."""


def _table_spans(cell: Cell, quantity: str, pins=None) -> list[tuple[float, float]]:
    """(low, high) of every ``quantity`` axis of the timing and power tables of ``pins`` of
    ``cell`` (all pins by default)."""
    spans = []
    for name in (cell.pins if pins is None else pins):
        pin = cell.pins[name]
        tables = [t for arc in pin.timing for t in (arc.rise_transition, arc.fall_transition,
                                                    arc.cell_rise, arc.cell_fall)]
        tables += [t for power in pin.internal_power for t in (power.rise, power.fall)]
        spans += [t.span(quantity) for t in tables
                  if t is not None and t.span(quantity) is not None]
    return spans


def characterized_max_load(cell: Cell, pin: str) -> float:
    """Largest load (F) the tables of output ``pin`` of ``cell`` are characterised for
    (infinite when the pin has no load-indexed table)."""
    return min((hi for _, hi in _table_spans(cell, "load", [pin])), default=math.inf)


def drive_limit(cell: Cell, pin: str) -> float:
    """Most load (F) output ``pin`` of ``cell`` may drive: its ``max_capacitance``, capped at
    the largest characterised load of its tables."""
    limit = cell.pins[pin].max_capacitance
    return min(limit if limit is not None else math.inf, characterized_max_load(cell, pin))


@dataclass(frozen=True)
class DesignRules:
    """The limits a netlist is repaired to and checked against. Units: s and sinks."""

    max_fanout: int
    max_transition_s: float
    transition_source: str          # where max_transition_s comes from (for reports)

    def __post_init__(self):
        if self.max_fanout < 2:
            raise SparrowError(f"max fanout must be at least 2, got {self.max_fanout}")
        if not self.max_transition_s > 0:
            raise SparrowError(f"max transition must be positive, got {self.max_transition_s} s")


def library_rules(library: Library, *, max_fanout: int = DEFAULT_MAX_FANOUT) -> DesignRules:
    """The rules of ``library``: its transition limit (``default_max_transition``, else the
    tightest pin ``max_transition``), capped at the largest characterised input transition."""
    characterised = [hi for name in library.cell_names()
                     for _, hi in _table_spans(library.cell(name), "slew")]
    if not characterised:
        raise SparrowError(f"library {', '.join(library.names)}: no slew-indexed tables; "
                           "its transitions cannot be checked")
    table_max = min(characterised)
    pin_limits = [p.max_transition for name in library.cell_names()
                  for p in library.cell(name).pins.values() if p.max_transition]
    given = library.default_max_transition or (min(pin_limits) if pin_limits else None)
    if given is not None and given <= table_max:
        source = ("default_max_transition" if library.default_max_transition
                  else "pin max_transition") + " of the liberty"
        return DesignRules(max_fanout, given, source)
    source = ("largest characterised input transition (the liberty's own limit "
              f"{given * 1e9:.3g} ns is beyond its tables)" if given is not None else
              "largest characterised input transition (the liberty gives no limit)")
    return DesignRules(max_fanout, table_max, source)


@dataclass
class RuleReport:
    """Violations of one netlist, counted as OpenSTA and OpenROAD count them: fanout and
    capacitance per driver pin, transition per pin (a net's driver and every load see the
    same transition without wires). ``worst_*``: the largest value over the limit seen
    (sinks, load / limit, s), 0 without violations; ``examples``: a few violations in words."""

    fanout: int = 0
    capacitance: int = 0
    transition: int = 0
    worst_fanout: int = 0
    worst_capacitance_ratio: float = 0.0
    worst_transition_s: float = 0.0
    examples: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.fanout or self.capacitance or self.transition)

    def metrics(self) -> dict:
        """LibreLane's violator counts."""
        return {"design__max_fanout_violation__count": self.fanout,
                "design__max_cap_violation__count": self.capacitance,
                "design__max_slew_violation__count": self.transition}


def net_sinks(design: LinkedDesign) -> np.ndarray:
    """Load pins per net: cell inputs plus output ports."""
    on_net = design.pin_input & (design.pin_net >= 0)
    count = np.bincount(design.pin_net[on_net], minlength=design.net_driver.size)
    for port in design.netlist.ports:
        if port.direction == "output":
            count[port.net] += 1
    return count


def check_design_rules(netlist: Netlist, library: Library, rules: DesignRules, *,
                       clock_port: str | None = None, examples: int = 10) -> RuleReport:
    """Check ``netlist`` against ``rules`` and the drive limits of its cells."""
    design = link_design(netlist, library, clock_port)
    slews = compute_slews(design, propagate_clock=True)
    report = RuleReport()
    sinks = net_sinks(design)
    load = design.net_load_cap
    driver = design.net_driver
    for net in range(driver.size):
        if design.net_constant[net] >= 0:
            continue
        name = netlist.net_names[net][0] if netlist.net_names[net] else f"net {net}"
        if sinks[net] > rules.max_fanout:
            report.fanout += 1
            report.worst_fanout = max(report.worst_fanout, int(sinks[net]))
            if len(report.examples) < examples:
                report.examples.append(f"net {name}: fanout {sinks[net]} > {rules.max_fanout}")
        if driver[net] >= 0:
            pin = int(driver[net])
            cell = design.instance_cells[design.pin_instance[pin]]
            limit = drive_limit(cell, design.pin_name[pin])
            if load[net] > limit * (1 + 1e-9):
                report.capacitance += 1
                report.worst_capacitance_ratio = max(report.worst_capacitance_ratio,
                                                     float(load[net] / limit))
                if len(report.examples) < examples:
                    report.examples.append(
                        f"net {name} ({design.pin_label(pin)}, {cell.name}): load "
                        f"{load[net] * 1e15:.1f} fF > {limit * 1e15:.1f} fF")
            slew = float(slews.net[net].max())
            if slew > rules.max_transition_s * (1 + 1e-9):
                report.transition += 1 + int(sinks[net])
                report.worst_transition_s = max(report.worst_transition_s, slew)
                if len(report.examples) < examples:
                    report.examples.append(f"net {name}: transition {slew * 1e9:.3g} ns > "
                                           f"{rules.max_transition_s * 1e9:.3g} ns")
    return report
