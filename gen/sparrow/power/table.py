"""NLDM lookup tables with OpenSTA's interpolation and linear extrapolation.

A table has up to three axes; each axis is bound to one quantity: the input slew (liberty
``input_net_transition``, ``input_transition_time``, ``related_pin_transition``,
``constrained_pin_transition``) or the output load (``total_output_net_capacitance``).
Axes and values are stored in SI units (seconds, farads, joules or seconds of output slew).

Lookup follows OpenSTA's ``Table::findValue``: the segment is found by bisection and clamped
to the first or last segment, so values outside the table are *extrapolated linearly* from
the edge segment (never clipped); an axis with a single point contributes no interpolation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SLEW_VARIABLES = frozenset({"input_net_transition", "input_transition_time",
                            "related_pin_transition", "constrained_pin_transition"})
LOAD_VARIABLES = frozenset({"total_output_net_capacitance"})


@dataclass(frozen=True)
class Table:
    """One characterised table: ``values[i, j, k]`` at ``axes[0][i], axes[1][j], axes[2][k]``.

    ``quantities`` names what each axis is indexed by: ``"slew"`` (s), ``"load"`` (F) or
    ``"other"`` (always looked up at 0, as OpenSTA does for axes it does not model).
    """

    quantities: tuple[str, ...]
    axes: tuple[np.ndarray, ...]
    values: np.ndarray

    def span(self, quantity: str) -> tuple[float, float] | None:
        """(lowest, highest) characterised value of ``quantity`` ("slew" or "load"), or None
        when no axis is indexed by it."""
        for q, axis in zip(self.quantities, self.axes):
            if q == quantity:
                return float(axis[0]), float(axis[-1])
        return None

    def lookup(self, slew, load) -> np.ndarray:
        """Value at input slew ``slew`` (s) and load ``load`` (F); both broadcast as arrays."""
        slew = np.asarray(slew, dtype=float)
        load = np.asarray(load, dtype=float)
        shape = np.broadcast_shapes(slew.shape, load.shape)
        if not self.axes:
            return np.full(shape, float(self.values.reshape(-1)[0]))
        points = []
        for quantity, axis in zip(self.quantities, self.axes):
            x = slew if quantity == "slew" else load if quantity == "load" else np.zeros(())
            x = np.broadcast_to(x, shape)
            if axis.size == 1:
                points.append((np.zeros(shape, dtype=np.intp), np.zeros(shape), False))
                continue
            # Segment index clamped to [0, size-2]: outside values extrapolate linearly.
            index = np.clip(np.searchsorted(axis, x, side="right") - 1, 0, axis.size - 2)
            low = axis[index]
            high = axis[index + 1]
            points.append((index, (x - low) / (high - low), True))
        result = np.zeros(shape)
        # Sum over the 2**order corners of the interpolation cell.
        for corner in range(1 << len(points)):
            weight = np.ones(shape)
            idx = []
            skip = False
            for axis_no, (index, frac, interpolated) in enumerate(points):
                upper = (corner >> axis_no) & 1
                if upper and not interpolated:
                    skip = True
                    break
                weight = weight * (frac if upper else 1.0 - frac)
                idx.append(index + upper)
            if not skip:
                result = result + weight * self.values[tuple(idx)]
        return result
