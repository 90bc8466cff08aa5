"""Plots for the run report (matplotlib, Agg backend: no display needed).

Values come in base units (W, J, µm², ns) and are drawn in the SI-prefixed unit their largest
value reads best in (nJ, µW): the axis label names the quantity and that unit, every bar says
its value (and its share of the total, for a breakdown). The PNG's ``Title`` and
``Description`` text fields carry the plot title and the axis label, so a test can check the
unit of a saved plot without looking at its pixels.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)

from ..fileio import atomic_write_bytes  # noqa: E402
from .values import format_percent, si_scale  # noqa: E402

BLUE, ORANGE, GREEN, RED = "#4c72b0", "#dd8452", "#55a868", "#c44e52"


def _save(fig, path: Path) -> Path:
    """Write ``fig`` as a PNG at ``path`` atomically, its title and x label as text fields."""
    ax = fig.axes[0]
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight",
                metadata={"Title": ax.get_title(), "Description": ax.get_xlabel()})
    plt.close(fig)
    return atomic_write_bytes(path, buffer.getvalue())


def _number(x: float) -> str:
    """A bar label: three significant digits, thousands separated (12,346 not 1.23e+04)."""
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"


def _largest_first(values: Mapping[str, float], limit: int) -> list[tuple[str, float]]:
    """Items by value, largest first; past ``limit`` the smallest summed as "other"."""
    items = sorted(values.items(), key=lambda kv: kv[1], reverse=True)
    if len(items) > limit:
        items = items[: limit - 1] + [("other", sum(v for _, v in items[limit - 1:]))]
    return items


def bar_chart(values: Mapping[str, float], path: Path, *, title: str, quantity: str,
              unit: str, limit: int = 20) -> str:
    """A breakdown as horizontal bars, largest on top (at most ``limit``; the rest summed as
    "other"). ``values`` in ``unit`` (W, J, µm²); axis label ``quantity (prefixed unit)``,
    each bar labelled with its value and its share of the total. Returns the prefixed unit
    drawn (``nJ``)."""
    items = _largest_first(values, limit)
    scale, shown = si_scale(max(abs(v) for _, v in items), unit)
    whole = sum(v for _, v in items) or 1.0
    labels = [k for k, _ in items][::-1]
    numbers = [v / scale for _, v in items][::-1]
    fig, ax = plt.subplots(figsize=(7, 0.9 + 0.3 * len(items)))
    bars = ax.barh(labels, numbers, color=BLUE)
    ax.bar_label(bars, labels=[f"{_number(v / scale)} {shown} ({format_percent(v / whole)})"
                               for _, v in items][::-1], padding=3, fontsize=8)
    ax.margins(x=0.3)                    # room for the labels right of the longest bar
    ax.set_title(title)
    ax.set_xlabel(f"{quantity} ({shown})")
    ax.grid(axis="x", alpha=0.3)
    _save(fig, path)
    return shown


def paired_bar_chart(first: Mapping[str, float], second: Mapping[str, float], path: Path, *,
                     names: tuple[str, str], title: str, quantity: str, unit: str) -> str:
    """Two values per item side by side (zero-delay vs timed energy by block), items ordered
    by the second value, largest on top; ``first`` and ``second`` in ``unit``. Returns the
    prefixed unit drawn."""
    keys = sorted(set(first) | set(second), key=lambda k: second.get(k, 0.0))
    scale, shown = si_scale(max(abs(v) for v in [*first.values(), *second.values()]), unit)
    fig, ax = plt.subplots(figsize=(7, 1.1 + 0.5 * len(keys)))
    height, rows = 0.4, range(len(keys))
    for offset, values, name, color in ((height / 2, first, names[0], BLUE),
                                        (-height / 2, second, names[1], ORANGE)):
        bars = ax.barh([r + offset for r in rows], [values.get(k, 0.0) / scale for k in keys],
                       height=height, color=color, label=name)
        ax.bar_label(bars, labels=[_number(values[k] / scale) if k in values else "not measured"
                                   for k in keys], padding=3, fontsize=7)
    ax.set_yticks(list(rows), keys)
    ax.margins(x=0.2)
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(title)
    ax.set_xlabel(f"{quantity} ({shown})")
    ax.grid(axis="x", alpha=0.3)
    _save(fig, path)
    return shown


def slack_chart(period_ns: float, setup_ws_ns: float | None, hold_ws_ns: float | None,
                path: Path) -> Path:
    """Clock period against the worst setup and hold slack (ns); negative slack in red."""
    rows = [("clock period", period_ns)]
    if setup_ws_ns is not None:
        rows.append(("worst setup slack", setup_ws_ns))
    if hold_ws_ns is not None:
        rows.append(("worst hold slack", hold_ws_ns))
    fig, ax = plt.subplots(figsize=(7, 0.9 + 0.45 * len(rows)))
    bars = ax.barh([r[0] for r in rows][::-1], [r[1] for r in rows][::-1],
                   color=[RED if r[1] < 0 else GREEN for r in rows][::-1])
    ax.bar_label(bars, fmt="%.4g ns", padding=3, fontsize=8)   # tiny slacks stay readable
    ax.axvline(0, color="black", linewidth=0.8)
    ax.margins(x=0.2)
    ax.set_xlabel("time (ns, OpenSTA)")
    ax.set_title("Clock period and worst slack")
    return _save(fig, path)
