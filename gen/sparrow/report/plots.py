"""Plots for the run report (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)


def _save(fig, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, dpi=110, bbox_inches="tight")
    plt.close(fig)
    tmp.replace(path)
    return path


def bar_chart(values: Mapping[str, float], path: Path, *, title: str, xlabel: str,
              limit: int = 20) -> Path:
    """Horizontal bars, largest first (at most ``limit``; the rest summed as "other")."""
    items = sorted(values.items(), key=lambda kv: kv[1], reverse=True)
    if len(items) > limit:
        items = items[: limit - 1] + [("other", sum(v for _, v in items[limit - 1:]))]
    labels, numbers = [k for k, _ in items][::-1], [v for _, v in items][::-1]
    fig, ax = plt.subplots(figsize=(7, 0.9 + 0.28 * len(items)))
    bars = ax.barh(labels, numbers, color="#4c72b0")
    ax.bar_label(bars, fmt="%.4g", padding=3, fontsize=8)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.grid(axis="x", alpha=0.3)
    return _save(fig, path)


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
                   color=["#c44e52" if r[1] < 0 else "#55a868" for r in rows][::-1])
    ax.bar_label(bars, fmt="%.4g ns", padding=3, fontsize=8)   # tiny slacks stay readable
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel("ns (OpenSTA)")
    ax.set_title("Timing summary")
    return _save(fig, path)
