"""ECG application figures: training time, integer (golden) vs float accuracy, data-pipeline
and golden-model throughput (prints figures; not a timed test).

* Training time per epoch and in total: read from the training log beside the model
  (``<stem>.train.json``, wall-clock seconds measured by the training run), or measured now
  with ``--train-epochs N`` (N float epochs + N quantization-aware epochs on the intra-patient
  split; keep N small on a shared machine).
* Accuracy of the integer model (golden model, recomputed now on the test beats) against the
  float network the training run reports (from the log).
* Data pipeline: reading + segmentation + quantization of all 48 records without the cache,
  in beats per second (wall clock); quantization alone likewise.
* Golden-model inference rate on the test beats, in beats per second.

    .venv/bin/python bench/ecg.py [--model examples/ecg/ecg.toml] [--split intra]
                                  [--train-epochs N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from sparrow.ecg import data
from sparrow.model import load_model, run

REPO = Path(__file__).resolve().parents[1]


def training_times(log: dict) -> None:
    epochs = log["epochs"]
    for phase in dict.fromkeys(e["phase"] for e in epochs):
        secs = [e["seconds"] for e in epochs if e["phase"] == phase]
        print(f"  {phase:<12} {len(secs):>3} epochs: {statistics.median(secs):6.1f} s per epoch "
              f"(median; min {min(secs):.1f}, max {max(secs):.1f}), {sum(secs):7.1f} s in all")
    total = log["float_phase_seconds"] + log["qat_phase_seconds"]
    print(f"  total training {total:.0f} s = {total / 60:.1f} min (float phase "
          f"{log['float_phase_seconds']:.0f} s + quantization-aware {log['qat_phase_seconds']:.0f}"
          f" s), {log['train_beats']} training beats, threads {log['config']['threads']}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=str(REPO / "examples" / "ecg" / "ecg.toml"))
    ap.add_argument("--split", choices=data.SPLITS, default="intra")
    ap.add_argument("--train-epochs", type=int, default=0,
                    help="measure training now with N + N epochs instead of reading the log")
    args = ap.parse_args()
    model_path = Path(args.model)
    load = " / ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"machine: {os.cpu_count()} cores, load average {load} (1/5/15 min): wall-clock "
          f"figures below depend on it")

    print("\ntraining time")
    if args.train_epochs:
        from sparrow.ecg.train import TrainConfig, train
        cfg = replace(TrainConfig(split=args.split), float_epochs=args.train_epochs,
                      qat_epochs=args.train_epochs)
        log = train(cfg, progress=lambda _: None).log
        print(f"  measured now ({args.train_epochs} + {args.train_epochs} epochs):")
    else:
        log_path = model_path.with_name(f"{model_path.stem}.train.json")
        if not log_path.is_file():
            print(f"bench: no training log {log_path}; use --train-epochs N", file=sys.stderr)
            return 1
        log = json.loads(log_path.read_text())
        shown = log_path.relative_to(REPO) if log_path.is_relative_to(REPO) else log_path
        print(f"  from {shown}:")
    training_times(log)

    print("\naccuracy on the test beats")
    model = load_model(model_path)
    _, test = data.load_split(args.split, None)
    start = time.perf_counter()
    result = run(model, test.x)
    golden_seconds = time.perf_counter() - start
    golden_acc = float(np.mean(result.predictions == test.y))
    print(f"  integer model (golden model, now):    {golden_acc * 100:.2f} % of {len(test)} beats")
    if not args.train_epochs:
        print(f"  integer model (training log):         {log['integer_test_accuracy'] * 100:.2f} %")
    print(f"  float network (training log):         {log['float_test_accuracy'] * 100:.2f} %")
    print(f"  integer - float:                      "
          f"{(golden_acc - log['float_test_accuracy']) * 100:+.2f} points")

    print("\ndata pipeline (all 48 records, no cache)")
    path = data.resolve_data_dir()
    start = time.perf_counter()
    signals = [data.read_record(path, r) for r in data.RECORDS]
    read_s = time.perf_counter() - start
    start = time.perf_counter()
    beats = data.BeatSet.concatenate([data.segment(s) for s in signals])
    seg_s = time.perf_counter() - start
    windows = [s.adc[r[:, None] + np.arange(-data.WINDOW_BEFORE, data.WINDOW_AFTER)]
               for s in signals
               for r in [s.ann_sample[(s.ann_sample >= data.WINDOW_BEFORE)
                                      & (s.ann_sample + data.WINDOW_AFTER <= len(s.adc))]]]
    start = time.perf_counter()
    for w in windows:     # per record, as segment() does (large arrays are memory-bound)
        data.quantize_windows(w)
    q_s = time.perf_counter() - start
    n_windows = sum(len(w) for w in windows)
    n = len(beats)
    print(f"  read (wfdb):                    {read_s:6.2f} s")
    print(f"  segmentation + quantization:    {seg_s:6.2f} s = {n / seg_s:,.0f} beats/s "
          f"({n} beats)")
    print(f"  read + segment + quantize:      {read_s + seg_s:6.2f} s = "
          f"{n / (read_s + seg_s):,.0f} beats/s")
    print(f"  quantization alone:             {q_s:6.3f} s = {n_windows / q_s:,.0f} windows/s")

    print("\ngolden-model inference")
    print(f"  {len(test)} beats in {golden_seconds:.2f} s = {len(test) / golden_seconds:,.0f} "
          f"beats/s (with per-layer counters)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
