"""The ECG model on its generated core: the intra-patient test split through cocotb + Verilator.

Generates the core of ``examples/ecg/ecg.toml`` (lanes 8 by default), streams every beat of
the intra-patient test split of MIT-BIH (``sparrow.ecg.data.intra_test_beats``; or the first
``--limit N`` beats) through it in chunks, and prints:

* mismatches against the bit-exact golden model (``sparrow.model.run``): inferences whose
  class, scores or hardware counters differ (the testbench's scoreboard and a second check
  here); the script exits with status 1 if there is any;
* accuracy of the hardware's classes and of the golden model against the reference labels,
  and (whole split) the golden-model accuracy recorded in ``examples/ecg/metrics.json``;
* the hardware's confusion matrix (rows true class, columns predicted class);
* cycles per inference from the core's ``perf__cycles`` counter (first compute cycle to
  ``result.valid``), against the plan, and end to end per beat from the simulated time
  (streaming the 180 samples in, computing, handing the result over), with the resulting
  beats/s and time per beat at the design's clock period (manifest ``clock_period_ns``);
* wall time (s) and simulation throughput (beats per wall-clock second) of Verilator.

The C++ model is compiled with ``--cflags`` (default ``-O2``, ~7x faster than the
repository's ``-O0`` default on this workload; the simulated behaviour does not depend on it).
The machine may be shared: wall-clock figures depend on its load (printed).

    .venv/bin/python bench/ecg_hardware.py [--limit N] [--chunk 2000] [--lanes 8]
                                           [--cflags -O2] [--work-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from sparrow.ecg import data
from sparrow.ecg.metrics import class_report
from sparrow.hw.generate import generate
from sparrow.model import load_model, run
from sparrow.sim.runner import run_core_sim

REPO = Path(__file__).resolve().parents[1]
SIM_CLOCK_NS = 10.0          # run_core_sim's default simulation clock period


def rel(path: Path) -> str:
    path = Path(path).resolve()
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)


def matrix(confusion: np.ndarray) -> str:
    head = ("  " + "true \\ predicted".ljust(17) + " "
            + "".join(f"{c:>8}" for c in data.CLASSES) + "     beats")
    rows = [f"  {c:<17} " + "".join(f"{v:>8}" for v in row) + f"{row.sum():>10}"
            for c, row in zip(data.CLASSES, confusion)]
    return "\n".join([head] + rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=str(REPO / "examples" / "ecg" / "ecg.toml"))
    ap.add_argument("--metrics", default=str(REPO / "examples" / "ecg" / "metrics.json"))
    ap.add_argument("--limit", type=int, default=None, help="only the first N beats of the split")
    ap.add_argument("--chunk", type=int, default=2000, help="beats per simulator run")
    ap.add_argument("--lanes", type=int, default=8)
    ap.add_argument("--cflags", default="-O2",
                    help="C++ flags of the Verilator model ('' for the repository default)")
    ap.add_argument("--work-dir", default=None,
                    help="keep the design, build and logs here (default: a temporary folder)")
    args = ap.parse_args()
    if args.chunk < 1 or (args.limit is not None and args.limit < 1):
        ap.error("--chunk and --limit must be positive")

    wall0 = time.perf_counter()
    load = " / ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"machine: {os.cpu_count()} cores, load average {load} (1/5/15 min): wall-clock "
          f"figures below depend on it")

    model = load_model(args.model)
    t = time.perf_counter()
    x, y = data.intra_test_beats()
    data_s = time.perf_counter() - t
    whole = args.limit is None or args.limit >= len(y)
    if not whole:
        x, y = x[:args.limit], y[:args.limit]
    counts = " ".join(f"{c} {n}" for c, n in zip(data.CLASSES, np.bincount(y, minlength=5)))
    print(f"\nbeats: {len(y)} of the intra-patient test split"
          f"{'' if whole else f' (the first {len(y)}, --limit)'} ({counts}), from "
          f"{data.resolve_data_dir()} via sparrow.ecg.data.intra_test_beats ({data_s:.1f} s)")

    work = Path(args.work_dir) if args.work_dir else Path(tempfile.mkdtemp(prefix="ecg-hw-"))
    try:
        t = time.perf_counter()
        design = generate(model, work / "design", lanes=args.lanes)
        gen_s = time.perf_counter() - t
        plan = design.plan
        clock_ns = json.loads(design.manifest.read_text())["clock_period_ns"]
        print(f"core: {design.top}, lanes {plan.lanes}, {plan.cycles_per_inference} compute "
              f"cycles per inference (plan), clock period {clock_ns} ns (manifest); generated in "
              f"{gen_s:.1f} s into {rel(design.directory)}")

        build_args = ["-CFLAGS", args.cflags] if args.cflags else []
        predictions, cycles, mismatched, tb_errors = [], [], set(), []
        golden_pred, golden_s, build_s, run_s, sim_ns = [], 0.0, 0.0, 0.0, 0.0
        for start in range(0, len(x), args.chunk):
            chunk = x[start:start + args.chunk]
            t = time.perf_counter()
            golden = run(model, chunk, lanes=plan.lanes)
            golden_s += time.perf_counter() - t
            result = run_core_sim(design, chunk, simulator="verilator", work_dir=work / "sim",
                                 build_args=build_args)
            build_s += result.build_seconds
            run_s += result.run_seconds
            if result.window_ns:
                sim_ns += result.window_ns[1] - result.window_ns[0]
            tb_errors += [re.sub(r"^inference (\d+)",
                                 lambda m: f"beat {start + int(m.group(1))}", e)
                          for e in result.errors]
            tb_errors += [f"testbench test {name} failed (log {result.log})"
                          for name in result.tests_failed]
            for e in result.errors:
                m = re.match(r"inference (\d+):", e)
                if m:
                    mismatched.add(start + int(m.group(1)))
            expected_perf = {"cycles": plan.cycles_per_inference,
                             "weight_reads": golden.weight_reads,
                             "activation_reads": golden.activation_reads,
                             "activation_writes": golden.activation_writes}
            for i in range(len(chunk)):
                seen = result.observed[i] if i < len(result.observed) else None
                if (seen is None or seen["cls"] != int(golden.predictions[i])
                        or seen["scores"] != golden.scores[i].tolist()
                        or seen["perf"] != expected_perf):
                    mismatched.add(start + i)
            predictions += result.predictions + [-1] * (len(chunk) - len(result.observed))
            cycles += [o["perf"]["cycles"] for o in result.observed]
            golden_pred += golden.predictions.tolist()
            done = start + len(chunk)
            print(f"  chunk {start}..{done - 1}: passed {result.passed}, build "
                  f"{result.build_seconds:.1f} s, run {result.run_seconds:.1f} s "
                  f"({len(chunk) / result.run_seconds:.1f} beats/s), mismatches so far "
                  f"{len(mismatched)}", file=sys.stderr, flush=True)
    finally:
        if not args.work_dir:
            shutil.rmtree(work, ignore_errors=True)
    wall_s = time.perf_counter() - wall0

    n = len(y)
    hw = np.array(predictions)
    golden_pred = np.array(golden_pred)
    print(f"\nmismatches (hardware vs golden model, per inference: class, 5 scores, 4 counters): "
          f"{len(mismatched)} of {n} inferences")
    for e in tb_errors[:10]:
        print(f"  {e}")
    if len(tb_errors) > 10:
        print(f"  ... {len(tb_errors) - 10} more testbench errors")

    print("\naccuracy (5 AAMI classes, against the reference annotations)")
    valid = hw >= 0
    hw_report = class_report(y[valid], hw[valid]) if valid.all() else None
    hw_acc = float(np.mean(hw == y))
    golden_acc = float(np.mean(golden_pred == y))
    print(f"  hardware (Verilator):          {hw_acc * 100:.4f} % ({int(np.sum(hw == y))} of {n})")
    print(f"  golden model (sparrow.model.run, now): {golden_acc * 100:.4f} % "
          f"({int(np.sum(golden_pred == y))} of {n})")
    print(f"  hardware == golden class:      {int(np.sum(hw == golden_pred))} of {n} beats")
    metrics = json.loads(Path(args.metrics).read_text())["models"]["ecg"]["annotated"]
    if whole:
        same_acc = hw_report is not None and hw_report.to_dict()["accuracy"] == metrics["accuracy"]
        same_cm = hw_report is not None and (hw_report.confusion.tolist() ==
                                             metrics["confusion_matrix_rows_true_cols_predicted"])
        print(f"  golden model ({rel(Path(args.metrics))} models.ecg.annotated.accuracy, {metrics['beats']} "
              f"beats): {metrics['accuracy'] * 100:.4f} %; hardware equal (6 decimals): "
              f"{same_acc}; confusion matrix equal: {same_cm}")
    else:
        print(f"  ({rel(Path(args.metrics))} intra.accuracy = {metrics['accuracy'] * 100:.4f} % "
              f"is over all {metrics['beats']} beats; not comparable with --limit)")

    if hw_report is not None:
        print("\nconfusion matrix of the hardware (beats; rows true class, columns predicted)")
        print(matrix(hw_report.confusion))

    print("\ncycles per inference")
    if cycles:
        c = np.array(cycles)
        print(f"  hardware counter perf__cycles (first compute cycle to result.valid): min "
              f"{c.min()}, max {c.max()}, mean {c.mean():.1f} cycles over {len(c)} inferences; "
              f"plan: {plan.cycles_per_inference}")
    per_beat = sim_ns / SIM_CLOCK_NS / n
    print(f"  end to end in simulation (first sample offered to last result taken, back to "
          f"back, {plan.load_cycles} samples streamed in at 1 per cycle): {per_beat:.1f} "
          f"cycles per beat")
    print(f"  at the design clock ({clock_ns} ns = {1e3 / clock_ns:g} MHz): "
          f"{per_beat * clock_ns / 1e3:.1f} us per beat, {1e9 / (per_beat * clock_ns):,.0f} "
          f"beats/s (a heart beats 1-3 times per second)")

    print("\nwall time (s)")
    print(f"  golden model: {golden_s:.1f}; Verilator build (all chunks): {build_s:.1f}; "
          f"simulation (all chunks, cocotb included): {run_s:.1f}; whole script: {wall_s:.1f} "
          f"= {wall_s / 60:.1f} min")
    print(f"  simulation throughput: {n / run_s:.1f} beats/s (wall clock, simulation only), "
          f"{n / wall_s:.1f} beats/s (whole script); C++ flags "
          f"{args.cflags or '(repository default)'}, chunks of {args.chunk} beats")
    ok = not mismatched and not tb_errors and valid.all()
    print(f"\nresult: {'PASS' if ok else 'FAIL'}: {len(mismatched)} mismatches in {n} beats")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
