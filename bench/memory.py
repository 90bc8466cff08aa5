"""Memory styles measured: ``sparrow flow`` once per ``memory_style`` on the same model and
inputs, and the figures side by side with their ratios to ``flop`` from the same run.

Prints, per style: energy per inference and the memories' share of it (activation buffers,
input buffer, weight buffer, clock tree and clock gates, by block), area (the liberty's cell
areas, and with cells the liberty gives area 0 at their LEF size where the library has a LEF:
OSU018's LATCH is 0 in its liberty, 56 µm² in its LEF), cells, flip-flops, latches, clock
gates, leakage, worst setup and hold slack and the sign-off verdict.

The tiny example by default (3 random inputs, a few minutes for the three styles); ``--ecg``
runs the ECG example on one MIT-BIH beat (about 9 minutes per style on a 2-core machine).

Run: .venv/bin/python bench/memory.py [--ecg] [--styles flop,latch] [--out DIR]
     [--library osu018] [--lanes P]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import tempfile
import time
from pathlib import Path

from sparrow.flow import FlowOptions, Progress, run_flow
from sparrow.hw.memory import MEMORY_STYLES
from sparrow.library import get_library
from sparrow.report import write_report
from workload import bench_workload

MEMORY_BLOCKS = ("activation buffers", "input buffer", "weight buffer")
CLOCK_BLOCKS = ("clock tree", "clock gates")


def lef_areas(library) -> dict[str, float]:
    """Cell areas (µm²) from a LEF beside the library's liberty, if there is one."""
    areas = {}
    for lef in Path(library.yosys_liberty).parent.glob("*.lef"):
        for name, w, h in re.findall(r"MACRO\s+(\S+).*?SIZE\s+([\d.]+)\s+BY\s+([\d.]+)",
                                     lef.read_text(errors="replace"), re.S):
            areas[name] = float(w) * float(h)
    return areas


def area_with_lef(m: dict, library) -> float | None:
    """The netlist's area with every zero-area liberty cell at its LEF size (None without a
    LEF for them)."""
    zero = {cell for cell, c in library.summary.cells.items() if c.area == 0}
    lef = lef_areas(library)
    extra = 0.0
    for key, count in m.items():
        cell = key.partition("design__instance__count__cell:")[2]
        if cell in zero:
            if cell not in lef:
                return None
            extra += count * lef[cell]
    return m["design__instance__area"] + extra


def run_style(model_path: Path, x, described: str, style: str, out: Path, lanes: int,
              library: str) -> tuple[dict, float]:
    t0 = time.perf_counter()
    run_flow(model_path, out, x, FlowOptions(lanes=lanes, memory_style=style, library=library),
             inputs_described=described, progress=Progress(tool_lines=False))
    write_report(out)
    return json.loads((out / "metrics.json").read_text())["metrics"], time.perf_counter() - t0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ecg", action="store_true", help="the ECG example on one MIT-BIH beat")
    p.add_argument("--styles", default=",".join(MEMORY_STYLES),
                   help="comma-separated styles (flop always runs: the ratios' reference)")
    p.add_argument("--out", help="folder of the runs (default: a new temporary folder, kept)")
    p.add_argument("--library", default="osu018")
    p.add_argument("--lanes", type=int, default=None, help="lanes (default 8 ECG, 4 tiny)")
    args = p.parse_args()
    styles = ["flop"] + [s for s in args.styles.split(",") if s and s != "flop"]
    for s in styles:
        if s not in MEMORY_STYLES:
            p.error(f"unknown style {s!r}: use {', '.join(MEMORY_STYLES)}")
    model_path, model, lanes, x, described = bench_workload(
        ecg=args.ecg, random_count=3, lanes=args.lanes)
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="sparrow-bench-memory-"))
    library = get_library(args.library)

    results = {}
    for style in styles:
        run_dir = out / style
        if run_dir.exists():
            shutil.rmtree(run_dir)
        print(f"{style}: sparrow flow {model_path.name} -> {run_dir}", flush=True)
        results[style] = run_style(model_path, x, described, style, run_dir, lanes, args.library)
        print(f"  {results[style][1]:.0f} s", flush=True)

    ref = results["flop"][0]
    rows = [("energy per inference", "nJ", lambda m: m["inference__energy"] * 1e9)]
    for block in MEMORY_BLOCKS + CLOCK_BLOCKS:
        rows.append((f"  {block}", "nJ",
                     lambda m, b=block: m.get(f"inference__energy__block:{b}", 0.0) * 1e9))
    rows += [
        ("leakage", "µW", lambda m: m["power__leakage__total"] * 1e6),
        ("area (liberty)", "µm²", lambda m: m["design__instance__area"]),
        ("area (zero-area cells at LEF size)", "µm²", lambda m: area_with_lef(m, library)),
        ("cells", "", lambda m: m["design__instance__count"]),
        ("flip-flops", "", lambda m: m["design__instance__count__flipflop"]),
        ("latches", "", lambda m: m["design__instance__count__latch"]),
        ("clock gates", "", lambda m: m["design__instance__count__clock_gate"]),
        ("clock buffers", "", lambda m: m.get("design__instance__count__clock_buffer")),
        ("hold buffers", "", lambda m: m.get("design__repair__hold_buffers")),
        ("worst setup slack", "ns", lambda m: m["timing__setup__ws"]),
        ("worst hold slack", "ns", lambda m: m["timing__hold__ws"]),
    ]
    print(f"\n{model.name}: {lanes} lanes, {described}, {library.name}, "
          f"{1e3 / 250:g} MHz; runs in {out}")
    head = "".join(f"{s:>14}" for s in styles) + "".join(f"{s + '/flop':>18}"
                                                         for s in styles[1:])
    print(f"{'':<38}{head}")
    for label, unit, get in rows:
        values = [get(results[s][0]) for s in styles]
        cells = "".join(f"{_fmt(v):>14}" for v in values)
        base = values[0]
        ratios = "".join(f"{(v / base if base and v is not None else float('nan')):>18.3f}"
                         for v in values[1:])
        print(f"{label + (f' ({unit})' if unit else ''):<38}{cells}{ratios}")
    verdicts = "".join(f"{str(results[s][0].get('flow__signoff')):>14}" for s in styles)
    print(f"{'sign-off':<38}{verdicts}")
    bit_exact = all(results[s][0]["gatesim__inferences"] == len(x) for s in styles)
    print(f"every run bit-exact at RTL and gate level: {bit_exact} (the flow fails otherwise)")
    return 0


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.3f}" if abs(value) < 1000 else f"{value:,.0f}"


if __name__ == "__main__":
    raise SystemExit(main())
