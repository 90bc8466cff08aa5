"""Pin slews (transition times) from the liberty transition tables, as OpenSTA computes them
without parasitics.

Primary inputs have slew 0 (no ``set_input_transition``); the clock is ideal with transition
0 (no ``set_clock_transition``). In topological order, each cell output gets, separately for
its rising and falling transition, the largest ``rise_transition``/``fall_transition`` over
all its timing arcs, looked up at the related input's slew and at the output net's load for
that transition (sum of the rise, resp. fall, capacitances of the net's pins). The input
transition that causes each output transition follows the arc's timing sense (positive unate:
same; negative: opposite; non-unate: both) or its edge (``rising_edge``: rise); ``clear``
arcs only make the output fall and ``preset`` arcs only rise. Arcs from
constant pins are disabled; negative table values are clipped to 0. With no wire, every
load pin sees its driver's slew.

For power, OpenSTA looks slews up on the *pin*: a pin in the ideal clock network has the
ideal clock transition (0) even where the graph carries a propagated slew (clock buffers).
With ``propagate_clock`` (a netlist with clock trees, OpenSTA's ``set_propagated_clock``) the
clock's pins and its clock-to-output arcs see the clock tree's transitions instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .link import LinkedDesign

RISE, FALL = 0, 1


@dataclass
class Slews:
    """``net`` (s): graph slew per net, columns rise/fall. ``pin`` (s): slew per flat pin as
    power looks it up (ideal clock pins 0)."""

    net: np.ndarray
    pin: np.ndarray


def _from_transitions(sense: str, kind: str, to_rf: int) -> tuple[int, ...]:
    if kind in ("rising_edge",):
        return (RISE,)
    if kind in ("falling_edge",):
        return (FALL,)
    if sense == "positive_unate":
        return (to_rf,)
    if sense == "negative_unate":
        return (1 - to_rf,)
    return (RISE, FALL)


def compute_slews(design: LinkedDesign, *, propagate_clock: bool = False) -> Slews:
    """Propagate slews through ``design`` level by level, vectorised per cell type and pin.

    ``propagate_clock``: clock-to-output arcs start from the clock's propagated slew (through
    a clock tree), as OpenSTA does with ``set_propagated_clock``; by default from the ideal
    clock's transition 0, as it does without."""
    n_net = design.net_driver.size
    net_slew = np.zeros((n_net, 2))
    pin_net = design.pin_net
    pin_key, key_names = _pin_keys(design)
    position = np.zeros(len(design.instance_names), dtype=np.int64)
    for group in design.groups.values():
        position[group.instances] = np.arange(group.instances.size)
    for level in design.net_levels:
        drivers = design.net_driver[level]
        keys = pin_key[drivers]
        for key in np.unique(keys).tolist():
            cell_name, pin_name = key_names[key]
            group = design.groups[cell_name]
            lib_pin = group.cell.pins[pin_name]
            chosen = drivers[keys == key]
            nets = pin_net[chosen]
            where = position[design.pin_instance[chosen]]
            loads = (design.net_cap_rise[nets], design.net_cap_fall[nets])
            out = np.zeros((chosen.size, 2))
            for arc in lib_pin.timing:
                src_index = group.pins.get(arc.related_pin)
                if src_index is None:
                    continue
                src = src_index[where]
                enabled = (src >= 0) & (design.pin_constant[np.maximum(src, 0)] < 0)
                if not enabled.any():
                    continue
                src_net = np.where(src >= 0, pin_net[np.maximum(src, 0)], -1)
                from_slew = np.where((src_net >= 0)[:, None], net_slew[np.maximum(src_net, 0)], 0.0)
                if arc.kind in ("rising_edge", "falling_edge") and not propagate_clock:
                    # Clock-to-output arcs start from the ideal clock transition.
                    ideal = (src_net >= 0) & design.net_clock[np.maximum(src_net, 0)]
                    from_slew[ideal] = 0.0
                for to_rf, table in ((RISE, arc.rise_transition), (FALL, arc.fall_transition)):
                    # A clear arc only makes its output fall, a preset arc only rise (OpenSTA
                    # ignores the other table if the liberty gives one).
                    if table is None or (arc.kind == "clear" and to_rf == RISE) or \
                            (arc.kind == "preset" and to_rf == FALL):
                        continue
                    for from_rf in _from_transitions(arc.sense, arc.kind, to_rf):
                        value = table.lookup(from_slew[:, from_rf], loads[to_rf])
                        out[:, to_rf] = np.where(enabled, np.maximum(out[:, to_rf], value),
                                                 out[:, to_rf])
            net_slew[nets] = out
    pin_slew = np.zeros((pin_net.size, 2))
    on_net = pin_net >= 0
    pin_slew[on_net] = net_slew[pin_net[on_net]]
    if not propagate_clock:
        ideal = on_net.copy()
        ideal[on_net] = design.net_clock[pin_net[on_net]]
        pin_slew[ideal] = 0.0
    return Slews(net=net_slew, pin=pin_slew)


def _pin_keys(design: LinkedDesign) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """Integer key per flat pin identifying its (cell type, pin name), and the key names."""
    keys = np.zeros(design.pin_count, dtype=np.int64)
    names: list[tuple[str, str]] = []
    for cell_name, group in design.groups.items():
        for pin_name, index in group.pins.items():
            valid = index >= 0
            keys[index[valid]] = len(names)
            names.append((cell_name, pin_name))
    return keys, names
