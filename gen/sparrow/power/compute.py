"""Per-instance internal, switching and leakage power with the semantics of OpenSTA 2.6.

For every instance (vectorised over all instances of a cell type):

* **Output internal power.** For each ``internal_power`` group of an output pin, the energy
  is the mean of the rise and fall tables (a missing table counts 0 J), looked up at the
  related input's slew (input transition by the arc's unateness: positive and non-unate use
  the same transition, negative the opposite) and the output net's load. The output's
  transitions are shared among its groups in proportion to ``density(input) x duty``, where
  the duty is the probability that the output is sensitive to that input when the function
  contains the input (OpenSTA 2.6's estimate: the cofactors f(x=1), f(x=0) are evaluated
  node by node as independent, then P1 (1-P0) + P0 (1-P1)), else the probability of the
  group's ``when``, else 1 for an input in the clock network and 0.5 otherwise; shares are
  normalised per ``related_pg_pin``. P = sum(share x energy) x density(output).
* **Input internal power** (e.g. a flip-flop's clock pin). Per group: mean of the rise and
  fall tables at the pin's own slew and zero load, times the duty of ``when`` (if the
  ``when`` names an output whose function contains this input: the sensitivity of that
  function to the input, estimated as above), times the pin's density.
* **Switching power.** 0.5 x C x V² x density(output) for each output pin, C being the
  output net's load (max of rise and fall pin-capacitance sums) and V the pin's supply.
* **Leakage.** Conditional ``leakage_power`` groups weighted by the duty of their ``when``
  (exact probability, inputs independent); unconditional groups only when there is no
  conditional one; plus ``cell_leakage_power`` x (1 - sum of the conditional duties). This
  is current OpenSTA's rule; the reference library (OSU 0.18 µm) has only
  ``cell_leakage_power``, so the conditional part is not checked against OpenSTA 2.6.0.

The energy over the activity window is summed separately from transition *counts*
(energy per transition x transitions, plus leakage x window), so that comparing it with
power x window checks the rate conversions.

**Table range.** Every pin transition whose energy was looked up at a slew or load outside the
table's characterised range is counted, above the range (extrapolation upwards: the error the
first unrepaired ECG netlist made, 190 ns transitions on 1.2 ns tables) and below it
separately (light loads and fast edges, common and mild: the tables' first segment extended).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .annotate import PinActivity
from .boolean import BooleanFunction
from .link import CellGroup, LinkedDesign
from .slew import FALL, RISE, Slews


@dataclass
class InstancePower:
    """Per instance (indexed like ``LinkedDesign.instance_names``): power in W, and energy in
    J over the activity window (NaN without a window)."""

    internal: np.ndarray
    switching: np.ndarray
    leakage: np.ndarray
    internal_energy: np.ndarray
    switching_energy: np.ndarray
    transitions: np.ndarray = None          # pin transitions evaluated (count, or per s)
    above_range: np.ndarray = None          # of those, looked up above a table's range
    below_range: np.ndarray = None          # below it (and not above)


def compute_instance_power(design: LinkedDesign, slews: Slews, activity: PinActivity
                           ) -> InstancePower:
    """Internal, switching and leakage power of every instance (see the module docstring)."""
    n = len(design.instance_names)
    out = InstancePower(internal=np.zeros(n), switching=np.zeros(n), leakage=np.zeros(n),
                        internal_energy=np.zeros(n), switching_energy=np.zeros(n),
                        transitions=np.zeros(n), above_range=np.zeros(n),
                        below_range=np.zeros(n))
    counts = activity.transitions
    for key, group in design.groups.items():
        _GroupPower(design, slews, activity, key, group).add_to(out, counts)
    if counts is None:
        out.internal_energy[:] = np.nan
        out.switching_energy[:] = np.nan
    return out


class _GroupPower:
    """Power of all instances of one cell type."""

    def __init__(self, design: LinkedDesign, slews: Slews, activity: PinActivity, key: str,
                 group: CellGroup):
        self._above = np.zeros(group.instances.size, dtype=bool)
        self._below = np.zeros(group.instances.size, dtype=bool)
        self.design = design
        self.slews = slews
        self.activity = activity
        self.key = key
        self.group = group
        self.cell = group.cell
        self.size = group.instances.size

    # -- per-pin gathers (an unconnected or missing pin gives 0)
    def _gather(self, values: np.ndarray, pin: str) -> np.ndarray:
        index = self.group.pins.get(pin)
        if index is None:
            return np.zeros(self.size)
        return np.where(index >= 0, values[np.maximum(index, 0)], 0.0)

    def _slew(self, pin: str | None, rf: int) -> np.ndarray:
        if pin is None or pin not in self.group.pins:
            return np.zeros(self.size)
        return self._gather(self.slews.pin[:, rf], pin)

    def _load(self, pin: str) -> np.ndarray:
        index = self.group.pins[pin]
        net = np.where(index >= 0, self.design.pin_net[np.maximum(index, 0)], -1)
        return np.where(net >= 0, self.design.net_load_cap[np.maximum(net, 0)], 0.0)

    def _duties(self, function: BooleanFunction) -> np.ndarray:
        """Duty of each variable of ``function`` per instance (pins or state variables)."""
        columns = []
        for var in function.variables:
            if var in self.group.pins:
                columns.append(self._gather(self.activity.duty, var))
            else:
                state = self.activity.state_duty.get((self.key, var))
                columns.append(np.nan_to_num(state) if state is not None else np.zeros(self.size))
        if not columns:
            return np.zeros((self.size, 0))
        return np.stack(columns, axis=1)

    def _probability(self, function: BooleanFunction) -> np.ndarray:
        return function.probability(self._duties(function))

    def _sensitivity(self, function: BooleanFunction, var: str) -> np.ndarray:
        return function.cofactor_sensitivity(var, self._duties(function))

    def _lookup(self, table, slew: np.ndarray, load) -> np.ndarray:
        """``table`` at (slew, load), noting per instance a lookup outside its range (for
        the pin being evaluated; reset by ``_take_range``)."""
        for quantity, x in (("slew", slew), ("load", load)):
            span = table.span(quantity)
            if span is not None:
                x = np.broadcast_to(np.asarray(x, dtype=float), (self.size,))
                self._above |= x > span[1] * (1 + 1e-9)
                self._below |= x < span[0] * (1 - 1e-9)
        return table.lookup(slew, load)

    def _take_range(self) -> tuple[np.ndarray, np.ndarray]:
        above, below = self._above.copy(), self._below & ~self._above
        self._above[:] = False
        self._below[:] = False
        return above, below

    def _positive_unate(self, from_pin: str, to_pin: str) -> bool:
        for arc in self.cell.pins[to_pin].timing:
            if arc.related_pin == from_pin:
                return arc.sense in ("positive_unate", "non_unate")
        return True

    # -- power terms
    def add_to(self, out: InstancePower, counts: np.ndarray | None) -> None:
        insts = self.group.instances
        internal = np.zeros(self.size)
        internal_e = np.zeros(self.size)
        switching = np.zeros(self.size)
        switching_e = np.zeros(self.size)
        evaluated, above, below = np.zeros(self.size), np.zeros(self.size), np.zeros(self.size)
        for name, pin in self.cell.pins.items():
            if name not in self.group.pins:
                continue
            density = self._gather(self.activity.density, name)
            count = self._gather(counts, name) if counts is not None else density
            if pin.is_output:
                load = self._load(name)
                per_transition = 0.5 * load * pin.voltage ** 2
                switching += per_transition * density
                switching_e += per_transition * count
                energy = self._output_energy(name, load)
                internal += energy * density
                internal_e += energy * count
            if pin.is_input and pin.internal_power:
                energy = self._input_energy(name)
                internal += energy * density
                internal_e += energy * count
            if (pin.is_output or pin.is_input) and pin.internal_power:
                hi, lo = self._take_range()
                evaluated += count
                above += np.where(hi, count, 0.0)
                below += np.where(lo, count, 0.0)
        out.transitions[insts] = evaluated
        out.above_range[insts] = above
        out.below_range[insts] = below
        out.internal[insts] = internal
        out.switching[insts] = switching
        out.leakage[insts] = self._leakage()
        out.internal_energy[insts] = internal_e
        out.switching_energy[insts] = switching_e

    def _input_duty(self, pwr_related: str | None, function: BooleanFunction | None, when
                    ) -> np.ndarray:
        """OpenSTA's findInputDuty for an output group related to ``pwr_related``."""
        if pwr_related is None or pwr_related not in self.group.pins:
            return np.zeros(self.size)
        if function is not None and function.has(pwr_related):
            return self._sensitivity(function, pwr_related)
        if when is not None:
            return self._probability(when)
        # A clock input is sensitised all the time, any other input half of the time.
        index = self.group.pins[pwr_related]
        net = np.where(index >= 0, self.design.pin_net[np.maximum(index, 0)], -1)
        clock = (net >= 0) & self.design.net_clock[np.maximum(net, 0)]
        return np.where(clock, 1.0, 0.5)

    def _output_energy(self, name: str, load: np.ndarray) -> np.ndarray:
        """Energy (J) per transition of output ``name``: share-weighted group energies."""
        pin = self.cell.pins[name]
        groups = pin.internal_power
        if not groups:
            return np.zeros(self.size)
        duties = [self._input_duty(g.related_pin, pin.function, g.when) for g in groups]
        from_density = [self._gather(self.activity.density, g.related_pin)
                        if g.related_pin in self.group.pins else np.zeros(self.size)
                        for g in groups]
        sums: dict[str | None, np.ndarray] = {}
        for g, duty, dens in zip(groups, duties, from_density):
            if g.related_pin is not None:
                sums[g.related_pg_pin] = sums.get(g.related_pg_pin, 0.0) + dens * duty
        total = np.zeros(self.size)
        for g, duty, dens in zip(groups, duties, from_density):
            if g.related_pin is None or g.related_pin not in self.group.pins:
                continue
            positive = self._positive_unate(g.related_pin, name)
            energy = np.zeros(self.size)
            for to_rf, table in ((RISE, g.rise), (FALL, g.fall)):
                if table is not None:
                    from_rf = to_rf if positive else 1 - to_rf
                    energy += self._lookup(table, self._slew(g.related_pin, from_rf), load)
            energy /= 2.0          # mean of rise and fall; a missing table counts as 0 J
            norm = sums[g.related_pg_pin]
            share = np.divide(dens * duty, norm, out=np.zeros(self.size), where=norm != 0)
            total += share * energy
        return total

    def _input_energy(self, name: str) -> np.ndarray:
        """Energy (J) per transition of input ``name`` from its own internal_power groups."""
        pin = self.cell.pins[name]
        total = np.zeros(self.size)
        for g in pin.internal_power:
            energy = np.zeros(self.size)
            for rf, table in ((RISE, g.rise), (FALL, g.fall)):
                if table is not None:
                    energy += self._lookup(table, self._slew(name, rf), 0.0)
            energy /= 2.0
            duty = np.ones(self.size)
            if g.when is not None:
                output = next((v for v in g.when.variables
                               if v in self.cell.pins and self.cell.pins[v].is_output), None)
                function = self.cell.pins[output].function if output is not None else None
                if function is not None and function.has(name):
                    duty = self._sensitivity(function, name)
                else:
                    duty = self._probability(g.when)
            total += energy * duty
        return total

    def _leakage(self) -> np.ndarray:
        cond = np.zeros(self.size)
        cond_duty = np.zeros(self.size)
        uncond = 0.0
        found_cond = found_uncond = False
        for when, value in self.cell.leakage_states:
            if when is not None:
                duty = self._probability(when)
                cond += value * duty
                if value > 0.0:
                    cond_duty += duty
                found_cond = True
            else:
                uncond += value
                found_uncond = True
        # Unconditional groups count only when there is no conditional one (OpenSTA).
        leakage = cond if found_cond else np.full(self.size, uncond if found_uncond else 0.0)
        if self.cell.leakage is not None:
            leakage = leakage + self.cell.leakage * (1.0 - cond_duty)
        return leakage
