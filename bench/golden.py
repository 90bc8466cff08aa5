"""Golden-model throughput against the plain per-sample reference (prints figures).

Runs the bit-exact golden model (sparrow.model.run) on a batch of inputs for the ECG example
and the plain Python reference (sparrow.model.plain_forward) on a smaller sample in the same
process, checks that both agree on that sample, and prints both rates in inferences per
second (wall clock, time.perf_counter) and their ratio. The golden model's rate per
CPU-second of the process (time.process_time) is printed too: on a machine whose cores are
busy with other work, it is the figure that says what the code itself costs.

    .venv/bin/python bench/golden.py [--model examples/ecg/ecg.toml] [--batch 10000]
                                     [--reference 50] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info

from sparrow.model import load_model, plain_forward, run

REPO = Path(__file__).resolve().parents[1]
TARGET_RATE = 20_000        # inferences/s on a 2-core machine
TARGET_RATIO = 100          # golden / plain reference


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = " / ".join(f"{v:.2f}" for v in os.getloadavg())
    blas = next((f"{i['internal_api']} {i['version']} ({i['num_threads']} threads available)"
                 for i in threadpool_info() if i["user_api"] == "blas"), "none found")
    return (f"machine: {cpu}, {os.cpu_count()} cores ({usable} usable), load average "
            f"{load} (1/5/15 min)\n"
            f"python {platform.python_version()}, numpy {np.__version__}, BLAS {blas}; the "
            f"golden model runs BLAS on one thread")


def random_inputs(model, n: int, rng: np.random.Generator) -> np.ndarray:
    """Uniform over the whole sample range."""
    return rng.integers(model.input.min_value, model.input.max_value + 1,
                        size=(n, *model.input.shape))


def beat_like_inputs(model, n: int, rng: np.random.Generator) -> np.ndarray:
    """Synthetic heartbeat-shaped windows: a narrow QRS spike and a wide T wave at random
    positions and heights on a noisy baseline, clipped to the sample range."""
    c, length = model.input.shape
    t = np.arange(length)[None, None, :]
    centre = rng.uniform(0.4, 0.6, size=(n, c, 1)) * length
    qrs = rng.uniform(0.5, 1.0, size=(n, c, 1)) * np.exp(-0.5 * ((t - centre) / (length / 60)) ** 2)
    wave = rng.uniform(0.1, 0.3, size=(n, c, 1)) * np.exp(
        -0.5 * ((t - centre - length / 4) / (length / 15)) ** 2)
    noise = rng.normal(0, 0.02, size=(n, c, length))
    lo, hi = model.input.min_value, model.input.max_value
    mid, span = (lo + hi) / 2, (hi - lo) / 2
    return np.clip(np.rint(mid + span * (qrs + wave + noise)), lo, hi).astype(np.int64)


def golden_rates(model, x: np.ndarray, repeat: int) -> tuple[list[float], list[float]]:
    """Inferences per wall-clock second and per CPU-second of each timed run."""
    run(model, x[:64])                                      # warm-up: imports, BLAS threads
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        run(model, x)
        wall.append(len(x) / (time.perf_counter() - start))
        cpu.append(len(x) / (time.process_time() - start_cpu))
    return wall, cpu


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default=str(REPO / "examples" / "ecg" / "ecg.toml"))
    p.add_argument("--batch", type=int, default=10_000, help="golden-model batch size")
    p.add_argument("--reference", type=int, default=50, help="inferences of the reference")
    p.add_argument("--repeat", type=int, default=5, help="timed golden runs per input set")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)

    model = load_model(args.model)
    rng = np.random.default_rng(args.seed)
    print(machine())
    print(f"model: {model.name} ({args.model}), T = {model.timesteps}, "
          f"{model.macs} MACs per inference, {len(model.layers)} layers")
    print()

    sets = {"random": random_inputs(model, args.batch, rng),
            "beat-like": beat_like_inputs(model, args.batch, rng)}
    golden = {}
    for name, x in sets.items():
        rates, cpu_rates = golden_rates(model, x, args.repeat)
        golden[name] = statistics.median(rates)
        print(f"golden model, {name:>9} inputs, batch {args.batch}: median "
              f"{golden[name]:,.0f} inferences/s (best {max(rates):,.0f}, worst "
              f"{min(rates):,.0f}; {args.repeat} runs); {statistics.median(cpu_rates):,.0f} "
              f"inferences per CPU-second")

    sample = sets["random"][:args.reference]
    start = time.perf_counter()
    outputs = [plain_forward(model, s.tolist()) for s in sample]
    reference = len(sample) / (time.perf_counter() - start)
    print(f"plain reference, random inputs, {len(sample)} inferences: {reference:,.1f} "
          f"inferences/s")
    check = run(model, sample)
    agree = all(check.scores[i].tolist() == out[0] and int(check.predictions[i]) == out[1]
                for i, out in enumerate(outputs))
    print(f"golden == reference on those {len(sample)} inferences: {'yes' if agree else 'NO'}")

    rate = min(golden.values())
    ratio = golden["random"] / reference
    print()
    print(f"speed-up (golden / reference, random inputs, medians): {ratio:,.0f}x")
    print(f"target >= {TARGET_RATE:,} inferences/s: {'met' if rate >= TARGET_RATE else 'MISSED'} "
          f"({rate:,.0f}, slower input set)")
    print(f"target >= {TARGET_RATIO}x the reference: {'met' if ratio >= TARGET_RATIO else 'MISSED'}")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
