"""Switching activity of named signals over an observation window.

Names are relative to the design under test: a cell pin is ``<instance>/<pin>``
(``_0977_/CLK``, ``u0/_12_/Y`` in a hierarchical netlist), a net or port bit is its name
(``din[3]``, ``u0.acc[2]``). Two sources:

* a VCD of a gate-level simulation (``Activity.from_vcd``), read with ``vcd.VcdFile``;
* the toggle counts of a gate-level simulation that counted while it ran
  (``Activity.from_counts``: the file ``sparrow.sim.counter`` writes, the same counts and
  time at 1 over the same window as the VCD of that run would give);
* a table in the power reference's ``pin_activity.tsv(.gz)`` format (``pin``, ``kind``,
  ``transitions``, ``activity_per_period``, ``duty``), used to feed OpenSTA's own activities
  into the computation in tests (``Activity.from_pin_table``).
"""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

from .. import units
from .errors import ActivityError
from .vcd import VcdActivity, VcdFile


COUNTS_MAGIC = "# sparrow activity counts 1"


def _tick_s(precision: int) -> float:
    """10^precision s as the VCD reader computes its $timescale (``100 ps`` = 100 x 1e-12)."""
    exponent = precision - precision % 3 if precision < 0 else 0
    prefix = {0: "", -3: "m", -6: "u", -9: "n", -12: "p", -15: "f"}.get(exponent)
    if prefix is None:
        raise ValueError(f"time precision 1e{precision} s")
    return 10 ** (precision - exponent) * units.scale(prefix + "s", "s")


@dataclass
class Activity:
    """Per name: transitions in the window (X/Z changes count 0.5) and duty (fraction of the
    window at 1). ``window_s`` is the window length (s); ``vcd`` keeps the reader's
    statistics (bytes, value changes, seconds) when the source was a VCD."""

    names: dict[str, int]
    transitions: np.ndarray
    duty: np.ndarray
    window_s: float
    source: str
    vcd: VcdActivity | None = None

    @classmethod
    def from_vcd(cls, path: Path | str, scope: str = "", wanted: Iterable[str] | None = None,
                 window_s: tuple[float, float] | None = None) -> "Activity":
        """Activity of the ``wanted`` names (default: every bit under ``scope``) from a VCD
        (plain or gzip), over ``window_s`` = (start, end) in seconds (default: whole file)."""
        counted = VcdFile(path, scope).read(wanted=wanted, window_s=window_s)
        duty = counted.high_time_s / counted.window_s
        where = f" scope {scope}" if scope else ""
        return cls(names=counted.names, transitions=counted.transitions, duty=duty,
                   window_s=counted.window_s, source=f"VCD {Path(path).name}{where}",
                   vcd=counted)

    @classmethod
    def from_counts(cls, path: Path | str) -> "Activity":
        """Activity from a toggle-count file: a ``# sparrow activity counts 1`` line,
        ``precision <p>`` (a tick is 10^p s), ``window <t0> <t1>`` (ticks), ``scope
        <name>``, then per bit: name, transitions, ticks at 1 (tab-separated)."""
        path = Path(path)
        try:
            lines = path.read_text().splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise ActivityError(f"{path}: cannot read toggle counts ({exc})") from None
        if not lines or lines[0] != COUNTS_MAGIC or len(lines) < 4:
            raise ActivityError(f"{path}: not a toggle-count file (first line is not "
                                f"{COUNTS_MAGIC!r})")
        try:
            head = [line.split("\t") for line in lines[1:4]]
            if [h[0] for h in head] != ["precision", "window", "scope"]:
                raise ValueError("header lines precision, window, scope expected")
            tick = _tick_s(int(head[0][1]))
            t0, t1 = int(head[1][1]), int(head[1][2])
            scope = head[2][1]
            rows = [line.split("\t") for line in lines[4:]]
            names = {row[0]: i for i, row in enumerate(rows)}
            transitions = np.array([float(row[1]) for row in rows])
            high_ticks = np.array([float(row[2]) for row in rows])
        except (ValueError, IndexError) as exc:
            raise ActivityError(f"{path}: malformed toggle counts ({exc})") from None
        if t1 <= t0 or len(names) != len(rows):
            raise ActivityError(f"{path}: empty window or repeated names in toggle counts")
        # The same arithmetic as the VCD reader's, so both give identical floats.
        window_s = (t1 - t0) * tick
        duty = high_ticks * tick / window_s
        return cls(names=names, transitions=transitions, duty=duty, window_s=window_s,
                   source=f"toggle counts {path.name} scope {scope}")

    @classmethod
    def from_pin_table(cls, path: Path | str, clock_period_s: float) -> "Activity":
        """Activity from a ``pin_activity.tsv`` table; the window follows from transitions /
        activity_per_period x clock period (the table's rows must agree on it)."""
        path = Path(path)
        try:
            raw = path.read_bytes()
            text = gzip.decompress(raw).decode() if raw[:2] == b"\x1f\x8b" else raw.decode()
        except (OSError, EOFError, ValueError) as exc:
            raise ActivityError(f"{path}: cannot read activity table ({exc})") from None
        reader = csv.DictReader(io.StringIO(text), delimiter="\t")
        need = {"pin", "transitions", "activity_per_period", "duty"}
        if not reader.fieldnames or not need <= set(reader.fieldnames):
            raise ActivityError(f"{path}: activity table needs columns {sorted(need)}")
        names: dict[str, int] = {}
        transitions: list[float] = []
        duty: list[float] = []
        # activity_per_period is printed rounded: the busiest signal gives the window with
        # the most significant digits.
        busiest_count, busiest_activity = 0.0, 0.0
        try:
            for row in reader:
                names[row["pin"]] = len(transitions)
                count = float(row["transitions"])
                per_period = float(row["activity_per_period"])
                transitions.append(count)
                duty.append(float(row["duty"]))
                if count > busiest_count and per_period > 0:
                    busiest_count, busiest_activity = count, per_period
        except (ValueError, KeyError, TypeError) as exc:
            raise ActivityError(f"{path}: malformed activity table ({exc})") from None
        if busiest_count == 0:
            raise ActivityError(f"{path}: no signal in the activity table toggles")
        window_s = busiest_count / busiest_activity * clock_period_s
        return cls(names=names, transitions=np.array(transitions), duty=np.array(duty),
                   window_s=window_s, source=f"activity table {path.name}")
