"""SDC constraints for a single-clock design, from ``constraints/core.sdc.tmpl``."""

from __future__ import annotations

import os
from pathlib import Path

from ..fileio import atomic_write_text
from ..resources import CONSTRAINTS_DIR, render_template

SDC_TEMPLATE = CONSTRAINTS_DIR / "core.sdc.tmpl"


def _number(value: float) -> str:
    """A plain decimal for SDC (no exponent: the 2019 OpenSTA and OpenROAD both read it)."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def render_sdc(*, design: str, clock_port: str, clock_period_ns: float,
               input_delay_ns: float = 0.0, output_delay_ns: float = 0.0,
               time_unit_ns: float = 1.0, max_fanout: int | None = None,
               max_transition_ns: float | None = None) -> str:
    """SDC text: one clock on ``clock_port``, input/output delays relative to it and, when
    given, the design rules ``max_fanout`` (sinks) and ``max_transition_ns``.

    SDC numbers are in the time unit of the first liberty the tool reads, so every time is
    given here in ns and divided by ``time_unit_ns`` (1 for ns libraries, 0.001 for ASAP7's
    ps). The clock is named after its port.
    """
    if clock_period_ns <= 0:
        raise ValueError(f"clock period must be positive, got {clock_period_ns} ns")
    rules = []
    if max_fanout is not None:
        rules.append(f"set_max_fanout {max_fanout} [current_design]")
    if max_transition_ns is not None:
        rules.append(f"set_max_transition {_number(max_transition_ns / time_unit_ns)} "
                     "[current_design]")
    if rules:
        rules.insert(0, "# Design rules (Sparrow repairs the netlist to them).")
    return render_template(SDC_TEMPLATE.read_text(), {
        "DESIGN": design,
        "CLOCK_PORT": clock_port,
        "PERIOD": _number(clock_period_ns / time_unit_ns),
        "INPUT_DELAY": _number(input_delay_ns / time_unit_ns),
        "OUTPUT_DELAY": _number(output_delay_ns / time_unit_ns),
        "TIME_UNIT": f"{time_unit_ns:g} ns",
        "DESIGN_RULES": "\n".join(rules),
    }, name=SDC_TEMPLATE.name)


def write_sdc(path: str | os.PathLike, **kwargs) -> Path:
    """Write ``render_sdc(**kwargs)`` to ``path`` atomically; return the path."""
    return atomic_write_text(path, render_sdc(**kwargs))
