"""The ECG model on FPGA boards: bitstreams, utilization, timing, and the UART-level check.

For each board (default: the iCEBreaker, iCE40 UP5K, and the ULX3S with an ECP5-85F) builds
the loadable UART top of ``examples/ecg/ecg.toml`` with ``sparrow fpga build`` (Amaranth's
platform build through the YoWASP Yosys and nextpnr from PyPI; lanes halved from 8 until
nextpnr fits the design) and prints, from each build's ``metrics.json``:

* lanes, LUTs, flip-flops, block RAMs, multipliers (used / available, nextpnr and Yosys);
* fmax (nextpnr), the board clock, the setup slack at the board clock and fmax / clock;
* cycles per inference and, at the board clock and the UART's 115200 Bd, compute time
  against UART time per inference (the UART dominates: the ratio says by how much);
* the build's wall time.

Then (unless ``--skip-sim``) the whole top under cocotb + Verilator on 20 MIT-BIH beats, four
of each AAMI class (records 208, 217, 232): weights and beats as UART frames, every answer
checked against the golden model; prints the exact count, the simulated time per beat and
the wall time. Exit status 1 on any mismatch or a build whose timing fails.

    .venv/bin/python bench/fpga.py [--boards icebreaker ulx3s-85f] [--out runs/fpga]
                                   [--skip-sim] [--beats-per-class 4]

The machine may be shared: wall-clock figures depend on its load (printed).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from sparrow.fpga.build import build_bitstream
from sparrow.fpga.ecg_beats import class_balanced_beats
from sparrow.fpga.simulation import SIM_CLOCK_NS, UartTopSimulation
from sparrow.hw.plan import plan_core
from sparrow.model import load_model, run

ROOT = Path(__file__).resolve().parents[1]
ECG = ROOT / "examples" / "ecg" / "ecg.toml"


def _share(m: dict, key: str) -> str:
    used, available = m[f"fpga__{key}__count"], m[f"fpga__{key}__available"]
    return f"{used:,} / {available:,} ({100 * used / available:.0f} %)"


def bench_build(model, board: str, out: Path) -> bool:
    print(f"\n== {board} ==", flush=True)
    start = time.perf_counter()
    result = build_bitstream(model, board, out / f"ecg-{board}", log=lambda s: print(f"  {s}",
                                                                                   flush=True))
    wall = time.perf_counter() - start
    m = result.metrics
    print(f"bitstream: {result.bitstream} ({m['fpga__bitstream__size']:,} bytes), "
          f"{m['fpga__device']}, {m['fpga__mode']}, {m['fpga__lanes']} lanes")
    rows = [("LUTs", _share(m, "lut")), ("flip-flops", _share(m, "ff"))]
    if "fpga__logic_cell__count" in m:
        rows.append(("logic cells", _share(m, "logic_cell")))
    rows += [("block RAMs", _share(m, "bram")), ("multipliers", _share(m, "dsp"))]
    if "fpga__spram__count" in m:
        rows.append(("SPRAMs", _share(m, "spram")))
    clock, fmax = m["fpga__clock__frequency"], m["fpga__fmax"]
    rows += [("board clock", f"{clock:.2f} MHz"), ("fmax (nextpnr)", f"{fmax:.2f} MHz"),
             ("setup slack at the board clock", f"{m['timing__setup__ws']:+.2f} ns"),
             ("fmax / board clock", f"{fmax / clock:.2f}x"),
             ("cycles per inference", f"{m['inference__cycles']:,}"),
             ("compute time per inference", f"{m['inference__compute_time'] * 1e6:.0f} µs"),
             ("UART time per inference (115200 Bd)", f"{m['inference__uart_time'] * 1e3:.2f} ms"),
             ("UART / compute", f"{m['inference__uart_time'] / m['inference__compute_time']:.0f}x"),
             ("build wall time", f"{wall:.0f} s (load average {os.getloadavg()[0]:.1f})")]
    for label, value in rows:
        print(f"  {label:<38}{value}")
    return result.timing_met


def bench_sim(model, per_class: int, work: Path) -> bool:
    print(f"\n== UART-level simulation: {per_class} MIT-BIH beats per class ==", flush=True)
    x, y = class_balanced_beats(per_class, cache_dir=work / "beats")   # $SPARROW_MITDB
    plan = plan_core(model, lanes=8, mode="loadable")
    sim = UartTopSimulation(plan, work / "sim")
    start = time.perf_counter()
    sim.build()
    result = sim.run_inferences(x)
    wall = time.perf_counter() - start
    golden = run(model, x, lanes=plan.lanes)
    observed = result.seen.get("observed", [])
    exact = sum(1 for i, o in enumerate(observed)
                if o.get("scores") == golden.scores[i].tolist()
                and o.get("cls") == int(golden.predictions[i]))
    print(f"  beats per class (N, S, V, F, Q): {np.bincount(y, minlength=5).tolist()}")
    print(f"  {exact}/{len(x)} answers equal the golden model (class and scores; the "
          f"testbench also checks the counters: {'pass' if result.passed else 'FAIL'})")
    for line in result.errors[:10]:
        print(f"    {line}")
    print(f"  hardware classes: {[o.get('cls') for o in observed]}")
    print(f"  true classes:     {y.tolist()}")
    print(f"  simulated UART: {sim.divisor} clock cycles per bit at {SIM_CLOCK_NS:g} ns; "
          f"build {sim.build_seconds:.0f} s, wall time {wall:.0f} s in all")
    return result.passed and exact == len(x)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--boards", nargs="+", default=["icebreaker", "ulx3s-85f"])
    p.add_argument("--out", default=str(ROOT / "runs" / "fpga"))
    p.add_argument("--skip-sim", action="store_true")
    p.add_argument("--beats-per-class", type=int, default=4)
    args = p.parse_args()
    model = load_model(ECG)
    ok = True
    for board in args.boards:
        ok &= bench_build(model, board, Path(args.out))
    if not args.skip_sim:
        with tempfile.TemporaryDirectory(prefix="sparrow-fpga-bench-") as work:
            ok &= bench_sim(model, args.beats_per_class, Path(work))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
