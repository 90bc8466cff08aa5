"""Metric names, units and meanings (LibreLane-style ``category__object__property`` names).

A metric may carry a modifier after the base name, ``<base>__<kind>:<value>``, e.g.
``design__instance__count__cell:DFFPOSX1`` (cells of type DFFPOSX1) or
``flow__wall_time__step:yosys.synthesis``; it has the unit of its base. Every metric a step
reports must have a spec here or in the step's ``metric_specs``, so ``metrics.json`` can say
the unit of every number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class MetricSpec:
    """Unit (SI symbol, "cells", "" for a name or a count of things named in the metric) and
    a one-line meaning."""
    unit: str
    description: str


METRICS: dict[str, MetricSpec] = {
    # synthesis (Yosys stat + the library's liberty file)
    "design__instance__count": MetricSpec("cells", "standard-cell instances in the netlist"),
    "design__instance__count__cell": MetricSpec("cells", "instances of one cell type"),
    "design__instance__count__flipflop": MetricSpec("cells", "flip-flop instances"),
    "design__instance__count__latch": MetricSpec("cells", "latch instances (incl. clock-gate latches)"),
    "design__instance__count__clock_gate": MetricSpec("gates", "sparrow_clock_gate instances"),
    "design__instance__area": MetricSpec("µm²", "total cell area from the liberty cell areas"),
    "design__instance__area__cell": MetricSpec("µm²", "area of all instances of one cell type"),
    "design__instance__area__kge": MetricSpec(
        "kGE", "area in thousands of NAND2 gate equivalents (area / library NAND2 area / 1000)"),
    "design__instance__area__zero_area_cells": MetricSpec(
        "cells", "instances of cells whose liberty area is 0 (not counted in the area)"),
    # static timing (OpenSTA)
    "timing__clock_period": MetricSpec("ns", "clock period used for timing"),
    "timing__setup__ws": MetricSpec("ns", "worst setup (max-path) slack over all path groups"),
    "timing__hold__ws": MetricSpec("ns", "worst hold (min-path) slack over all path groups"),
    "timing__setup_r2r__ws": MetricSpec(
        "ns", "worst setup slack of the paths between edge-triggered registers"),
    "timing__fmax": MetricSpec(
        "MHz", "1 / (clock period - worst setup slack between edge-triggered registers): the "
               "clock at which the worst full-cycle register path has zero slack"),
    "timing__critical_path__delay": MetricSpec("ns", "data arrival time of the worst setup path"),
    "timing__critical_path__startpoint": MetricSpec("", "start of the worst setup path"),
    "timing__critical_path__endpoint": MetricSpec("", "end of the worst setup path"),
    "timing__unclocked_register__count": MetricSpec(
        "pins", "register/latch clock pins that no clock reaches (OpenSTA check_setup -no_clock)"),
    "timing__clock__propagated": MetricSpec(
        "", "clocks propagated through the clock trees (true) or ideal (false)"),
    "timing__hold__violation__count": MetricSpec("endpoints", "hold-violating endpoints"),
    "timing__max_slew_violation__count__opensta": MetricSpec(
        "pins", "max-transition violators as OpenSTA counts them (report_check_types)"),
    "clock__skew__worst_setup": MetricSpec("ns", "worst clock skew of setup checks (OpenSTA)"),
    "clock__skew__worst_hold": MetricSpec("ns", "worst clock skew of hold checks (OpenSTA)"),
    # design rules (sparrow.sta.design_rules, counted as OpenSTA counts them)
    "design__max_slew_violation__count": MetricSpec(
        "pins", "pins whose transition exceeds the max transition"),
    "design__max_cap_violation__count": MetricSpec(
        "pins", "driver pins whose load exceeds their max capacitance (or characterised load)"),
    "design__max_fanout_violation__count": MetricSpec(
        "pins", "driver pins with more load pins than the max fanout"),
    # sign-off verdict
    "flow__signoff": MetricSpec("", "true when the run is a sign-off result (see reasons)"),
    "flow__signoff__reasons": MetricSpec("", "why the run is not a sign-off result"),
    # gate-level simulation (Icarus)
    "gatesim__vcd__end_time": MetricSpec("ns", "time of the last change recorded in the activity VCD"),
    "gatesim__vcd__size": MetricSpec("bytes", "size of the activity VCD"),
    # power (LibreLane names; filled by a power step)
    "power__internal__total": MetricSpec("W", "internal (short-circuit + cell-internal) power"),
    "power__switching__total": MetricSpec("W", "net switching power, 0.5 C V² per transition"),
    "power__leakage__total": MetricSpec("W", "leakage power"),
    "power__total": MetricSpec("W", "internal + switching + leakage power"),
    "power__total__group": MetricSpec("W", "total power of one group (Sequential, Combinational, Clock, ...)"),
    "power__total__block": MetricSpec("W", "total power of one design block (hierarchy prefix)"),
    "power__leakage__block": MetricSpec("W", "leakage power of one design block"),
    # timed gate-level simulation (cell delays): glitches; inference__energy is then timed
    "inference__energy__zero_delay": MetricSpec(
        "J", "energy of one inference from the zero-delay gate-level simulation of the same "
             "inputs (no glitches), beside the timed inference__energy"),
    "inference__energy__zero_delay__block": MetricSpec(
        "J", "zero-delay energy of one inference in one block"),
    "power__total__zero_delay": MetricSpec(
        "W", "total power over the inference window from the zero-delay simulation"),
    "power__glitch__fraction": MetricSpec(
        "", "share of the timed energy per inference that zero-delay simulation misses "
            "(1 - zero-delay energy / timed energy)"),
    "power__glitch__fraction__block": MetricSpec(
        "", "glitch share of one block's timed energy (1 - zero-delay / timed)"),
    # idle power between inferences
    "power__idle__total": MetricSpec(
        "W", "power while idle between inferences: clock running, clock gates closed, no "
             "sample offered (an inference's samples are counted in its energy), measured "
             "over the gate-level idle window"),
    "power__average__clock_stopped": MetricSpec(
        "W", "average power at the inference rate if the core only leaked between "
             "inferences (clock stopped)"),
    "power__average__assumption": MetricSpec(
        "", "what power__average assumes the core does between inferences"),
    # the flow itself
    "flow__wall_time__step": MetricSpec("s", "wall-clock time of one step"),
}


def base_name(name: str) -> str:
    """``design__instance__count__cell:DFFPOSX1`` -> ``design__instance__count__cell``."""
    head, sep, _ = name.partition(":")
    return head if sep else name


def metric_spec(name: str, extra: Mapping[str, MetricSpec] | None = None) -> MetricSpec | None:
    """The spec of ``name`` (or of its base, for a modified name); None when unknown."""
    for table in (extra or {}, METRICS):
        for key in (name, base_name(name)):
            if key in table:
                return table[key]
    return None
