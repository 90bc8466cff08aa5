"""A flat netlist open for editing: nets with their driver and sinks, instances added and pins
moved, and the result as a ``Netlist`` again (``sparrow.netlist.write_netlist`` writes it)."""

from __future__ import annotations

from dataclasses import dataclass

from ..netlist import Instance, Netlist

PORT = -1
"""Instance index of a top-level port in a (instance, pin) reference."""


@dataclass(frozen=True)
class PinRef:
    """A pin on a net: ``instance`` index and liberty pin name, or ``PORT`` and a port bit."""

    instance: int
    pin: str


class NetlistEditor:
    """Nets, their driver and their sinks, kept up to date while instances are added and pins
    reconnected. ``is_output(cell, pin)`` tells a driver pin from a load pin."""

    def __init__(self, netlist: Netlist, is_output):
        self.top = netlist.top
        self.path = netlist.path
        self.ports = list(netlist.ports)
        self.net_constant = dict(netlist.net_constant)
        self.net_names = [list(n) for n in netlist.net_names]
        self.names = [i.name for i in netlist.instances]
        self.cells = [i.cell for i in netlist.instances]
        self.pins = [dict(i.pins) for i in netlist.instances]
        self._is_output = is_output
        self.driver: list[PinRef | None] = [None] * len(self.net_names)
        self.sinks: list[list[PinRef]] = [[] for _ in self.net_names]
        self._taken = set(self.names)
        for port in self.ports:
            if port.direction == "input":
                self.driver[port.net] = PinRef(PORT, port.name)
            else:
                self.sinks[port.net].append(PinRef(PORT, port.name))
        for index, pins in enumerate(self.pins):
            for pin, net in pins.items():
                if isinstance(net, int):
                    self._attach(index, pin, net)

    def _attach(self, instance: int, pin: str, net: int) -> None:
        ref = PinRef(instance, pin)
        if self._is_output(self.cells[instance], pin):
            self.driver[net] = ref
        else:
            self.sinks[net].append(ref)

    def new_net(self, name: str) -> int:
        self.net_names.append([name])
        self.driver.append(None)
        self.sinks.append([])
        return len(self.net_names) - 1

    def unique_name(self, wanted: str) -> str:
        """``wanted``, or ``wanted_<k>`` if an instance already has that name."""
        name, k = wanted, 0
        while name in self._taken:
            k += 1
            name = f"{wanted}_{k}"
        self._taken.add(name)
        return name

    def add_instance(self, name: str, cell: str, pins: dict[str, int]) -> int:
        """A new instance of ``cell`` named ``name`` (made unique), its pins on ``pins``."""
        index = len(self.names)
        self.names.append(self.unique_name(name))
        self.cells.append(cell)
        self.pins.append(dict(pins))
        for pin, net in pins.items():
            self._attach(index, pin, net)
        return index

    def move_sink(self, ref: PinRef, net: int) -> None:
        """Reconnect load pin ``ref`` (a cell input) from its net to ``net``."""
        old = self.pins[ref.instance][ref.pin]
        self.sinks[old].remove(ref)
        self.pins[ref.instance][ref.pin] = net
        self.sinks[net].append(ref)

    def resize(self, instance: int, cell: str) -> None:
        """Swap ``instance`` to ``cell`` (same pin names: a drive-strength variant)."""
        self.cells[instance] = cell

    def name_of(self, ref: PinRef) -> str:
        return ref.pin if ref.instance == PORT else f"{self.names[ref.instance]}/{ref.pin}"

    def block_of(self, instance: int) -> str:
        """The hierarchy prefix of an instance name (``lanes.x`` -> ``lanes``)."""
        return self.names[instance].rpartition(".")[0]

    def netlist(self) -> Netlist:
        instances = [Instance(name=n, cell=c, pins=dict(p))
                     for n, c, p in zip(self.names, self.cells, self.pins)]
        return Netlist(path=self.path, top=self.top, net_names=[list(n) for n in self.net_names],
                       net_constant=dict(self.net_constant), ports=list(self.ports),
                       instances=instances)
