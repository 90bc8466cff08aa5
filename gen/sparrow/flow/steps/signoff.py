"""Flow step: the sign-off verdict. A run's numbers count only on a netlist that meets the
library's design rules and its timing, with power read inside the library's tables."""

from __future__ import annotations

import json
from pathlib import Path

from ...errors import SparrowError
from .. import variables as v
from ..state import State, view_files
from ..step import Step, StepContext

EXTRAPOLATION_LIMIT = 0.001
"""Largest share of power lookups above a table's range a sign-off run may have (0.1 %)."""


def signoff_reasons(metrics: dict) -> list[str]:
    """Why a run with ``metrics`` is not a sign-off result (empty when it is)."""
    reasons = []
    for key, what in (("design__max_slew_violation__count", "max-transition"),
                      ("design__max_cap_violation__count", "max-capacitance"),
                      ("design__max_fanout_violation__count", "max-fanout")):
        count = metrics.get(key)
        if count is None:
            reasons.append(f"{what} not checked")
        elif count:
            reasons.append(f"{count} {what} violators")
    for key, what in (("timing__setup__ws", "setup"), ("timing__hold__ws", "hold")):
        slack = metrics.get(key)
        if slack is not None and slack < 0:
            reasons.append(f"{what} slack {slack:.3f} ns at a {metrics['timing__clock_period']:g} "
                           "ns clock")
    if not metrics.get("timing__clock__propagated", False):
        reasons.append("clocks not propagated (ideal clocks)")
    if metrics.get("timing__unclocked_register__count"):
        reasons.append(f"{metrics['timing__unclocked_register__count']} unclocked registers")
    extrapolated = metrics.get("power__extrapolated__fraction")
    if extrapolated is not None and extrapolated > EXTRAPOLATION_LIMIT:
        reasons.append(f"{extrapolated:.2%} of power lookups above the liberty tables' range")
    return reasons


class SignoffStep(Step):
    """Views ``timing_report`` + ``power_report`` -> ``signoff`` (``signoff.json``): whether
    the run is a sign-off result and why not. With ``STRICT`` a run that is not fails here,
    after its numbers were measured and written."""
    id = "sparrow.signoff"
    name = "Sign-off verdict"
    inputs = ("timing_report", "power_report")
    outputs = ("signoff",)
    config_vars = (v.STRICT,)
    source = "sparrow.flow.steps.signoff (timing, design rules and power-table checks)"

    def run(self, state: State, step_dir: Path, ctx: StepContext):
        metrics = {}
        for view in self.inputs:
            metrics.update(json.loads(view_files(state.view(view))[0].read_text())["metrics"])
        reasons = signoff_reasons(metrics)
        path = step_dir / "signoff.json"
        path.write_text(json.dumps({"signoff": not reasons, "reasons": reasons}, indent=1) + "\n")
        ctx.progress("sign-off result" if not reasons else
                     "NOT a sign-off result: " + "; ".join(reasons))
        if reasons and ctx.config["STRICT"]:
            raise SparrowError("not a sign-off result (--strict): " + "; ".join(reasons))
        return {"signoff": path}, {"flow__signoff": not reasons,
                                   "flow__signoff__reasons": reasons}
