"""The ECG RR model (aux input) on its generated core: MIT-BIH DS2 beats through cocotb +
Verilator, bit-exact against the golden model.

Generates the SSF core of ``examples/ecg/ecg_rr_ds1.toml`` (lanes 8 by default; its 11 beat
features reach ``fc1`` through the core's aux stream), loads the DS2 test beats of the
inter-patient split (``sparrow.ecg.data.load_split("inter")``) with their aux features
(``sparrow.ecg.evaluate.beat_aux``), or ``--beats N`` of them evenly spaced over the split,
streams them through the core in chunks, and prints:

* the count of inferences equal to the golden model (``sparrow.model.run`` with ``aux``) in
  class, scores and all five hardware counters (those predicted by ``sparrow.hw.schedule``
  from the golden activations and aux values); the script exits with status 1 on any
  mismatch;
* accuracy of the hardware's and the golden model's classes against the reference labels;
* cycles, weight reads and synops per inference from the hardware counters, against the
  plan's dense bound, and the aux layer's share;
* wall time.

    .venv/bin/python bench/ecg_rr_hw.py [--beats N] [--chunk 2000] [--lanes 8]
                                        [--cflags FLAGS] [--work-dir DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from sparrow.ecg import data
from sparrow.ecg.evaluate import beat_aux
from sparrow.hw.generate import generate
from sparrow.hw.schedule import inference_counters
from sparrow.model import load_model, run
from sparrow.sim.runner import run_core_sim

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=str(REPO / "examples" / "ecg" / "ecg_rr_ds1.toml"))
    ap.add_argument("--beats", type=int, default=None,
                    help="N beats evenly spaced over the DS2 split (default: all)")
    ap.add_argument("--chunk", type=int, default=2000, help="beats per simulator run")
    ap.add_argument("--lanes", type=int, default=8)
    # -O2 (bench/ecg_hardware.py's default) compiled this core's constructor for over 16 min
    # on a loaded 2-core machine; the repository's -O0 builds it in well under a minute.
    ap.add_argument("--cflags", default="",
                    help="C++ flags of the Verilator model (default: the repository's)")
    ap.add_argument("--work-dir", default=None,
                    help="keep the design, build and logs here (default: a temporary folder)")
    args = ap.parse_args()
    if args.chunk < 1 or (args.beats is not None and args.beats < 1):
        ap.error("--chunk and --beats must be positive")

    wall0 = time.perf_counter()
    load = " / ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"machine: {os.cpu_count()} cores, load average {load} (1/5/15 min)")
    model = load_model(args.model)
    if model.aux_input is None:
        ap.error(f"{args.model}: model {model.name} has no aux input")
    t = time.perf_counter()
    _, test = data.load_split("inter", data.resolve_data_dir())
    whole = args.beats is None or args.beats >= len(test)
    if not whole:
        test = test.take(np.linspace(0, len(test) - 1, args.beats).astype(np.int64))
    x, y, aux = test.x.astype(np.int64), test.y, beat_aux(model, test)
    counts = " ".join(f"{c} {n}" for c, n in zip(data.CLASSES, np.bincount(y, minlength=5)))
    print(f"beats: {len(y)} of the DS2 test split{'' if whole else ' (evenly spaced, --beats)'}"
          f" ({counts}), {model.aux_input.features} aux features each; loaded in "
          f"{time.perf_counter() - t:.1f} s")

    work = Path(args.work_dir) if args.work_dir else Path(tempfile.mkdtemp(prefix="ecg-rr-hw-"))
    try:
        design = generate(model, work / "design", lanes=args.lanes)
        plan = design.plan
        aux_layer = next(l for l in plan.layers if l.aux_words)
        print(f"core: {design.top}, lanes {plan.lanes}, aux buffer {plan.aux_words} x "
              f"{plan.aux_bits} bits, aux weights {aux_layer.groups * aux_layer.aux_words} "
              f"words in {aux_layer.name}; dense bound {plan.cycles_per_inference} cycles")
        build_args = ["-CFLAGS", args.cflags] if args.cflags else []
        exact, hw_pred, golden_pred, perf = 0, [], [], []
        sim_s = 0.0
        for start in range(0, len(x), args.chunk):
            xs, auxs = x[start:start + args.chunk], aux[start:start + args.chunk]
            golden = run(model, xs, aux=auxs, lanes=plan.lanes)
            counters = inference_counters(plan, xs, golden.activations, auxs).as_dict()
            result = run_core_sim(design, xs, aux=auxs, simulator="verilator",
                                  work_dir=work / "sim", build_args=build_args)
            sim_s += result.build_seconds + result.run_seconds
            for i, seen in enumerate(result.observed):
                exact += (seen["cls"] == int(golden.predictions[i])
                          and seen["scores"] == golden.scores[i].tolist()
                          and seen["perf"] == {k: int(v[i]) for k, v in counters.items()})
            hw_pred += result.predictions + [-1] * (len(xs) - len(result.observed))
            golden_pred += golden.predictions.tolist()
            perf += [o["perf"] for o in result.observed]
            print(f"  chunk {start}..{start + len(xs) - 1}: testbench passed {result.passed}, "
                  f"build {result.build_seconds:.1f} s, run {result.run_seconds:.1f} s; "
                  f"bit-exact so far {exact}", file=sys.stderr, flush=True)
    finally:
        if not args.work_dir:
            shutil.rmtree(work, ignore_errors=True)

    n = len(y)
    hw, gold = np.array(hw_pred), np.array(golden_pred)
    print(f"\nbit-exact (class, {plan.classes} scores, 5 counters equal the golden model): "
          f"{exact} of {n} inferences")
    print(f"accuracy against the annotations: hardware {np.mean(hw == y) * 100:.2f} %, golden "
          f"model {np.mean(gold == y) * 100:.2f} % ({n} beats)")
    if perf:
        for key in ("cycles", "weight_reads", "activation_reads", "synops"):
            v = np.array([p[key] for p in perf])
            print(f"  {key:<17} min {v.min():>7} mean {v.mean():>9.1f} max {v.max():>7}")
        print(f"  aux part per inference: {aux_layer.groups * aux_layer.aux_words} cycles, "
              f"{aux_layer.out_channels * aux_layer.aux_words} weight reads (every aux value "
              f"issues, zero or not)")
    print(f"wall time: {time.perf_counter() - wall0:.1f} s (Verilator build + run {sim_s:.1f} s)")
    ok = exact == n
    print(f"result: {'PASS' if ok else 'FAIL'}: {exact}/{n} bit-exact")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
