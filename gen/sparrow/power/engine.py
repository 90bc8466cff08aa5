"""``compute_power``: netlist + liberty + activity -> PowerReport, in one call
(``compute_powers``: one netlist under several activities, linked once).

Steps (each timed in ``PowerReport.timings_s``): load the liberty (cached), read and link
the netlist, compute slews, obtain pin activity (VCD, activity table, or vectorless),
compute per-instance power, and classify instances into OpenSTA's groups: Macro
(``is_macro_cell``/memory), Pad, Clock (every output in the ideal clock network: clock
buffers and gates), Sequential (has ``ff``/``latch``), else Combinational.
"""

from __future__ import annotations

import time
from functools import cached_property
from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import SparrowError
from .activity import Activity
from .annotate import annotate, wanted_names
from .compute import compute_instance_power
from .liberty import Library, load_liberty
from .link import LinkedDesign, link_design
from ..netlist import paused_gc, read_netlist
from .propagate import Vectorless, propagate_missing, vectorless_activity
from .report import PowerReport
from .slew import compute_slews


def compute_power(netlist: Path | str, liberty: Library | Path | str | Sequence[Path | str]
                  | None = None, top: str | None = None, *,
                  activity: Activity | Vectorless | None = None, vcd: Path | str | None = None,
                  scope: str = "", clock_period_ns: float, clock_port: str | None = None,
                  window_ns: tuple[float, float] | None = None,
                  propagated_clock: bool = False) -> PowerReport:
    """Power of a mapped netlist.

    ``netlist``: structural Verilog (Yosys ``write_verilog -noattr``). ``liberty``: a loaded
    Library, one path or several (default: OSU 0.18 µm). ``top``: module name (default:
    the only uninstantiated module). Activity, exactly one of: ``vcd`` (+ ``scope`` of the
    design instance in the VCD, e.g. ``tb/dut``, and an optional ``window_ns`` = (start,
    end) in ns; default the whole file), or ``activity`` (an ``Activity`` or a
    ``Vectorless``). ``clock_period_ns``: the clock period (ns) used for clock pins without
    activity and for vectorless activity. ``clock_port``: default found from the netlist.
    ``propagated_clock``: pins of the clock network see the transitions of the clock tree
    (a repaired netlist, as OpenSTA after ``set_propagated_clock``); by default the ideal
    clock's 0, as OpenSTA without it.
    """
    if (activity is None) == (vcd is None):
        raise SparrowError("give exactly one activity source: vcd=... or activity=...")
    if window_ns is not None and vcd is None:
        raise SparrowError("window_ns applies to a VCD; an Activity already has its window")
    prepared = _Prepared.of(netlist, liberty, top, clock_port=clock_port,
                            clock_period_ns=clock_period_ns, propagated_clock=propagated_clock)
    read_s = 0.0
    if vcd is not None:
        mark = time.perf_counter()
        window_s = None if window_ns is None else (window_ns[0] * 1e-9, window_ns[1] * 1e-9)
        activity = Activity.from_vcd(vcd, scope, wanted=wanted_names(prepared.design),
                                     window_s=window_s)
        read_s = time.perf_counter() - mark
    return prepared.report(activity, read_s=read_s)


def compute_powers(netlist: Path | str, liberty: Library | Path | str | Sequence[Path | str]
                   | None = None, top: str | None = None, *,
                   activities: Sequence[Activity | Vectorless], clock_period_ns: float,
                   clock_port: str | None = None,
                   propagated_clock: bool = False) -> list[PowerReport]:
    """The power of one netlist under several activities (the inference window and the idle
    window, say), as :func:`compute_power` gives each: the liberty, the linked netlist and
    the slews are computed once. Each report's timings carry that shared part."""
    prepared = _Prepared.of(netlist, liberty, top, clock_port=clock_port,
                            clock_period_ns=clock_period_ns, propagated_clock=propagated_clock)
    return [prepared.report(activity) for activity in activities]


class _Prepared:
    """What every activity of one netlist shares: library, linked design, slews."""

    def __init__(self, netlist, library: Library, design: LinkedDesign, slews,
                 period_s: float, timings: dict[str, float], started: float):
        self.netlist, self.library, self.design, self.slews = netlist, library, design, slews
        self.period_s, self.timings, self.started = period_s, timings, started

    # Linking and reporting allocate millions of small acyclic objects: see paused_gc.
    @classmethod
    @paused_gc()
    def of(cls, netlist, liberty, top, *, clock_port, clock_period_ns,
           propagated_clock) -> "_Prepared":
        timings: dict[str, float] = {}
        started = time.perf_counter()
        if not clock_period_ns or clock_period_ns <= 0:
            raise SparrowError(f"clock period must be positive (got {clock_period_ns} ns)")
        library = liberty if isinstance(liberty, Library) else load_liberty(liberty)
        timings["liberty"] = time.perf_counter() - started
        mark = time.perf_counter()
        design = link_design(read_netlist(netlist, top), library, clock_port)
        timings["netlist"] = time.perf_counter() - mark
        mark = time.perf_counter()
        slews = compute_slews(design, propagate_clock=propagated_clock)
        timings["slews"] = time.perf_counter() - mark
        return cls(netlist, library, design, slews, clock_period_ns * 1e-9, timings, started)

    # Per-design tables every report carries; computed once for all activities.
    @cached_property
    def groups_of(self) -> list[str]:
        return classify_instances(self.design)

    @cached_property
    def output_nets(self) -> list[list[str]]:
        return _output_nets(self.design)

    @cached_property
    def fanout(self) -> list[list[int]]:
        return _fanout(self.design)

    @paused_gc()
    def report(self, activity: Activity | Vectorless, *, read_s: float = 0.0) -> PowerReport:
        """The report under ``activity``; ``read_s``: time spent reading it (s), counted in
        the activity timing."""
        design, slews, period_s = self.design, self.slews, self.period_s
        timings = dict(self.timings)
        mark = time.perf_counter()
        if isinstance(activity, Vectorless):
            pin_activity = vectorless_activity(design, slews, activity, period_s)
        else:
            pin_activity = annotate(design, activity, period_s)
            propagate_missing(design, slews, pin_activity, period_s)
        timings["activity"] = time.perf_counter() - mark + read_s

        mark = time.perf_counter()
        power = compute_instance_power(design, slews, pin_activity)
        timings["power"] = time.perf_counter() - mark
        timings["total"] = time.perf_counter() - self.started

        vcd_stats = None
        if isinstance(activity, Activity) and activity.vcd is not None:
            vcd_stats = {"bytes": activity.vcd.bytes_read,
                         "value_changes": activity.vcd.value_changes,
                         "seconds": activity.vcd.seconds,
                         "cpu_seconds": activity.vcd.cpu_seconds}
        # A pin tied to a constant never toggles: its activity is known exactly without a
        # source.
        tied = (design.pin_constant >= 0) & ~pin_activity.annotated
        unannotated = [design.pin_label(p)
                       for p in np.flatnonzero(~pin_activity.annotated & ~tied)]
        vectorless = isinstance(activity, Vectorless)
        return PowerReport(
            top=design.netlist.top, netlist=Path(self.netlist), liberty=self.library.files,
            activity_source=pin_activity.source, clock_port=design.clock_port,
            clock_period_s=period_s, window_s=pin_activity.window_s,
            instances=design.instance_names, cells=[c.name for c in design.instance_cells],
            groups_of=self.groups_of, internal_w=power.internal,
            switching_w=power.switching, leakage_w=power.leakage,
            internal_energy_j=power.internal_energy,
            switching_energy_j=power.switching_energy,
            annotated_pins=0 if vectorless else int(pin_activity.annotated.sum()),
            total_pins=design.pin_count, unannotated=[] if vectorless else unannotated,
            constant_pins=0 if vectorless else int(tied.sum()),
            output_nets=self.output_nets, fanout=self.fanout, timings_s=timings,
            vcd_stats=vcd_stats, transitions=power.transitions,
            above_range=power.above_range, below_range=power.below_range)


def classify_instances(design: LinkedDesign) -> list[str]:
    """OpenSTA's report_power group of every instance."""
    clock_out = np.ones(len(design.instance_names), dtype=bool)
    has_out = np.zeros(len(design.instance_names), dtype=bool)
    outputs = np.flatnonzero(design.pin_output)
    insts = design.pin_instance[outputs]
    nets = design.pin_net[outputs]
    on_clock = (nets >= 0) & design.net_clock[np.maximum(nets, 0)]
    np.logical_and.at(clock_out, insts, on_clock)
    has_out[insts] = True
    groups = []
    for i, cell in enumerate(design.instance_cells):
        if cell.is_macro:
            groups.append("Macro")
        elif cell.is_pad:
            groups.append("Pad")
        elif has_out[i] and clock_out[i]:
            groups.append("Clock")
        elif cell.is_sequential:
            groups.append("Sequential")
        else:
            groups.append("Combinational")
    return groups


def _output_nets(design: LinkedDesign) -> list[list[str]]:
    names: list[list[str]] = [[] for _ in design.instance_names]
    for pin in np.flatnonzero(design.pin_output & (design.pin_net >= 0)).tolist():
        names[design.pin_instance[pin]].extend(design.netlist.net_names[design.pin_net[pin]])
    return names


def _fanout(design: LinkedDesign) -> list[list[int]]:
    """Per instance: the instances its outputs drive."""
    loads_of_net: dict[int, list[int]] = {}
    loads = np.flatnonzero(design.pin_input & ~design.pin_output & (design.pin_net >= 0))
    for net, inst in zip(design.pin_net[loads].tolist(), design.pin_instance[loads].tolist()):
        loads_of_net.setdefault(net, []).append(inst)
    fanout: list[list[int]] = [[] for _ in design.instance_names]
    drivers = np.flatnonzero(design.pin_output & (design.pin_net >= 0))
    for net, inst in zip(design.pin_net[drivers].tolist(), design.pin_instance[drivers].tolist()):
        fanout[inst].extend(loads_of_net.get(net, ()))
    return fanout
