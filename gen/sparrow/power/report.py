"""The result of a power computation: totals, OpenSTA's groups, instances, blocks, energy.

Every power figure is in watts, energies in joules, times in seconds. ``to_dict`` uses
LibreLane-style metric names (``power__internal__total`` ... ``power__total``) plus
per-group figures (``power__internal__sequential`` ...), the energy over the activity
window (``power__energy__window``, J), the window (``power__window__seconds``) and the
annotated-pin fraction (``power__annotated__fraction``).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from ..fileio import atomic_write

GROUPS = ("Sequential", "Combinational", "Clock", "Macro", "Pad")
_AUTO_NAME = re.compile(r"^(?:.*/)?(?:_\d+_|\$.*)$")


@dataclass(frozen=True)
class PowerBreakdown:
    """Internal, switching and leakage power (W) of a set of instances."""

    internal_w: float = 0.0
    switching_w: float = 0.0
    leakage_w: float = 0.0
    instances: int = 0
    transitions: float = 0.0        # pin transitions whose energy was looked up
    above_range: float = 0.0        # of those, at a slew or load above the table's range
    below_range: float = 0.0        # below it

    @property
    def total_w(self) -> float:
        return self.internal_w + self.switching_w + self.leakage_w

    @property
    def extrapolated_fraction(self) -> float:
        """Share of the looked-up pin transitions that lay above a table's range."""
        return self.above_range / self.transitions if self.transitions else 0.0

    @property
    def below_range_fraction(self) -> float:
        """Share of the looked-up pin transitions that lay below a table's range."""
        return self.below_range / self.transitions if self.transitions else 0.0

    def to_dict(self) -> dict:
        return {"internal_W": self.internal_w, "switching_W": self.switching_w,
                "leakage_W": self.leakage_w, "total_W": self.total_w,
                "instances": self.instances,
                "extrapolated_fraction": self.extrapolated_fraction,
                "below_range_fraction": self.below_range_fraction}


@dataclass
class PowerReport:
    """Power of one design under one activity. Per-instance arrays follow ``instances``."""

    top: str
    netlist: Path
    liberty: tuple[Path, ...]
    activity_source: str
    clock_port: str | None
    clock_period_s: float
    window_s: float | None
    instances: list[str]
    cells: list[str]
    groups_of: list[str]
    internal_w: np.ndarray
    switching_w: np.ndarray
    leakage_w: np.ndarray
    internal_energy_j: np.ndarray
    switching_energy_j: np.ndarray
    annotated_pins: int
    total_pins: int
    unannotated: list[str]
    output_nets: list[list[str]] = field(repr=False, default_factory=list)
    fanout: list[list[int]] = field(repr=False, default_factory=list)
    timings_s: dict[str, float] = field(default_factory=dict)
    vcd_stats: dict | None = None     # bytes (uncompressed), value_changes, seconds, cpu_seconds
    constant_pins: int = 0            # pins tied to a constant, not in the activity source
    transitions: np.ndarray | None = field(repr=False, default=None)   # per instance, see
    above_range: np.ndarray | None = field(repr=False, default=None)   # compute.InstancePower
    below_range: np.ndarray | None = field(repr=False, default=None)

    # ---------------------------------------------------------------- totals
    def _breakdown(self, mask: np.ndarray) -> PowerBreakdown:
        ranges = {}
        if self.transitions is not None:
            ranges = {"transitions": float(self.transitions[mask].sum()),
                      "above_range": float(self.above_range[mask].sum()),
                      "below_range": float(self.below_range[mask].sum())}
        return PowerBreakdown(internal_w=float(self.internal_w[mask].sum()),
                              switching_w=float(self.switching_w[mask].sum()),
                              leakage_w=float(self.leakage_w[mask].sum()),
                              instances=int(np.count_nonzero(mask)), **ranges)

    @property
    def total(self) -> PowerBreakdown:
        return self._breakdown(np.ones(len(self.instances), dtype=bool))

    @property
    def internal_total_w(self) -> float:
        return float(self.internal_w.sum())

    @property
    def switching_total_w(self) -> float:
        return float(self.switching_w.sum())

    @property
    def leakage_total_w(self) -> float:
        return float(self.leakage_w.sum())

    @property
    def total_w(self) -> float:
        return self.internal_total_w + self.switching_total_w + self.leakage_total_w

    @property
    def groups(self) -> dict[str, PowerBreakdown]:
        """OpenSTA's report_power groups."""
        labels = np.array(self.groups_of)
        return {g: self._breakdown(labels == g) for g in GROUPS}

    @property
    def energy_j(self) -> float | None:
        """Energy (J) over the activity window: per-transition energies times transition
        counts, plus leakage x window. None for vectorless activity (no window)."""
        if self.window_s is None:
            return None
        return float(self.internal_energy_j.sum() + self.switching_energy_j.sum()
                     + self.leakage_w.sum() * self.window_s)

    @property
    def annotated_fraction(self) -> float:
        """Cell pins whose activity came from the activity source / all cell pins."""
        return self.annotated_pins / self.total_pins if self.total_pins else 1.0

    @property
    def known_fraction(self) -> float:
        """Cell pins whose activity is known exactly (from the source, or tied to a
        constant) / all cell pins; the rest were estimated by propagation."""
        known = self.annotated_pins + self.constant_pins
        return known / self.total_pins if self.total_pins else 1.0

    # ---------------------------------------------------------------- attribution
    def by_cell(self) -> dict[str, PowerBreakdown]:
        """Power per cell type."""
        labels = np.array(self.cells)
        return {c: self._breakdown(labels == c) for c in sorted(set(self.cells))}

    def by_block(self, blocks: Mapping[str, Sequence[str | re.Pattern]]
                 ) -> dict[str, PowerBreakdown]:
        """Power per block, blocks given as {name: [prefix or compiled regex, ...]}.

        An instance belongs to the first block with a pattern that matches its name (a
        string matches as a prefix, a regex with ``search``). Synthesis gives most cells
        automatic names (``_123_``); such an instance is matched through the public names
        of the nets its outputs drive (``\\core.lanes.acc[3]`` -> ``core.lanes.acc[3]``),
        and failing that it joins the block of its fan-out when all the instances it drives
        belong to one block (repeated, so whole logic cones follow the registers they feed).
        Instances no block claims are reported as ``"other"``. Names are most reliable when
        the netlist keeps its hierarchy (instances ``lanes/_12_``, prefix ``"lanes/"``).
        """
        compiled = []
        for name, patterns in blocks.items():
            if name == "other":
                raise ValueError("'other' is reserved for unmatched instances")
            if isinstance(patterns, (str, re.Pattern)):
                patterns = [patterns]
            compiled.append((name, [p if isinstance(p, re.Pattern) else str(p)
                                    for p in patterns]))

        def matches(text: str, patterns) -> bool:
            return any(text.startswith(p) if isinstance(p, str) else p.search(text) is not None
                       for p in patterns)

        owner = np.full(len(self.instances), len(compiled), dtype=np.int64)
        for i, inst in enumerate(self.instances):
            candidates = [inst]
            if _AUTO_NAME.match(inst) and i < len(self.output_nets):
                candidates += [n for n in self.output_nets[i] if not _AUTO_NAME.match(n)]
            for b, (_, patterns) in enumerate(compiled):
                if any(matches(text, patterns) for text in candidates):
                    owner[i] = b
                    break
        unclaimed = len(compiled)
        changed = bool(self.fanout)
        while changed:
            changed = False
            for i in np.flatnonzero(owner == unclaimed).tolist():
                targets = {int(owner[j]) for j in self.fanout[i]}
                if len(targets) == 1 and unclaimed not in targets:
                    owner[i] = targets.pop()
                    changed = True
        result = {name: self._breakdown(owner == b) for b, (name, _) in enumerate(compiled)}
        result["other"] = self._breakdown(owner == len(compiled))
        return result

    # ---------------------------------------------------------------- output
    def to_dict(self) -> dict:
        """Metrics with LibreLane-style names; power in W, energy in J, time in s."""
        out = {
            "power__internal__total": self.internal_total_w,
            "power__switching__total": self.switching_total_w,
            "power__leakage__total": self.leakage_total_w,
            "power__total": self.total_w,
        }
        for name, group in self.groups.items():
            key = name.lower()
            out[f"power__internal__{key}"] = group.internal_w
            out[f"power__switching__{key}"] = group.switching_w
            out[f"power__leakage__{key}"] = group.leakage_w
            out[f"power__total__{key}"] = group.total_w
        out["power__energy__window"] = self.energy_j
        out["power__window__seconds"] = self.window_s
        out["power__annotated__fraction"] = self.annotated_fraction
        out["power__clock__period"] = self.clock_period_s
        out["power__activity__source"] = self.activity_source
        return out

    def write_instance_table(self, path: Path | str) -> None:
        """Per-instance table (TSV: instance, cell, group, internal_W, switching_W,
        leakage_W, total_W), written to a temporary file and moved into place."""
        def write(handle) -> None:
            writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
            writer.writerow(["instance", "cell", "group", "internal_W", "switching_W",
                             "leakage_W", "total_W"])
            for i, name in enumerate(self.instances):
                values = (self.internal_w[i], self.switching_w[i], self.leakage_w[i])
                writer.writerow([name, self.cells[i], self.groups_of[i],
                                 *(f"{v:.6e}" for v in values), f"{sum(values):.6e}"])

        atomic_write(path, write)

    def summary(self) -> str:
        """A report_power-like table (W) with the activity source and annotation."""
        lines = [f"Power of {self.top} ({self.activity_source}; clock "
                 f"{self.clock_period_s * 1e9:g} ns; {self.annotated_pins}/{self.total_pins} "
                 f"cell pins annotated" + (f", {self.constant_pins} tied to constants"
                                           if self.constant_pins else "") + ")",
                 f"{'Group':<16}{'Internal':>14}{'Switching':>14}{'Leakage':>14}{'Total':>14}"
                 "   (W)"]
        for name, g in list(self.groups.items()) + [("Total", self.total)]:
            lines.append(f"{name:<16}{g.internal_w:>14.6e}{g.switching_w:>14.6e}"
                         f"{g.leakage_w:>14.6e}{g.total_w:>14.6e}")
        if self.energy_j is not None:
            lines.append(f"Energy over the {self.window_s:g} s window: {self.energy_j:.6e} J")
        if self.unannotated:
            shown = ", ".join(self.unannotated[:5])
            more = f" and {len(self.unannotated) - 5} more" if len(self.unannotated) > 5 else ""
            lines.append(f"Warning: {len(self.unannotated)} cell pins have no activity in the "
                         f"source ({shown}{more}); they got OpenSTA's default (clock) or "
                         "activity propagated from their inputs")
        return "\n".join(lines)
