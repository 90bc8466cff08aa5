"""Per-pin activity of a linked design: transitions per second (density), duty, and the
transition count in the window (for the energy sum).

From named activity (a VCD or an activity table) each cell pin takes, in this order:
its own signal (``<instance>/<pin>``, present when the simulator dumped the cell's scope),
else the signal of any name of the net it sits on; a pin tied to a constant has density 0
and its constant as duty; an unannotated pin in the ideal clock network toggles twice per
clock period with duty 0.5 (OpenSTA's clock default). Pins that stay unannotated get the
activity OpenSTA would propagate to them (``propagate.py``).

The state variables of flip-flops and latches (liberty ``ff``/``latch`` names such as ``IQ``)
appear in ``when`` and ``function`` expressions; their duty comes from the VCD when the cell
model dumped them (``<instance>/<variable>``), else from the probability of the data input.

Deliberate difference from OpenSTA: OpenSTA gives pins tied to logic 1 a duty of 0; here they
have duty 1, which is what the circuit does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .activity import Activity
from .link import LinkedDesign


@dataclass
class PinActivity:
    """Activity per flat pin of a LinkedDesign.

    ``density``: transitions per second; ``duty``: fraction of time at 1; ``transitions``:
    transitions in the window (None without a window, e.g. vectorless); ``window_s``:
    window length (s) or None; ``annotated``: pin activity taken from the source (not
    defaulted or propagated); ``state_duty``: duty of each (cell type, state variable), per
    instance of that cell type's group."""

    density: np.ndarray
    duty: np.ndarray
    transitions: np.ndarray | None
    window_s: float | None
    annotated: np.ndarray
    state_duty: dict[tuple[str, str], np.ndarray]
    source: str

    @property
    def annotated_fraction(self) -> float:
        return float(self.annotated.mean()) if self.annotated.size else 1.0


def wanted_names(design: LinkedDesign) -> set[str]:
    """Every name whose activity the design can use: cell pins, state variables, nets."""
    names = set(design.pin_labels)
    for group in design.groups.values():
        variables = group.cell.state_variables
        if variables:
            for inst in group.instances.tolist():
                for var in variables:
                    names.add(f"{design.instance_names[inst]}/{var}")
    for net_names in design.netlist.net_names:
        names.update(net_names)
    return names


def annotate(design: LinkedDesign, activity: Activity, clock_period_s: float) -> PinActivity:
    """Map ``activity`` onto the pins of ``design`` (see the module docstring)."""
    names = activity.names
    rows = np.array([names.get(label, -1) for label in design.pin_labels], dtype=np.int64)
    # Fall back on the net's signal for pins the dump did not cover.
    net_row = np.full(design.net_driver.size, -1, dtype=np.int64)
    missing = np.flatnonzero(rows < 0)
    if missing.size:
        for net in set(design.pin_net[missing].tolist()) - {-1}:
            for alias in design.netlist.net_names[net]:
                row = names.get(alias)
                if row is not None:
                    net_row[net] = row
                    break
        on_net = design.pin_net[missing] >= 0
        rows[missing[on_net]] = net_row[design.pin_net[missing[on_net]]]
    annotated = rows >= 0
    window = activity.window_s
    transitions = np.where(annotated, activity.transitions[np.maximum(rows, 0)], 0.0)
    duty = np.where(annotated, activity.duty[np.maximum(rows, 0)], 0.0)
    density = transitions / window
    result = PinActivity(density=density, duty=duty, transitions=transitions, window_s=window,
                         annotated=annotated, state_duty={}, source=activity.source)
    apply_defaults(design, result, clock_period_s)
    for key, group in design.groups.items():
        for seq in group.cell.sequentials:
            for var, invert in ((seq.output, False), (seq.output_inv, True)):
                if var is None:
                    continue
                values = np.full(group.instances.size, np.nan)
                for k, inst in enumerate(group.instances.tolist()):
                    row = names.get(f"{design.instance_names[inst]}/{var}")
                    if row is not None:
                        values[k] = activity.duty[row]
                result.state_duty[(key, var)] = values
    fill_state_duties(design, result)
    return result


def apply_defaults(design: LinkedDesign, activity: PinActivity, clock_period_s: float) -> None:
    """Constants (density 0, duty = value) and unannotated ideal-clock pins (2 per period,
    duty 0.5), in place."""
    constant = design.pin_constant >= 0
    activity.density[constant] = 0.0
    activity.duty[constant] = design.pin_constant[constant]
    if activity.transitions is not None:
        activity.transitions[constant] = 0.0
    on_net = design.pin_net >= 0
    clock = np.zeros(design.pin_count, dtype=bool)
    clock[on_net] = design.net_clock[design.pin_net[on_net]]
    fill = clock & ~activity.annotated & ~constant
    activity.density[fill] = 2.0 / clock_period_s
    activity.duty[fill] = 0.5
    if activity.transitions is not None and activity.window_s is not None:
        activity.transitions[fill] = 2.0 * activity.window_s / clock_period_s


def fill_state_duties(design: LinkedDesign, activity: PinActivity) -> None:
    """State variables without a duty (NaN) take P(data input = 1), inverted for ``IQN``."""
    for key, group in design.groups.items():
        for seq in group.cell.sequentials:
            if seq.data is None:
                continue
            columns = []
            for var in seq.data.variables:
                index = group.pins.get(var)
                columns.append(np.where(index >= 0, activity.duty[np.maximum(index, 0)], 0.0)
                               if index is not None else np.zeros(group.instances.size))
            data_duty = seq.data.probability(np.stack(columns, axis=1) if columns else
                                             np.zeros((group.instances.size, 0)))
            for var, value in ((seq.output, data_duty), (seq.output_inv, 1.0 - data_duty)):
                if var is None:
                    continue
                current = activity.state_duty.setdefault(
                    (key, var), np.full(group.instances.size, np.nan))
                missing = np.isnan(current)
                current[missing] = value[missing]
