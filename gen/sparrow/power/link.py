"""Linking a flat netlist to its liberty cells: the pin table, net loads, constants, clocks.

``link_design`` checks that every instance is a library cell (otherwise one error lists the
unmapped cell types), builds a flat table of cell pins with their nets and capacitances,
sums each net's load the way OpenSTA does without parasitics (every liberty pin on the net,
rise and fall capacitance separately; no wire load), propagates logic constants through
combinational functions (OpenSTA's ``Sim``), finds the clock port if it is not given, marks
the ideal clock network (forward from the clock port through combinational arcs only, as
OpenSTA's ``ClkNetwork``), and orders nets topologically for slew propagation.
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from .errors import NetlistError
from .liberty import Cell, Library
from ..netlist import Netlist

_COMBINATIONAL = ("combinational", "combinational_rise", "combinational_fall")


@dataclass
class CellGroup:
    """All instances of one cell type: instance indices and, per liberty pin, the flat pin
    index of that pin on each instance."""

    cell: Cell
    instances: np.ndarray
    pins: dict[str, np.ndarray]


@dataclass
class LinkedDesign:
    """A netlist bound to its library; arrays are indexed by instance, pin or net."""

    netlist: Netlist
    library: Library
    instance_names: list[str]
    instance_cells: list[Cell]
    groups: dict[str, CellGroup]
    pin_instance: np.ndarray            # owning instance
    pin_name: list[str]                 # liberty pin name
    pin_net: np.ndarray                 # net index, -1 when tied to a constant or open
    pin_output: np.ndarray              # bool: drives its net (output or inout)
    pin_input: np.ndarray               # bool: loads its net (input or inout)
    pin_constant: np.ndarray            # int8: 0 or 1 when the pin is a logic constant, else -1
    net_cap_rise: np.ndarray            # F, sum of rise capacitances of the net's pins
    net_cap_fall: np.ndarray            # F
    net_constant: np.ndarray            # int8: 0/1 constant net, -1 otherwise
    net_driver: np.ndarray              # flat pin index of the net's cell driver, or -1
    net_clock: np.ndarray               # bool: net in the ideal clock network
    clock_port: str | None
    net_levels: list[np.ndarray] = field(default_factory=list)  # cell-driven nets, by level

    @property
    def pin_count(self) -> int:
        return self.pin_instance.size

    def pin_label(self, pin: int) -> str:
        return self.pin_labels[pin]

    @cached_property
    def pin_labels(self) -> list[str]:
        """``instance/PIN`` of every pin, as activity files and VCDs name them."""
        names = self.instance_names
        return [f"{names[i]}/{pin}" for i, pin in zip(self.pin_instance.tolist(), self.pin_name)]

    @property
    def net_load_cap(self) -> np.ndarray:
        """Load (F) OpenSTA uses for power: the larger of the rise and fall sums."""
        return np.maximum(self.net_cap_rise, self.net_cap_fall)


def link_design(netlist: Netlist, library: Library, clock_port: str | None = None
                ) -> LinkedDesign:
    """Bind ``netlist`` to ``library``; raises NetlistError for unmapped cells, unknown pins
    or an unknown/ambiguous clock port."""
    missing: dict[str, int] = defaultdict(int)
    for inst in netlist.instances:
        if inst.cell not in library:
            missing[inst.cell] += 1
    if missing:
        listed = ", ".join(f"{name} ({count})" for name, count in sorted(missing.items()))
        raise NetlistError(f"{netlist.path}: cells not in the liberty: {listed}; map the design "
                           "to library cells (yosys dfflibmap/abc -liberty) and pass every "
                           "liberty file it uses")
    cells = [library.cell(inst.cell) for inst in netlist.instances]
    by_type: dict[str, list[int]] = defaultdict(list)
    for i, inst in enumerate(netlist.instances):
        by_type[inst.cell].append(i)

    pin_instance: list[int] = []
    pin_name: list[str] = []
    pin_net: list[int] = []
    pin_const: list[int] = []
    pin_out: list[bool] = []
    pin_in: list[bool] = []
    cap_rise: list[float] = []
    cap_fall: list[float] = []
    groups: dict[str, CellGroup] = {}
    for cell_name, members in sorted(by_type.items()):
        cell = cells[members[0]]
        linked = [(name, p.is_output, p.is_input, p.capacitance_rise, p.capacitance_fall)
                  for name, p in cell.pins.items() if p.direction != "internal"]
        allowed = set(cell.pins) | set(cell.pg_pins)
        index = {name: [] for name, *_ in linked}
        for i in members:
            inst = netlist.instances[i]
            if not inst.pins.keys() <= allowed:
                pin = next(p for p in inst.pins if p not in allowed)
                raise NetlistError(f"{netlist.path}: instance {inst.name} connects pin "
                                   f"{pin!r}, which cell {cell_name} does not have")
            for name, is_out, is_in, rise, fall in linked:
                connection = inst.pins.get(name)
                index[name].append(len(pin_instance))
                pin_instance.append(i)
                pin_name.append(name)
                pin_net.append(connection if isinstance(connection, int) else -1)
                pin_const.append(int(connection) if connection in ("0", "1") else -1)
                pin_out.append(is_out)
                pin_in.append(is_in)
                cap_rise.append(rise)
                cap_fall.append(fall)
        pins = {name: (np.array(index[name], dtype=np.int64) if name in index
                       else np.full(len(members), -1, dtype=np.int64)) for name in cell.pins}
        groups[cell_name] = CellGroup(cell=cell, instances=np.array(members, dtype=np.int64),
                                      pins=pins)

    n_net = netlist.net_count
    pin_net_a = np.array(pin_net, dtype=np.int64)
    connected = pin_net_a >= 0
    net_cap_rise = np.zeros(n_net)
    net_cap_fall = np.zeros(n_net)
    np.add.at(net_cap_rise, pin_net_a[connected], np.array(cap_rise)[connected])
    np.add.at(net_cap_fall, pin_net_a[connected], np.array(cap_fall)[connected])
    pin_out_a = np.array(pin_out, dtype=bool)
    net_driver = np.full(n_net, -1, dtype=np.int64)
    drivers = np.flatnonzero(pin_out_a & connected)
    net_driver[pin_net_a[drivers]] = drivers

    design = LinkedDesign(
        netlist=netlist, library=library,
        instance_names=[inst.name for inst in netlist.instances], instance_cells=cells,
        groups=groups, pin_instance=np.array(pin_instance, dtype=np.int64), pin_name=pin_name,
        pin_net=pin_net_a, pin_output=pin_out_a, pin_input=np.array(pin_in, dtype=bool),
        pin_constant=np.array(pin_const, dtype=np.int8), net_cap_rise=net_cap_rise,
        net_cap_fall=net_cap_fall, net_constant=np.full(n_net, -1, dtype=np.int8),
        net_driver=net_driver, net_clock=np.zeros(n_net, dtype=bool), clock_port=None)
    _levelize(design)
    _propagate_constants(design)
    design.clock_port = _find_clock_port(design, clock_port)
    _mark_clock_network(design)
    return design


def _instance_pins(design: LinkedDesign) -> list[dict[str, int]]:
    """Per instance: liberty pin name -> flat pin index."""
    table: list[dict[str, int]] = [dict() for _ in design.instance_names]
    for pin, (inst, name) in enumerate(zip(design.pin_instance.tolist(), design.pin_name)):
        table[inst][name] = pin
    return table


def _arc_edges(design: LinkedDesign, combinational_only: bool):
    """(from pin, to pin) pairs of every propagating timing arc whose pins are connected.

    ``combinational_only`` keeps the arcs a clock propagates through (OpenSTA's clock tree
    search): combinational arcs of cells without flip-flops or latches (a latch's D->Q arc
    is a latch arc, not a combinational one)."""
    edges = []
    for group in design.groups.values():
        if combinational_only and group.cell.is_sequential:
            continue
        for to_name, lib_pin in group.cell.pins.items():
            if not lib_pin.is_output:
                continue
            for arc in lib_pin.timing:
                if combinational_only and arc.kind not in _COMBINATIONAL:
                    continue
                if arc.related_pin not in group.pins:
                    continue
                src = group.pins[arc.related_pin]
                dst = group.pins[to_name]
                ok = (src >= 0) & (dst >= 0)
                edges.append((src[ok], dst[ok]))
    if not edges:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return (np.concatenate([e[0] for e in edges]), np.concatenate([e[1] for e in edges]))


def _levelize(design: LinkedDesign) -> None:
    """Topological levels of cell-driven nets along timing arcs (loops are broken)."""
    src, dst = _arc_edges(design, combinational_only=False)
    from_net = design.pin_net[src]
    to_net = design.pin_net[dst]
    ok = (from_net >= 0) & (to_net >= 0)
    from_net, to_net = from_net[ok], to_net[ok]
    n_net = design.net_driver.size
    pairs = np.unique(np.stack([from_net, to_net], axis=1), axis=0) if from_net.size else \
        np.zeros((0, 2), dtype=np.int64)
    indegree = np.bincount(pairs[:, 1], minlength=n_net) if pairs.size else np.zeros(n_net, int)
    order = np.argsort(pairs[:, 0], kind="stable") if pairs.size else np.zeros(0, dtype=np.intp)
    succ_from = pairs[order, 0] if pairs.size else np.zeros(0, dtype=np.int64)
    succ_to = pairs[order, 1] if pairs.size else np.zeros(0, dtype=np.int64)
    starts = np.searchsorted(succ_from, np.arange(n_net + 1))
    level = np.zeros(n_net, dtype=np.int64)
    remaining = indegree.copy()
    frontier = np.flatnonzero(remaining == 0)
    visited = np.zeros(n_net, dtype=bool)
    depth = 0
    while True:
        while frontier.size:
            visited[frontier] = True
            level[frontier] = depth
            nxt = []
            for net in frontier.tolist():
                for succ in succ_to[starts[net]:starts[net + 1]].tolist():
                    remaining[succ] -= 1
                    if remaining[succ] == 0:
                        nxt.append(succ)
            frontier = np.array(nxt, dtype=np.int64)
            depth += 1
        if visited.all():
            break
        # A combinational loop (or a loop through asynchronous set/reset): break it at the
        # unvisited net with the fewest unresolved inputs, as a levelizer must.
        candidates = np.flatnonzero(~visited)
        pick = candidates[np.argmin(remaining[candidates])]
        remaining[pick] = 0
        frontier = np.array([pick], dtype=np.int64)
    driven = design.net_driver >= 0
    design.net_levels = [np.flatnonzero(driven & (level == d)) for d in range(depth)]
    design.net_levels = [lv for lv in design.net_levels if lv.size]


def _propagate_constants(design: LinkedDesign) -> None:
    """Constant nets: tied in the netlist, or the output of a function that the constant
    inputs fix (OpenSTA's Sim); pins tied to a constant are constants too."""
    net_const = design.net_constant
    for net, value in design.netlist.net_constant.items():
        net_const[net] = int(value)
    pins_of = _instance_pins(design)
    # Plain lists: this walks every net once, and numpy scalar indexing is slow.
    const = net_const.tolist()
    driver, instance = design.net_driver.tolist(), design.pin_instance.tolist()
    pin_net, pin_const = design.pin_net.tolist(), design.pin_constant.tolist()
    for level in design.net_levels:
        for net in level.tolist():
            if const[net] >= 0:
                continue
            pin = driver[net]
            inst = instance[pin]
            function = design.instance_cells[inst].pins[design.pin_name[pin]].function
            if function is None:
                continue
            known = {}
            for var in function.variables:
                other = pins_of[inst].get(var)
                if other is None:
                    continue
                value = pin_const[other] if pin_net[other] < 0 else const[pin_net[other]]
                if value >= 0:
                    known[var] = bool(value)
            # Tie cells have constant functions ("1"), so try even with no known input.
            value = function.constant_value(known)
            if value is not None:
                const[net] = int(value)
    net_const[:] = const
    on_net = design.pin_net >= 0
    design.pin_constant[on_net] = np.where(net_const[design.pin_net[on_net]] >= 0,
                                           net_const[design.pin_net[on_net]],
                                           design.pin_constant[on_net])


def _port_nets(design: LinkedDesign, direction: str) -> dict[str, int]:
    return {p.name: p.net for p in design.netlist.ports if p.direction == direction}


def _find_clock_port(design: LinkedDesign, clock_port: str | None) -> str | None:
    inputs = _port_nets(design, "input")
    if clock_port is not None:
        if clock_port not in inputs:
            raise NetlistError(f"{design.netlist.path}: clock port {clock_port!r} is not an input "
                               f"of {design.netlist.top}")
        return clock_port
    # Walk back from the clock pins of sequential cells through combinational arcs.
    src, dst = _arc_edges(design, combinational_only=True)
    back = defaultdict(list)
    for a, b in zip(design.pin_net[src].tolist(), design.pin_net[dst].tolist()):
        if a >= 0 and b >= 0:
            back[b].append(a)
    seeds = set()
    for group in design.groups.values():
        if not group.cell.is_sequential:
            continue
        for name, lib_pin in group.cell.pins.items():
            if lib_pin.is_clock and name in group.pins:
                nets = design.pin_net[group.pins[name]]
                seeds.update(nets[nets >= 0].tolist())
    seen = set(seeds)
    queue = deque(seeds)
    while queue:
        net = queue.popleft()
        for prev in back.get(net, ()):
            if prev not in seen:
                seen.add(prev)
                queue.append(prev)
    found = sorted(name for name, net in inputs.items() if net in seen)
    if len(found) > 1:
        raise NetlistError(f"{design.netlist.path}: several inputs reach flip-flop clock pins "
                           f"({', '.join(found)}); name the clock port")
    return found[0] if found else None


def _mark_clock_network(design: LinkedDesign) -> None:
    if design.clock_port is None:
        return
    start = _port_nets(design, "input")[design.clock_port]
    src, dst = _arc_edges(design, combinational_only=True)
    forward = defaultdict(list)
    for a, b, s in zip(design.pin_net[src].tolist(), design.pin_net[dst].tolist(), src.tolist()):
        # Arcs from constant pins are disabled, as in OpenSTA.
        if a >= 0 and b >= 0 and design.pin_constant[s] < 0:
            forward[a].append(b)
    design.net_clock[start] = True
    queue = deque([start])
    while queue:
        net = queue.popleft()
        for nxt in forward.get(net, ()):
            if not design.net_clock[nxt]:
                design.net_clock[nxt] = True
                queue.append(nxt)
