"""Power engine vs OpenSTA 2.6.0 (reference files) vs Debian's OpenSTA 2019 (run live).

For each case of ../shared/power-reference (OSU 0.18 µm, 250 ns clock) it prints:

* internal / switching / leakage / total power (W): ours from the case's VCD, OpenSTA 2.6.0's
  from the same VCD (reference_power.json), and their ratio;
* vectorless, activity 0.1 per period, duty 0.5: ``-global`` (every pin, no propagation) and
  ``-input`` (primary inputs, propagated) for ours, OpenSTA 2.6.0
  (reference_vectorless.json) and Debian's ``sta`` on the same netlist, with ratios;
* the annotated-pin fraction (cell pins with VCD activity / all cell pins);
* wall time of our whole power step (netlist, slews, VCD, power; liberty from the cache)
  against Debian's ``report_power`` alone (timed inside its Tcl script) and its whole run;
* VCD read throughput (uncompressed MB/s, value changes/s), by wall and by CPU time (the
  machine may be shared; CPU time is the steadier figure).

Run: .venv/bin/python bench/power_reference.py [case ...]
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from sparrow.power import Vectorless, compute_power, load_liberty
from sparrow.power.opensta import run_opensta_power

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO / ".." / "shared" / "power-reference"
CASES = ["case_small", "case_array4", "case_array16"]
KINDS = ("internal", "switching", "leakage", "total")


def ratio(a: float, b: float) -> str:
    return f"{a / b:8.4f}" if b else "     n/a"


def row(label: str, values: dict[str, float]) -> str:
    return f"  {label:<34}" + "".join(f"{values[k]:>13.4e}" for k in KINDS)


def ratio_row(label: str, ours: dict[str, float], theirs: dict[str, float]) -> str:
    return f"  {label:<34}" + "".join(f"{ratio(ours[k], theirs[k]):>13}" for k in KINDS)


def figures(report) -> dict[str, float]:
    return {"internal": report.internal_total_w, "switching": report.switching_total_w,
            "leakage": report.leakage_total_w, "total": report.total_w}


def from_json(data: dict) -> dict[str, float]:
    return {k: data[f"{k}_W"] for k in KINDS}


def from_sta(run) -> dict[str, float]:
    t = run.total
    return {"internal": t.internal_w, "switching": t.switching_w, "leakage": t.leakage_w,
            "total": t.total_w}


def bench_case(case: str, library) -> dict:
    folder = REFERENCE / case
    meta = json.loads((folder / "case.json").read_text())
    reference = json.loads((folder / "reference_power.json").read_text())
    vectorless = json.loads((folder / "reference_vectorless.json").read_text())
    period = meta["clock_period_ns"]
    print(f"\n{case}: {meta['top']}, {meta['cells']} cells, {meta['cycles']} cycles at "
          f"{period} ns (W)")
    print(f"  {'':<34}" + "".join(f"{k:>13}" for k in KINDS))

    started = time.perf_counter()
    cpu_started = time.process_time()
    ours = compute_power(folder / "netlist.v", library, meta["top"],
                         vcd=folder / "activity.vcd.gz", scope=meta["vcd_scope"],
                         clock_period_ns=period)
    ours_seconds = time.perf_counter() - started
    ours_cpu = time.process_time() - cpu_started
    print(row("ours, from the VCD", figures(ours)))
    print(row("OpenSTA 2.6.0, from the VCD", from_json(reference)))
    print(ratio_row("ratio ours / 2.6.0", figures(ours), from_json(reference)))

    sta_runs = {}
    for mode, ref in (("global", vectorless["also_global_activity_0.1"]),
                      ("input", vectorless)):
        mine = compute_power(folder / "netlist.v", library, meta["top"],
                             activity=Vectorless(0.1, 0.5, mode), clock_period_ns=period)
        run = run_opensta_power(folder / "netlist.v", library.files, meta["top"],
                                clock_port=meta["clock_port"], clock_period_ns=period,
                                activity=0.1, duty=0.5, mode=mode,
                                time_unit_s=library.time_unit_s)
        sta_runs[mode] = run
        print(f"  vectorless -{mode} 0.1:")
        print(row(f"  ours", figures(mine)))
        print(row(f"  OpenSTA 2.6.0", from_json(ref)))
        print(row(f"  Debian OpenSTA {run.version}", from_sta(run)))
        print(ratio_row("  ratio ours / 2.6.0", figures(mine), from_json(ref)))
        print(ratio_row("  ratio Debian / 2.6.0", from_sta(run), from_json(ref)))

    stats = ours.vcd_stats
    run = sta_runs["global"]
    print(f"  annotated cell pins: {ours.annotated_pins}/{ours.total_pins} "
          f"({100 * ours.annotated_fraction:.1f} %)")
    steps = ", ".join(f"{k} {v:.2f}" for k, v in ours.timings_s.items() if k != "total")
    print(f"  our power step: {ours_seconds:.2f} s wall, {ours_cpu:.2f} s CPU ({steps} s)")
    print(f"  Debian report_power: {run.report_seconds:.3f} s (whole sta run "
          f"{run.run_seconds:.2f} s); ratio ours / report_power "
          f"{ours_seconds / run.report_seconds:.0f}x, ours / whole run "
          f"{ours_seconds / run.run_seconds:.1f}x")
    mb = stats["bytes"] / 1e6
    print(f"  VCD read: {mb:.1f} MB uncompressed, {stats['value_changes'] / 1e6:.2f} M value "
          f"changes; wall {stats['seconds']:.2f} s = {mb / stats['seconds']:.1f} MB/s, "
          f"{stats['value_changes'] / stats['seconds'] / 1e6:.2f} M changes/s; CPU "
          f"{stats['cpu_seconds']:.2f} s = {mb / stats['cpu_seconds']:.1f} MB/s, "
          f"{stats['value_changes'] / stats['cpu_seconds'] / 1e6:.2f} M changes/s")
    return {"case": case, "ours_seconds": ours_seconds, "sta_report": run.report_seconds,
            "vcd_mb_s": stats["bytes"] / 1e6 / stats["seconds"]}


def main(argv: list[str]) -> int:
    cases = argv or CASES
    library = load_liberty()      # parsed once (and cached on disk for later runs)
    print(f"liberty: {', '.join(str(f) for f in library.files)}")
    for case in cases:
        bench_case(case, library)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
