"""Flow step: power and energy per inference from the gate-level switching activity.

Sparrow's own power engine (``sparrow.power``, OpenSTA 2.6 semantics, checked against the
reference reports of ``shared/power-reference``) reads the netlist, the library's liberty
and the toggle counts of the gate-level simulation over the inference window (what its VCD
would give, counted during the run). Debian's OpenSTA (2019)
cannot read per-net activity, so it is not used for these figures (``bench/flow.py`` prints
its vectorless estimate beside them).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from ...hw.core import BLOCKS
from ...library import get_library
from ...power import Activity, compute_powers
from ...repair.clock_tree import CTS_BLOCK
from .. import variables as v
from ..energy import average_power_w
from ..metrics import MetricSpec
from ..state import State, view_files
from ..step import Step, StepContext

CLOCK_GATE_BLOCK = "clock gates"
CLOCK_TREE_BLOCK = "clock tree"


def block_patterns() -> dict[str, list]:
    """Cell-name patterns of the core's blocks in a netlist synthesized with names kept
    (``SYNTH_HIERARCHY=keep_names``: every cell carries its block path; repair names its
    buffers after the block they serve, and the clock trees ``sparrow_cts.*``)."""
    patterns: dict[str, list] = {CLOCK_TREE_BLOCK: [f"{CTS_BLOCK}."]}
    patterns |= {name: [f"{sub}."] for name, sub in BLOCKS.items()}
    # Amaranth renames a submodule that clashes with a signal (``weights$125``).
    for name, sub in BLOCKS.items():
        patterns[name].append(re.compile(rf"^{re.escape(sub)}\$\d+\."))
    patterns[CLOCK_GATE_BLOCK] = [re.compile(r"^\w+_clock_gate\.")]
    return patterns


class PowerStep(Step):
    """Views ``netlist`` + ``activity`` + ``idle_activity`` -> ``power_report`` (JSON) and
    ``power_instances`` (TSV): power over the inference window by group and by block, energy
    per inference, and the average power at an inference rate: the inferences' energy plus,
    between them, the power of the measured idle window (clock running, gates closed), or the
    leakage alone with ``IDLE_CLOCK=stopped``; both figures are reported. With timed activity
    (``activity`` holds the zero-delay and the timed counts) the figures are the timed ones,
    and the zero-delay energy (whole core and by block) and the glitch share are reported
    beside them. The netlist is linked once for all the windows' counts."""
    id = "sparrow.power"
    name = "Power"
    inputs = ("netlist", "activity", "idle_activity")
    outputs = ("power_report", "power_instances")
    config_vars = (v.DESIGN_NAME, v.LIBRARY, v.CLOCK_PERIOD, v.INFERENCE_RATE, v.IDLE_CLOCK)
    metric_specs = {
        "power__annotated__fraction": MetricSpec(
            "", "cell pins whose activity came from the simulation / all cell pins"),
        "power__known__fraction": MetricSpec(
            "", "cell pins whose activity is exact (simulated, or tied to a constant) / all "
                "cell pins; the rest were propagated"),
        "power__activity_source": MetricSpec("", "where the switching activity came from"),
        "power__window": MetricSpec("s", "length of the activity window the power is over"),
        "power__extrapolated__fraction": MetricSpec(
            "", "pin transitions whose energy was looked up above a liberty table's slew or "
                "load range / all looked-up transitions"),
        "power__extrapolated__fraction__block": MetricSpec(
            "", "the same within one block"),
        "power__below_range__fraction": MetricSpec(
            "", "pin transitions looked up below a table's range (light loads, fast edges: "
                "the first table segment extended) / all looked-up transitions"),
        "inference__count": MetricSpec("inferences", "inferences in the activity window"),
        "inference__time": MetricSpec("s", "time of one inference (window / inferences)"),
        "inference__energy": MetricSpec(
            "J", "energy of one inference: per-transition internal and switching energies "
                 "over the window plus leakage, / inferences"),
        "inference__energy__block": MetricSpec("J", "energy of one inference in one block"),
        "inference__rate": MetricSpec("Hz", "inference rate for the average power"),
        "power__activity__timed": MetricSpec(
            "", "true when the figures come from the timed gate-level simulation (SDF cell "
                "delays, glitches counted), false for zero-delay"),
        "power__average": MetricSpec(
            "W", "average power at the inference rate: energy per inference x rate + the idle "
                 "power (power__idle__total, or the leakage when the clock is stopped: see "
                 "power__average__assumption) over the rest of each period"),
    }
    source = "sparrow.power (OpenSTA 2.6 semantics) on the gate-level toggle counts"

    def run(self, state: State, step_dir: Path, ctx: StepContext):
        c = ctx.config
        library = get_library(c["LIBRARY"])
        m = state.metrics
        start, end = m["gatesim__window__start"], m["gatesim__window__end"]
        count = int(m["gatesim__inferences"])
        files = view_files(state.view("activity"))
        timed = len(files) == 2       # (zero-delay counts, timed counts): see the gate-level step
        window_s = (end - start) * 1e-9

        # One netlist, every window's counts (idle last): the netlist is linked once.
        idle_counts = view_files(state.view("idle_activity"))[0]
        counted = [*files, idle_counts]
        ctx.progress(f"toggle counts {', '.join(f.name for f in counted)}; inference window "
                     f"{start:g}-{end:g} ns")
        *reports, idle = compute_powers(
            view_files(state.view("netlist"))[0], library.sta_liberty, c["DESIGN_NAME"],
            activities=[Activity.from_counts(f) for f in counted],
            clock_period_ns=c["CLOCK_PERIOD"], propagated_clock=True)
        report = reports[-1]
        blocks = report.by_block(block_patterns())
        energy = report.energy_j / count
        kind = "timed (SDF cell delays, glitches counted)" if timed else "zero-delay"
        metrics = {
            "power__internal__total": report.internal_total_w,
            "power__switching__total": report.switching_total_w,
            "power__leakage__total": report.leakage_total_w,
            "power__total": report.total_w,
            "power__annotated__fraction": report.annotated_fraction,
            "power__known__fraction": report.known_fraction,
            "power__activity__timed": timed,
            "power__activity_source": (
                f"{kind} gate-level toggle counts of {count} inference(s), window "
                f"{start:g}-{end:g} ns (Icarus + cocotb, {library.name} cell models)"),
            "power__window": window_s,
            "power__extrapolated__fraction": report.total.extrapolated_fraction,
            "power__below_range__fraction": report.total.below_range_fraction,
            "inference__count": count,
            "inference__time": window_s / count,
            "inference__energy": energy,
            "inference__rate": c["INFERENCE_RATE"],
        }
        ctx.progress(f"idle window ({idle_counts.name}): {idle.total_w * 1e6:.3f} µW with the "
                     f"clock running, leakage {idle.leakage_total_w * 1e6:.3f} µW")
        metrics |= self._idle(c, idle.total_w, energy, window_s / count,
                              report.leakage_total_w)
        for name, group in report.groups.items():
            if group.instances:
                metrics[f"power__total__group:{name}"] = group.total_w
        for name, block in blocks.items():
            if block.instances:
                metrics[f"power__total__block:{name}"] = block.total_w
                metrics[f"power__leakage__block:{name}"] = block.leakage_w
                metrics[f"inference__energy__block:{name}"] = block.total_w * window_s / count
                metrics[f"power__extrapolated__fraction__block:{name}"] = \
                    block.extrapolated_fraction
        if timed:
            metrics |= self._zero_delay(reports[0], energy, blocks, window_s, count)
        table = step_dir / "instance_power.tsv"
        report.write_instance_table(table)
        doc = {"summary": report.summary(), "metrics": metrics,
               "groups": {k: v.to_dict() for k, v in report.groups.items()},
               "blocks": {k: v.to_dict() for k, v in blocks.items()},
               "unannotated_pins": report.unannotated[:200],
               "timings_s": report.timings_s}
        path = step_dir / "power.json"
        path.write_text(json.dumps(doc, indent=1) + "\n")
        (step_dir / "power.txt").write_text(report.summary() + "\n")
        return {"power_report": path, "power_instances": table}, metrics

    @staticmethod
    def _idle(c: dict, idle_w: float, energy: float, busy_s: float,
              leakage_w: float) -> dict[str, Any]:
        """The idle window's power (W), and the average power at the rate with it (clock
        running) and with the leakage alone (clock stopped); ``power__average`` takes the one
        ``IDLE_CLOCK`` names."""

        def average(idle_w: float) -> float:
            return average_power_w(energy_per_inference_j=energy, inference_time_s=busy_s,
                                   idle_power_w=idle_w, rate_hz=c["INFERENCE_RATE"])

        running = c["IDLE_CLOCK"] == "running"
        return {
            "power__idle__total": idle_w,
            "power__average__clock_stopped": average(leakage_w),
            "power__average": average(idle_w if running else leakage_w),
            "power__average__assumption": (
                "the clock keeps running, the clock gates closed: the measured idle window's "
                "power (power__idle__total)" if running else
                "the clock is stopped (IDLE_CLOCK=stopped): leakage only"),
        }

    @staticmethod
    def _zero_delay(report, timed_energy: float, timed_blocks, window_s: float,
                    count: int) -> dict[str, Any]:
        """The zero-delay figures (``report``) beside the timed ones, and the glitch share
        (timed minus zero-delay, over timed) of the whole core and of each block."""
        blocks = report.by_block(block_patterns())
        energy = report.energy_j / count
        metrics = {"inference__energy__zero_delay": energy,
                   "power__total__zero_delay": report.total_w,
                   "power__glitch__fraction": 1 - energy / timed_energy}
        for name, block in blocks.items():
            if block.instances:
                metrics[f"inference__energy__zero_delay__block:{name}"] = \
                    block.total_w * window_s / count
                if timed_blocks[name].total_w > 0:
                    metrics[f"power__glitch__fraction__block:{name}"] = \
                        1 - block.total_w / timed_blocks[name].total_w
        return metrics
