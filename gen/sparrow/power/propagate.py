"""Activity without a simulation, and for pins a simulation did not cover: OpenSTA's
propagation of switching activity through the logic.

``Vectorless`` mirrors ``set_power_activity``: ``mode="global"`` gives every pin that is not
a clock or a constant the same activity and duty (no propagation); ``mode="input"`` sets it
on the primary inputs (not the clock) and propagates it. Propagation follows OpenSTA 2.6:
each cell output gets the activity of its function evaluated node by node (and: density
d1 p2 + d2 p1, duty p1 p2; or: density d1 (1-p2) + d2 (1-p1), duty 1-(1-p1)(1-p2); xor:
density d1 + d2; not: duty 1-p), treating subexpressions as independent; a net's loads copy
its driver; clock pins toggle twice per period with duty 0.5. Flip-flop state variables take
the activity of their data input, capped at one transition per clock period, and the passes
repeat until the register outputs settle (at most ``MAX_PASSES``). Densities are capped at
1 / slew of the pin, as OpenSTA does.

Activities are per clock period in the interface (``activity``) and per second inside.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .annotate import PinActivity, apply_defaults
from .boolean import BooleanFunction
from .errors import ActivityError
from .link import LinkedDesign
from .slew import Slews

MAX_PASSES = 100
_TOLERANCE = 1e-9       # relative change of densities and duties that ends the passes


@dataclass(frozen=True)
class Vectorless:
    """Activity without simulation: ``activity`` transitions per clock period and ``duty``
    (fraction of time at 1) on every primary input (``mode="input"``, then propagated) or on
    every non-clock pin (``mode="global"``)."""

    activity: float = 0.1
    duty: float = 0.5
    mode: str = "input"

    def __post_init__(self):
        if self.mode not in ("input", "global"):
            raise ActivityError(f"vectorless mode must be 'input' or 'global', not {self.mode!r}")
        if self.activity < 0 or not 0.0 <= self.duty <= 1.0:
            raise ActivityError(f"vectorless activity must be >= 0 and duty in [0, 1] "
                                f"(got {self.activity}, {self.duty})")

    @property
    def description(self) -> str:
        where = "primary inputs, propagated" if self.mode == "input" else "every pin (global)"
        return f"vectorless {self.activity:g}/period, duty {self.duty:g} on {where}"


def vectorless_activity(design: LinkedDesign, slews: Slews, spec: Vectorless,
                        clock_period_s: float) -> PinActivity:
    """Pin activity from a Vectorless specification (no window, so no energy sum)."""
    n = design.pin_count
    density = np.full(n, spec.activity / clock_period_s)
    duty = np.full(n, spec.duty)
    result = PinActivity(density=density, duty=duty, transitions=None, window_s=None,
                         annotated=np.zeros(n, dtype=bool), state_duty={},
                         source=spec.description)
    if spec.mode == "global":
        apply_defaults(design, result, clock_period_s)
        for key, group in design.groups.items():
            for var in group.cell.state_variables:
                result.state_duty[(key, var)] = np.full(group.instances.size, spec.duty)
        return result
    Propagator(design, slews, result, clock_period_s,
               input_activity=(spec.activity / clock_period_s, spec.duty)).run()
    return result


def propagate_missing(design: LinkedDesign, slews: Slews, activity: PinActivity,
                      clock_period_s: float) -> None:
    """Give unannotated pins the activity OpenSTA would propagate to them (inputs without
    activity default to 0.1 per clock period, duty 0.5, as in OpenSTA), in place."""
    if activity.annotated.all():
        return
    Propagator(design, slews, activity, clock_period_s,
               input_activity=(0.1 / clock_period_s, 0.5)).run()
    if activity.transitions is not None and activity.window_s is not None:
        # Propagated densities stand for transition counts in the energy sum.
        missing = ~activity.annotated & (design.pin_constant < 0)
        activity.transitions[missing] = activity.density[missing] * activity.window_s


class Propagator:
    """Level-by-level propagation with register passes; annotated pins are kept as they are."""

    def __init__(self, design: LinkedDesign, slews: Slews, activity: PinActivity,
                 clock_period_s: float, input_activity: tuple[float, float]):
        self.design = design
        self.activity = activity
        self.period = clock_period_s
        self.input_activity = input_activity
        n_net = design.net_driver.size
        self.net_density = np.zeros(n_net)
        self.net_duty = np.zeros(n_net)
        # OpenSTA caps a pin's density at 1 / (mean of its rise and fall slews).
        mean_slew = slews.net.mean(axis=1)
        self.net_cap_density = np.where(mean_slew > 0, 1.0 / np.maximum(mean_slew, 1e-30), np.inf)
        # Load pins grouped by the level of the net they sit on.
        net_level = np.full(n_net, -1, dtype=np.int64)
        for depth, nets in enumerate(design.net_levels):
            net_level[nets] = depth
        loads = np.flatnonzero((design.pin_net >= 0) & ~design.pin_output)
        load_level = net_level[design.pin_net[loads]]
        self.level_loads = [loads[load_level == depth] for depth in range(len(design.net_levels))]
        self.position = np.zeros(len(design.instance_names), dtype=np.int64)
        for group in design.groups.values():
            self.position[group.instances] = np.arange(group.instances.size)
        self.state: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
        for key, group in design.groups.items():
            for var in group.cell.state_variables:
                zeros = np.zeros(group.instances.size)
                self.state[(key, var)] = (zeros, zeros.copy())

    def run(self) -> None:
        design, act = self.design, self.activity
        apply_defaults(design, act, self.period)
        fixed = act.annotated | (design.pin_constant >= 0)
        on_net = design.pin_net >= 0
        clock_pin = np.zeros(design.pin_count, dtype=bool)
        clock_pin[on_net] = design.net_clock[design.pin_net[on_net]]
        self.fixed = fixed | clock_pin
        # Sources: primary inputs and constants.
        for port in design.netlist.ports:
            if port.direction != "input":
                continue
            if design.net_constant[port.net] >= 0:
                self.net_density[port.net] = 0.0
                self.net_duty[port.net] = float(design.net_constant[port.net])
            elif design.net_clock[port.net]:
                self.net_density[port.net] = 2.0 / self.period
                self.net_duty[port.net] = 0.5
            else:
                self.net_density[port.net], self.net_duty[port.net] = self.input_activity
        self._copy_sources_to_loads()
        for _ in range(MAX_PASSES):
            self._combinational_pass()
            if not self._register_pass():
                break
        self._combinational_pass()
        self._store_state()

    def _copy_sources_to_loads(self) -> None:
        design, act = self.design, self.activity
        port_nets = np.array([p.net for p in design.netlist.ports if p.direction == "input"],
                             dtype=np.int64)
        if not port_nets.size:
            return
        is_source = np.zeros(design.net_driver.size, dtype=bool)
        is_source[port_nets] = True
        pins = np.flatnonzero((design.pin_net >= 0) & ~self.fixed)
        pins = pins[is_source[design.pin_net[pins]]]
        act.density[pins] = self.net_density[design.pin_net[pins]]
        act.duty[pins] = self.net_duty[design.pin_net[pins]]

    def _eval(self, key: str, group, function: BooleanFunction, where: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
        """(density, duty) of ``function`` for the instances at ``where`` of ``group``."""
        act = self.activity
        size = where.size

        def leaf(var: str):
            if var in group.pins:
                index = group.pins[var][where]
                valid = index >= 0
                safe = np.maximum(index, 0)
                return (np.where(valid, act.density[safe], 0.0),
                        np.where(valid, act.duty[safe], 0.0))
            if (key, var) in self.state:
                density, duty = self.state[(key, var)]
                return density[where], duty[where]
            return np.zeros(size), np.zeros(size)

        def walk(node):
            kind = node[0]
            if kind == "var":
                return leaf(node[1])
            if kind == "const":
                return np.zeros(size), np.full(size, float(node[1]))
            if kind == "not":
                density, duty = walk(node[1])
                return density, 1.0 - duty
            (d1, p1), (d2, p2) = walk(node[1]), walk(node[2])
            if kind == "and":
                return d1 * p2 + d2 * p1, p1 * p2
            if kind == "or":
                return d1 * (1.0 - p2) + d2 * (1.0 - p1), 1.0 - (1.0 - p1) * (1.0 - p2)
            return d1 + d2, p1 * (1.0 - p2) + (1.0 - p1) * p2

        return walk(function.tree)

    def _combinational_pass(self) -> None:
        design, act = self.design, self.activity
        position = self.position
        for depth, level in enumerate(design.net_levels):
            drivers = design.net_driver[level]
            insts = design.pin_instance[drivers]
            cells = [design.instance_cells[i].name for i in insts.tolist()]
            names = [design.pin_name[p] for p in drivers.tolist()]
            keys: dict[tuple[str, str], list[int]] = {}
            for k, key in enumerate(zip(cells, names)):
                keys.setdefault(key, []).append(k)
            for (cell_name, pin_name), members in keys.items():
                members = np.array(members, dtype=np.int64)
                group = design.groups[cell_name]
                function = group.cell.pins[pin_name].function
                pins = drivers[members]
                nets = level[members]
                free = ~self.fixed[pins]
                if function is not None and free.any():
                    density, duty = self._eval(cell_name, group, function,
                                               position[insts[members]])
                    density = np.minimum(density, self.net_cap_density[nets])
                    act.density[pins[free]] = density[free]
                    act.duty[pins[free]] = duty[free]
                self.net_density[nets] = act.density[pins]
                self.net_duty[nets] = act.duty[pins]
            loads = self.level_loads[depth]
            loads = loads[~self.fixed[loads]]
            act.density[loads] = self.net_density[design.pin_net[loads]]
            act.duty[loads] = self.net_duty[design.pin_net[loads]]

    def _register_pass(self) -> bool:
        """Update state variables from their data inputs; True if anything changed."""
        changed = False
        for key, group in self.design.groups.items():
            everyone = np.arange(group.instances.size)
            for seq in group.cell.sequentials:
                if seq.data is None:
                    continue
                density, duty = self._eval(key, group, seq.data, everyone)
                if seq.kind == "ff":
                    # A register output changes at most once per clock period.
                    density = np.minimum(density, 1.0 / self.period)
                for var, value in ((seq.output, duty), (seq.output_inv, 1.0 - duty)):
                    if var is None:
                        continue
                    old_density, old_duty = self.state[(key, var)]
                    scale = np.maximum(np.abs(old_density), 1.0 / self.period)
                    if (np.abs(density - old_density) > _TOLERANCE * scale).any() or \
                            (np.abs(value - old_duty) > _TOLERANCE).any():
                        changed = True
                    self.state[(key, var)] = (density.copy(), value.copy())
        return changed

    def _store_state(self) -> None:
        for (key, var), (_, duty) in self.state.items():
            current = self.activity.state_duty.get((key, var))
            if current is None:
                self.activity.state_duty[(key, var)] = duty.copy()
            else:
                missing = np.isnan(current)
                current[missing] = duty[missing]
