"""Switching activity of named signals over an observation window.

Names are relative to the design under test: a cell pin is ``<instance>/<pin>``
(``_0977_/CLK``, ``u0/_12_/Y`` in a hierarchical netlist), a net or port bit is its name
(``din[3]``, ``u0.acc[2]``). Two sources:

* a VCD of a gate-level simulation (``Activity.from_vcd``), read with ``vcd.VcdFile``;
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

from .errors import ActivityError
from .vcd import VcdActivity, VcdFile


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
