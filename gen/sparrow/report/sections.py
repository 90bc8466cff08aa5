"""The report's sections, from a run's metrics alone, in the order a reader wants them: the
sign-off verdict and the answer first, the evidence after, every metric last.

Plots are drawn into ``plots/`` of the run folder as the sections that show them are built.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ..flow.steps.signoff import EXTRAPOLATION_LIMIT
from .document import NOT_MEASURED, RunMetrics
from .plots import bar_chart, paired_bar_chart, slack_chart
from .render import (Banner, Block, Bullets, Card, Cards, Figure, Figures, Heading, Paragraph,
                     Table)
from .values import format_percent, format_slack, format_value

SPARROWSNN_PUBLISHED = {
    "energy_per_inference_j": 31.39e-9,
    "average_power_w": 6.1e-6,
    "label": "SparrowSNN (published): 22 nm, 4 MHz, its own layout and SRAM; "
             "not the same node, voltage or memory as this run",
}
"""Published figures of the SparrowSNN ECG accelerator, to print beside measured ones."""


@dataclass(frozen=True)
class _Check:
    """One sign-off check: a metric, what it is, the requirement, and the test of its value
    (read with ``read``: a number, or a flag)."""
    metric: str
    label: str
    requirement: str
    passes: Callable[[float | bool], bool]
    read: Callable[[RunMetrics, str], float | bool | None] = RunMetrics.number
    shown: Callable[[RunMetrics, str], str] = RunMetrics.show

    def status(self, run: RunMetrics) -> str | None:
        """"pass" or "FAIL"; None when the run does not have the metric."""
        value = self.read(run, self.metric)
        return None if value is None else "pass" if self.passes(value) else "FAIL"


def _slack(run: RunMetrics, name: str) -> str:
    return format_slack(run.number(name))


SIGNOFF_CHECKS = (
    _Check("design__max_slew_violation__count", "max transition violators", "0 pins",
           lambda v: v == 0),
    _Check("design__max_cap_violation__count", "max capacitance violators", "0 pins",
           lambda v: v == 0),
    _Check("design__max_fanout_violation__count", "max fanout violators", "0 pins",
           lambda v: v == 0),
    _Check("timing__setup__ws", "worst setup slack", "≥ 0 ns", lambda v: v >= 0, shown=_slack),
    _Check("timing__hold__ws", "worst hold slack", "≥ 0 ns", lambda v: v >= 0, shown=_slack),
    _Check("timing__clock__propagated", "clocks propagated through the clock trees", "yes",
           lambda v: v, read=RunMetrics.flag),
    _Check("timing__unclocked_register__count", "unclocked register pins", "0 pins",
           lambda v: v == 0),
    _Check("power__extrapolated__fraction", "power table look-ups above the tables' range",
           f"≤ {format_percent(EXTRAPOLATION_LIMIT)}", lambda v: v <= EXTRAPOLATION_LIMIT),
)
"""The checks of the flow's sign-off verdict (``sparrow.flow.steps.signoff``, DESIGN.md
section 7 "sign-off before numbers"), as the report shows them; the verdict itself is the
flow's (metric ``flow__signoff``)."""

CLOCK_TREE_AND_REPAIR = (
    ("clock skew, worst setup check", "clock__skew__worst_setup"),
    ("clock skew, worst hold check", "clock__skew__worst_hold"),
    ("clock-tree buffers", "design__instance__count__clock_buffer"),
    ("buffers inserted for design rules", "design__repair__buffers"),
    ("nets given a buffer tree", "design__repair__nets"),
    ("cells swapped for a stronger variant", "design__repair__resized"),
    ("delay buffers inserted for hold", "design__repair__hold_buffers"),
    ("max transition violators before repair", "design__max_slew_violation__count__before"),
    ("max capacitance violators before repair", "design__max_cap_violation__count__before"),
    ("max fanout violators before repair", "design__max_fanout_violation__count__before"),
    ("max transition held to", "design__max_slew__limit"),
    ("max fanout held to", "design__max_fanout__limit"),
    ("hold-violating endpoints", "timing__hold__violation__count"),
    ("power table look-ups below the tables' range (first segment extended)",
     "power__below_range__fraction"),
)


SOURCE = "measured in"
"""Header of the source column of the sections: the step folder (the Steps table names the
tool of each, the metric table at the end gives every metric's whole source)."""


def _rows(run: RunMetrics, figures) -> tuple[tuple[str, str, str], ...]:
    """Table rows (figure, value with unit or "not measured", step folder) for
    ``(label, metric)`` pairs."""
    return tuple((label, run.show(name), run.step_folder(name)) for label, name in figures)


def signoff_banner(run: RunMetrics) -> Banner:
    """The sign-off verdict in words: the first thing the report (and ``sparrow flow``) says."""
    verdict = run.flag("flow__signoff")
    if verdict is None:
        return Banner("SIGN-OFF NOT CHECKED: this run has no sign-off checks (violator counts, "
                      "slack with propagated clocks, power table range); read its numbers as "
                      "estimates from an unchecked netlist.", "unknown")
    if verdict:
        return Banner("Sign-off checks passed: no max transition, capacitance or fanout "
                      "violators, non-negative setup and hold slack with propagated clocks, at "
                      f"most {format_percent(EXTRAPOLATION_LIMIT)} of power table look-ups "
                      "above the tables' range.", "pass")
    reasons = run.strings("flow__signoff__reasons") or ["the flow recorded no reason"]
    return Banner("NOT A SIGN-OFF RESULT: " + "; ".join(reasons), "fail")


def signoff_verdict(metrics: Mapping) -> str:
    """The sign-off verdict of a run's ``metrics`` in words (what the report opens with)."""
    return signoff_banner(RunMetrics({"metrics": metrics}, "run metrics")).text


def title(run: RunMetrics) -> str:
    views, library = run.doc.get("views", {}), run.notes.get("library")
    descriptor = views.get("descriptor") if isinstance(views, dict) else None
    design = (Path(descriptor[0]).stem if isinstance(descriptor, list) and descriptor
              else run.doc.get("flow", "run"))
    return f"Sparrow run report: {design}" + (f" on {library}" if library else "")


def summary(run: RunMetrics) -> list[Block]:
    """The verdict, the answer in one sentence, and the headline figures as cards."""
    # With timed activity inference__energy is the timed figure, the zero-delay one beside it.
    energy, zero = run.number("inference__energy"), run.number("inference__energy__zero_delay")
    rate, average = run.number("inference__rate"), run.number("power__average")
    if energy is None:
        lead = "Energy per inference: not measured (this run has no power results)."
    else:
        lead = f"One inference costs {format_value(energy, 'J')}"
        if zero is not None:
            lead += f" with cell delays ({format_value(zero, 'J')} in a zero-delay simulation)"
        if rate is not None and average is not None:
            lead += (f"; at {format_value(rate, 'Hz')} ({rate * 60:.4g} per minute) the core "
                     f"draws {format_value(average, 'W')} on average")
        lead += "."
    context = "; ".join(f"{k}: {run.notes[k]}" for k in ("library", "inputs")
                        if isinstance(run.notes.get(k), str))
    context = context[:1].upper() + context[1:]        # not capitalize(): keeps "MIT-BIH"

    inferences = run.number("inference__count")
    kind = "timed" if run.flag("power__activity__timed") else "zero-delay"
    energy_note = (f"{kind} gate-level activity" if inferences is None else
                   f"{kind} gate-level activity of {inferences:g} inference(s)")
    if zero is not None:
        energy_note += f"; zero-delay simulation: {format_value(zero, 'J')}"
    assumption = run.text("power__average__assumption")
    statuses = [c.status(run) for c in SIGNOFF_CHECKS]
    measured, failed = len(statuses) - statuses.count(None), statuses.count("FAIL")
    verdict = run.flag("flow__signoff")
    period = run.number("timing__clock_period")
    setup = run.number("timing__setup__ws")

    def bit_exact(metric: str, level: str) -> Card:
        if not run.has(metric):
            return Card(f"bit-exact, {level}", "not checked", f"no {level} simulation in this run")
        return Card(f"bit-exact, {level}", run.show(metric),
                    "every one equal to the golden model (scores, class, counters)")

    checked = f"{measured} of {len(SIGNOFF_CHECKS)} checks measured, {failed} failed"
    cards = (
        Card("energy per inference", run.show("inference__energy"), energy_note),
        Card("average power" + (f" at {format_value(rate, 'Hz')}" if rate is not None else ""),
             run.show("power__average"),
             f"between inferences: {assumption}" if assumption
             else "idle assumption not recorded (see Average power)"),
        Card("area", run.show("design__instance__area", short=True),
             ", ".join(run.show(m, short=True) for m in ("design__instance__area__kge",
                                                         "design__instance__count")
                       if run.has(m)) + " (Yosys, liberty cell areas)"),
        Card("fmax", run.show("timing__fmax", short=True),
             NOT_MEASURED if period is None or setup is None else
             f"register-to-register paths; at the {format_value(period, 'ns')} clock the "
             f"worst setup slack is {format_slack(setup)}"),
        bit_exact("rtl_sim__inferences", "RTL"),
        bit_exact("gatesim__inferences", "gate level"),
        Card("sign-off", {None: "not checked", True: "passed", False: "not a sign-off result"}
             [verdict], f"{checked} (see Sign-off)"),
    )
    return [signoff_banner(run), Paragraph(lead, lead=True),
            *([Paragraph(context + ".")] if context else []), Cards(cards)]


def signoff(run: RunMetrics) -> list[Block]:
    """Each check against its requirement, clock tree and repair figures, and zero-delay vs
    timed energy (glitches)."""
    out: list[Block] = [Heading(2, "Sign-off")]
    verdict = run.flag("flow__signoff")
    if verdict is False:
        out += [Paragraph("Why this run is not a sign-off result (the flow's own reasons):"),
                Bullets(tuple(run.strings("flow__signoff__reasons")
                              or ["the flow recorded no reason"]))]
    rows = []
    for c in SIGNOFF_CHECKS:
        status = c.status(run)
        if status is None:
            rows.append((c.label, NOT_MEASURED, c.requirement, NOT_MEASURED, ""))
        else:
            rows.append((c.label, c.shown(run, c.metric), c.requirement, status,
                         run.step_folder(c.metric)))
    out += [Paragraph("The checks of a sign-off result. Slack is OpenSTA's, with propagated "
                      "clocks where the run has clock trees (ideal clocks otherwise)."),
            Table(("check", "value", "requirement", "status", SOURCE), tuple(rows), (1,)),
            Heading(3, "Clock tree and repair"),
            Table(("figure", "value", SOURCE), _rows(run, CLOCK_TREE_AND_REPAIR), (1,)),
            Heading(3, "Zero-delay vs timed energy")]
    zero, timed = run.by_modifier("inference__energy__zero_delay__block"), \
        run.by_modifier("inference__energy__block")
    if not run.has("inference__energy__zero_delay"):
        return out + [Paragraph("Timed gate-level energy: not measured. The energy figures "
                                "come from a zero-delay simulation, which counts no glitches.")]
    glitch = run.by_modifier("power__glitch__fraction__block")
    rows = [("whole core", run.show("inference__energy__zero_delay"), run.show("inference__energy"),
             run.show("power__glitch__fraction"))]
    rows += [(b, format_value(zero[b], "J") if b in zero else NOT_MEASURED,
              format_value(timed[b], "J") if b in timed else NOT_MEASURED,
              format_percent(glitch[b]) if b in glitch else NOT_MEASURED)
             for b in sorted(set(zero) | set(timed), key=lambda b: -timed.get(b, 0.0))]
    return out + [Paragraph("Energy per inference from a zero-delay gate-level simulation and "
                            "from a timed one (cell delays): the difference is glitches."),
                  Table(("block", "zero delay", "timed", "glitch share of timed"), tuple(rows),
                        (1, 2, 3))]


def energy(run: RunMetrics, plots: Path) -> list[Block]:
    """Energy per inference, by block, and SparrowSNN's published figures, labelled."""
    if not run.has("inference__energy"):
        return []
    activity = run.text("power__activity_source")
    out: list[Block] = [
        Heading(2, "Energy per inference"),
        Paragraph((f"Activity: {activity}. " if activity else "")
                  + "Energy = per-transition internal and switching energies over the inference "
                  "window plus leakage, divided by the inferences in it."),
        Table(("figure", "value", SOURCE), _rows(run, (
            ("energy per inference" + (" (timed, cell delays)" if run.flag("power__activity__timed")
                                       else " (zero delay)"), "inference__energy"),
            ("energy per inference (zero delay, beside the timed one)",
             "inference__energy__zero_delay"),
            ("inference time", "inference__time"),
            ("cycles per inference", "inference__cycles"),
            ("weight reads per inference", "inference__weight_reads"),
            ("activation reads per inference", "inference__activation_reads"),
            ("activation writes per inference", "inference__activation_writes"))), (1,))]
    blocks = run.by_modifier("inference__energy__block")
    if blocks:
        whole = sum(blocks.values()) or 1.0
        shown = bar_chart(blocks, plots / "energy_block.png", unit="J",
                          title="Energy per inference by block", quantity="energy per inference")
        figures = [Figure("plots/energy_block.png", f"Energy per inference by block, {shown}")]
        zero = run.by_modifier("inference__energy__zero_delay__block")
        if zero:
            shown = paired_bar_chart(zero, blocks, plots / "energy_timed_block.png",
                                     names=("zero delay", "timed"), unit="J",
                                     title="Zero-delay vs timed energy by block",
                                     quantity="energy per inference")
            figures.append(Figure("plots/energy_timed_block.png",
                                  f"Zero-delay vs timed energy per inference by block, {shown}"))
        # Where the power engine read beyond its tables: the blocks whose figures to doubt.
        beyond = run.by_modifier("power__extrapolated__fraction__block")
        header = ("block", "energy per inference", "share") + (
            ("power look-ups above the tables' range",) if beyond else ())
        rows = tuple((b, format_value(v, "J"), format_percent(v / whole)) + (
            (format_percent(beyond[b]) if b in beyond else NOT_MEASURED,) if beyond else ())
            for b, v in sorted(blocks.items(), key=lambda kv: -kv[1]))
        out += [Heading(3, "Where the energy goes"), Figures(tuple(figures)),
                Table(header, rows, (1, 2, 3))]
    published = SPARROWSNN_PUBLISHED
    out += [Heading(3, "Published figures (not comparable)"),
            Paragraph(f"{published['label']}. Printed for orientation only: the difference "
                      "between the columns is node, voltage, memory technology and layout as "
                      "much as design."),
            Table(("figure", "this run", "SparrowSNN (published)"), (
                ("energy per inference", run.show("inference__energy"),
                 format_value(published["energy_per_inference_j"], "J")),
                ("average power", run.show("power__average"),
                 format_value(published["average_power_w"], "W"))), (1, 2))]
    return out


def average_power(run: RunMetrics) -> list[Block]:
    """``power__average``, the idle assumption it used, and both idle figures."""
    if not run.has("power__average"):
        return []
    rate, busy = run.number("inference__rate"), run.number("inference__time")
    assumption = run.text("power__average__assumption")
    out: list[Block] = [
        Heading(2, "Average power" + (f" at {format_value(rate, 'Hz')}" if rate else "")),
        Paragraph(f"power__average assumes, between inferences: {assumption}." if assumption
                  else "This run does not record which idle assumption power__average used; "
                       f"its recorded meaning: {run.description('power__average')}."),
        Table(("figure", "value", SOURCE), _rows(run, (
            ("average power (power__average)", "power__average"),
            ("idle power: clock running, gates closed, no sample offered",
             "power__idle__total"),
            ("average power if the clock stopped between inferences (leakage only)",
             "power__average__clock_stopped"),
            ("leakage", "power__leakage__total"))), (1,))]
    if rate is not None and busy is not None:
        out.append(Paragraph(f"The core computes for {format_value(busy, 's')} of every "
                             f"{format_value(1 / rate, 's')} ({format_percent(rate * busy)} of "
                             "the time); the rest is idle."))
    return out


def power(run: RunMetrics, plots: Path) -> list[Block]:
    """Power over the inference window, in all and by group and block (plots in µW)."""
    if not run.has("power__total"):
        return []
    out: list[Block] = [
        Heading(2, "Power during inferences"),
        Table(("figure", "value", SOURCE), _rows(run, (
            ("power over the inference window", "power__total"),
            ("internal", "power__internal__total"),
            ("switching", "power__switching__total"),
            ("leakage", "power__leakage__total"),
            ("inference window", "power__window"),
            ("cell pins with simulated activity", "power__annotated__fraction"))), (1,))]
    figures = []
    for kind, title_ in (("group", "Power by group"), ("block", "Power by block")):
        values = run.by_modifier(f"power__total__{kind}")
        if values:
            shown = bar_chart(values, plots / f"power_{kind}.png", title=title_,
                              quantity="power over the inference window", unit="W")
            figures.append(Figure(f"plots/power_{kind}.png", f"{title_}, {shown}"))
    return out + ([Figures(tuple(figures))] if figures else [])


def area(run: RunMetrics, plots: Path) -> list[Block]:
    cell_area = run.by_modifier("design__instance__area__cell")
    if not run.has("design__instance__area"):
        return []
    counts = ", ".join(f"{format_value(run.number(m), '')} {what}" for m, what in (
        ("design__instance__count__flipflop", "flip-flops"),
        ("design__instance__count__latch", "latches"),
        ("design__instance__count__clock_gate", "clock gates")) if run.has(m))
    out: list[Block] = [Heading(2, "Area"), Paragraph(
        f"{run.show('design__instance__area')} ({run.show('design__instance__area__kge')}), "
        f"{run.show('design__instance__count')}" + (f"; {counts}" if counts else "")
        + ". Liberty cell areas of the synthesized netlist, no wires.")]
    if run.number("design__instance__area__zero_area_cells"):
        out.append(Paragraph(f"{run.show('design__instance__area__zero_area_cells')} are of "
                             "types whose liberty area is 0 (e.g. OSU018's LATCH); they add "
                             "nothing to the area above."))
    if cell_area:
        whole = sum(cell_area.values()) or 1.0
        shown = bar_chart(cell_area, plots / "cell_area.png", title="Cell area by type",
                          quantity="cell area", unit="µm²")
        out += [Figures((Figure("plots/cell_area.png", f"Cell area by type, {shown}"),)),
                Table(("cell", "count", "area", "share"), tuple(
                    (c, run.show(f"design__instance__count__cell:{c}"),
                     format_value(a, "µm²"), format_percent(a / whole))
                    for c, a in sorted(cell_area.items(), key=lambda kv: -kv[1])), (1, 2, 3))]
    return out


def timing(run: RunMetrics, plots: Path) -> list[Block]:
    period = run.number("timing__clock_period")
    if period is None:
        return []
    slack_chart(period, run.number("timing__setup__ws"), run.number("timing__hold__ws"),
                plots / "slack.png")
    return [Heading(2, "Timing"),
            Figures((Figure("plots/slack.png", "Clock period and worst slack, ns"),)),
            Table(("figure", "value", SOURCE), _rows(run, (
                ("clock period", "timing__clock_period"),
                ("worst setup slack", "timing__setup__ws"),
                ("worst hold slack", "timing__hold__ws"),
                ("fmax", "timing__fmax"),
                ("critical path delay", "timing__critical_path__delay"),
                ("critical path start", "timing__critical_path__startpoint"),
                ("critical path end", "timing__critical_path__endpoint"),
                ("unclocked register pins", "timing__unclocked_register__count"))), (1,))]


def steps(run: RunMetrics, run_dir: Path) -> list[Block]:
    version = run.doc.get("sparrow_version", "of unknown version")
    tools = run.tools()
    rows = tuple((s["dir"], s["name"], s["status"],
                  run.show(f"flow__wall_time__step:{s['id']}"), tools.get(s["dir"] + "/", ""))
                 for s in run.steps)
    return [Heading(2, "Steps"),
            Paragraph(f"Run folder: {run_dir.resolve()}. Sparrow {version}."),
            Table(("folder", "step", "status", "wall time", "measured with"), rows, (3,))]


def all_metrics(run: RunMetrics) -> list[Block]:
    return [Heading(2, "All metrics"),
            Paragraph("Every metric of metrics.json with its unit, meaning and source (the "
                      "step folder and tool that measured it)."),
            Table(("metric", "value", "meaning", "source"),
                  tuple((k, run.show(k), run.description(k), run.source(k))
                        for k in run.metrics), (1,))]


def report_blocks(run: RunMetrics, run_dir: Path) -> list[Block]:
    """The whole report, in reading order."""
    plots = run_dir / "plots"
    return [Heading(1, title(run)), *summary(run), *signoff(run), *energy(run, plots),
            *average_power(run), *power(run, plots), *area(run, plots), *timing(run, plots),
            *steps(run, run_dir), *all_metrics(run)]
