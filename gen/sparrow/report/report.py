"""The human report of a run: ``report.md`` and ``report.html`` with plots in ``plots/``.

Built from the run's ``metrics.json`` document alone, so it can be regenerated any time
(``write_report(run_dir)``). Every number carries its unit and its source (the step and tool
that measured it).
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping
from pathlib import Path

from ..errors import SparrowError
from ..fileio import atomic_write_text
from .plots import bar_chart, slack_chart

KEY_METRICS = (
    "design__instance__count", "design__instance__area", "design__instance__area__kge",
    "design__instance__count__flipflop", "design__instance__count__latch",
    "design__instance__count__clock_gate", "timing__clock_period", "timing__setup__ws",
    "timing__hold__ws", "timing__fmax", "timing__critical_path__delay",
    "timing__critical_path__startpoint", "timing__critical_path__endpoint",
    "timing__unclocked_register__count", "power__internal__total", "power__switching__total",
    "power__leakage__total", "power__total", "power__annotated__fraction",
    "inference__cycles", "inference__weight_reads", "inference__time", "inference__energy",
    "power__average",
)
_PREFIXES = ((1e0, ""), (1e-3, "m"), (1e-6, "µ"), (1e-9, "n"), (1e-12, "p"), (1e-15, "f"))


def format_value(value, unit: str) -> str:
    """A metric value with its unit; watts and joules with an SI prefix (1.04e-4 W -> 104 µW)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"{value} {unit}".strip()
    if isinstance(value, int):
        return f"{value:,} {unit}".strip()
    if unit in ("W", "J") and value != 0 and math.isfinite(value):
        scale, prefix = next(((s, p) for s, p in _PREFIXES if abs(value) >= s), _PREFIXES[-1])
        return f"{value / scale:.4g} {prefix}{unit}"
    return f"{value:,.6g} {unit}".strip()


SPARROWSNN_PUBLISHED = {
    "energy_per_inference_j": 31.39e-9,
    "average_power_w": 6.1e-6,
    "label": "SparrowSNN (published): 22 nm, 4 MHz, its own layout and SRAM; "
             "not the same node, voltage or memory as this run",
}
"""Published figures of the SparrowSNN ECG accelerator, to print beside measured ones."""


def energy_section(doc: Mapping) -> list[tuple]:
    """Report blocks for the energy per inference, with SparrowSNN's published figures
    beside it, labelled (empty when the run has no energy)."""
    metrics, notes = doc["metrics"], doc.get("notes", {})
    if "inference__energy" not in metrics:
        return []
    rows = [["energy per inference", format_value(metrics["inference__energy"], "J"),
             "this run (gate-level activity)"],
            ["inference time", format_value(metrics["inference__time"] * 1e6, "µs"),
             "this run (gate-level window / inferences)"],
            ["average power at " + format_value(metrics["inference__rate"], "Hz"),
             format_value(metrics["power__average"], "W"),
             "this run: energy x rate + leakage while idle (clock stopped)"],
            ["energy per inference", format_value(SPARROWSNN_PUBLISHED["energy_per_inference_j"],
                                                  "J"), SPARROWSNN_PUBLISHED["label"]],
            ["average power", format_value(SPARROWSNN_PUBLISHED["average_power_w"], "W"),
             SPARROWSNN_PUBLISHED["label"]]]
    return [("h", 2, "Energy per inference"),
            ("p", f"Inputs: {notes.get('inputs', 'not recorded')}. Library: "
                  f"{notes.get('library', 'not recorded')}. Every inference at RTL and at gate "
                  "level equal to the golden model."),
            ("table", ["figure", "value", "source"], rows)]


def _blocks(run_dir: Path, doc: Mapping) -> list[tuple]:
    """The report as blocks: ("h", level, text), ("p", text), ("table", header, rows),
    ("img", relative path, caption)."""
    metrics, units, sources = doc["metrics"], doc["units"], doc["sources"]
    out: list[tuple] = [("h", 1, f"Sparrow run report: {doc['flow']}"),
                        ("p", f"Run folder: {run_dir}. Sparrow {doc['sparrow_version']}. "
                              "All values come from metrics.json; the source column names the "
                              "step folder and tool that measured each one.")]
    out.append(("h", 2, "Steps"))
    rows = []
    for s in doc["steps"]:
        t = metrics.get(f"flow__wall_time__step:{s['id']}")
        rows.append([s["dir"], s["name"], s["status"], "" if t is None else format_value(t, "s")])
    out.append(("table", ["folder", "step", "status", "wall time"], rows))

    key = [k for k in KEY_METRICS if k in metrics]
    if key:
        out.append(("h", 2, "Results"))
        out.append(("table", ["metric", "value", "meaning", "source"],
                    [[k, format_value(metrics[k], units[k]), doc["descriptions"][k], sources[k]]
                     for k in key]))
    out.extend(energy_section(doc))
    if metrics.get("design__instance__area__zero_area_cells"):
        out.append(("p", f"Note: {metrics['design__instance__area__zero_area_cells']} instances "
                         "are of cells whose liberty area is 0 (e.g. OSU018's LATCH); they add "
                         "nothing to the area above."))

    plots = run_dir / "plots"
    cell_area = {k.split(":", 1)[1]: v for k, v in metrics.items()
                 if k.startswith("design__instance__area__cell:")}
    if cell_area:
        total = sum(cell_area.values()) or 1.0
        out.append(("h", 2, "Area by cell type"))
        bar_chart(cell_area, plots / "cell_area.png", title="Cell area by type",
                  xlabel="µm² (liberty cell areas)")
        out.append(("img", "plots/cell_area.png", "cell area by type"))
        out.append(("table", ["cell", "count", "area", "share"],
                    [[c, format_value(metrics.get(f"design__instance__count__cell:{c}", 0), ""),
                      format_value(a, "µm²"), f"{100 * a / total:.1f} %"]
                     for c, a in sorted(cell_area.items(), key=lambda kv: -kv[1])]))
    if "timing__clock_period" in metrics:
        out.append(("h", 2, "Timing"))
        slack_chart(metrics["timing__clock_period"], metrics.get("timing__setup__ws"),
                    metrics.get("timing__hold__ws"), plots / "slack.png")
        out.append(("img", "plots/slack.png", "timing summary"))
    for kind, title in (("group", "Power by group"), ("block", "Power by block")):
        values = {k.split(":", 1)[1]: v for k, v in metrics.items()
                  if k.startswith(f"power__total__{kind}:")}
        if values:
            out.append(("h", 2, title))
            bar_chart(values, plots / f"power_{kind}.png", title=title, xlabel="W")
            out.append(("img", f"plots/power_{kind}.png", title.lower()))

    out.append(("h", 2, "All metrics"))
    out.append(("table", ["metric", "value", "source"],
                [[k, format_value(v, units[k]), sources[k]] for k, v in metrics.items()]))
    return out


def render_markdown(blocks: list[tuple]) -> str:
    lines = []
    for b in blocks:
        if b[0] == "h":
            lines += ["#" * b[1] + " " + b[2], ""]
        elif b[0] == "p":
            lines += [b[1], ""]
        elif b[0] == "img":
            lines += [f"![{b[2]}]({b[1]})", ""]
        else:
            cell = lambda x: str(x).replace("|", "\\|")   # noqa: E731
            lines += ["| " + " | ".join(b[1]) + " |", "|" + "---|" * len(b[1])]
            lines += ["| " + " | ".join(cell(x) for x in row) + " |" for row in b[2]]
            lines.append("")
    return "\n".join(lines)


def render_html(blocks: list[tuple], title: str) -> str:
    e = html.escape
    body = []
    for b in blocks:
        if b[0] == "h":
            body.append(f"<h{b[1]}>{e(b[2])}</h{b[1]}>")
        elif b[0] == "p":
            body.append(f"<p>{e(b[1])}</p>")
        elif b[0] == "img":
            body.append(f'<p><img src="{e(b[1])}" alt="{e(b[2])}"></p>')
        else:
            head = "".join(f"<th>{e(h)}</th>" for h in b[1])
            rows = "".join("<tr>" + "".join(f"<td>{e(str(x))}</td>" for x in row) + "</tr>"
                           for row in b[2])
            body.append(f"<table><tr>{head}</tr>{rows}</table>")
    style = ("body{font-family:sans-serif;max-width:70em;margin:2em auto}"
             "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;"
             "padding:2px 8px;text-align:left}th{background:#eee}")
    return (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{e(title)}</title>"
            f"<style>{style}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


def write_report(run_dir: str | Path, doc: Mapping | None = None) -> tuple[Path, Path]:
    """Write ``report.md``, ``report.html`` and ``plots/*.png`` into ``run_dir`` from the
    run's metrics document (default: its ``metrics.json``); return the two report paths."""
    run_dir = Path(run_dir)
    if doc is None:
        try:
            doc = json.loads((run_dir / "metrics.json").read_text())
        except (OSError, ValueError) as e:
            raise SparrowError(f"no readable metrics.json in run folder {run_dir}: {e}") from None
    blocks = _blocks(run_dir, doc)
    md = atomic_write_text(run_dir / "report.md", render_markdown(blocks))
    page = atomic_write_text(run_dir / "report.html", render_html(blocks, f"Sparrow: {doc['flow']}"))
    return md, page
