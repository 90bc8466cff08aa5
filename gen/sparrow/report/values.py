"""Numbers as a person reads them: with their unit, SI-prefixed where the unit takes one."""

from __future__ import annotations

import math

_PREFIXES = ((1e0, ""), (1e-3, "m"), (1e-6, "µ"), (1e-9, "n"), (1e-12, "p"), (1e-15, "f"))
PREFIXED_UNITS = ("W", "J", "s")
"""Units shown with an SI prefix (1.04e-4 W -> 104 µW); the others keep their own scale
(µm², ns and MHz are already the scale a designer reads)."""


def si_scale(magnitude: float, unit: str) -> tuple[float, str]:
    """The scale and prefixed unit to show numbers of about ``magnitude`` (in ``unit``) with:
    ``si_scale(4e-8, "J")`` -> ``(1e-9, "nJ")``; ``(1.0, unit)`` for units without
    prefixes, zero or non-finite magnitudes."""
    if unit not in PREFIXED_UNITS or magnitude == 0 or not math.isfinite(magnitude):
        return 1.0, unit
    scale, prefix = next(((s, p) for s, p in _PREFIXES if abs(magnitude) >= s), _PREFIXES[-1])
    return scale, prefix + unit


def format_value(value, unit: str) -> str:
    """A metric value with its unit; watts, joules and seconds with an SI prefix
    (1.04e-4 W -> 104 µW); booleans as yes/no, lists joined with "; "."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value) or "none"
    if not isinstance(value, (int, float)):
        return f"{value} {unit}".strip()
    if isinstance(value, int):
        return f"{value:,} {unit}".strip()
    if unit in PREFIXED_UNITS and value != 0 and math.isfinite(value):
        scale, shown = si_scale(value, unit)
        return f"{value / scale:.4g} {shown}"
    return f"{value:,.6g} {unit}".strip()


def format_short(value, unit: str) -> str:
    """``format_value`` with at most four significant digits, for headline figures
    (7.87444 MHz -> 7.874 MHz); large numbers keep their integer digits (512,659 µm²)."""
    if isinstance(value, float) and unit not in PREFIXED_UNITS and math.isfinite(value):
        return (f"{value:,.0f} {unit}" if abs(value) >= 1000 else f"{value:.4g} {unit}").strip()
    return format_value(value, unit)


def format_percent(fraction: float) -> str:
    """A fraction (0..1) as a percentage with three significant digits: 0.1234 -> "12.3 %";
    a small non-zero share keeps two digits (2e-6 -> "0.0002 %") so it never reads as 0."""
    percent = 100 * fraction
    if percent == 0 or abs(percent) >= 1:
        return f"{percent:.3g} %" if abs(percent) < 1000 else f"{percent:,.0f} %"
    return f"{percent:.2g} %"


def format_slack(value_ns: float) -> str:
    """A slack with its sign (+123 ns, -18.2 ns): its sign is the verdict."""
    return f"{value_ns:+,.4g} ns"
