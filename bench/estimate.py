"""Analytical energy estimates: the published break-even points (arXiv 2409.08290) against
the model, then the ECG twins' estimates, claimed vs modelled gains, and smartwatch battery
life.

    .venv/bin/python bench/estimate.py [--inferences N]

Spike rates come from the golden model on N uniform random inputs (default 16; pass
``--inputs X.npy`` for real beats). Every figure is an estimate, in J per inference.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from sparrow.estimate.analytical import break_even_spike_rate
from sparrow.estimate.battery import SMARTWATCH, case_lifetime_hours
from sparrow.estimate.compare import gain_table
from sparrow.estimate.model_estimate import estimate_model, format_estimate
from sparrow.estimate.params import PAPER_22NM
from sparrow.estimate.published import (BREAK_EVEN_POINTS, MOVEMENT_CONSTANTS,
                                        NAIVE_GAIN_RANGE_2309, REALISTIC_GAIN_RANGE_2309,
                                        WEIGHT_CONSTANTS)
from sparrow.estimate.twins import ESTIMATORS, TWINS
from sparrow.model import load_model
from sparrow.model.inputs import load_inputs, random_inputs

ECG = Path(__file__).resolve().parents[1] / "examples" / "ecg" / "ecg.toml"


def break_even_table() -> None:
    print("Break-even spike rate, SNN vs its QNN twin (arXiv 2409.08290 vs this model, "
          "parameters paper-22nm):")
    print(f"  {'point':<44}{'published':>10}{'model':>9}{'model - published':>19}")
    worst = 0.0
    for p in BREAK_EVEN_POINTS:
        params = PAPER_22NM
        if p.movement_scale != 1:
            params = params.with_scaled(**{k: p.movement_scale for k in MOVEMENT_CONSTANTS})
        if p.weight_scale != 1:
            params = params.with_scaled(**{k: p.weight_scale for k in WEIGHT_CONSTANTS})
        s = break_even_spike_rate(p.timesteps, p.weight_bits, p.fan_in, params)
        worst = max(worst, abs(s - p.spike_rate))
        print(f"  {p.label:<44}{p.spike_rate * 100:>9.2f}%{s * 100:>8.2f}%"
              f"{(s - p.spike_rate) * 100:>+17.2f} pp")
    print(f"  largest deviation {worst * 100:.2f} percentage points (tests require < 0.5)")


def ecg_estimates(x_source: str, inferences: int, inputs: str | None) -> None:
    model = load_model(ECG)
    x = load_inputs(model, inputs) if inputs else random_inputs(model, inferences, seed=0)
    start = time.perf_counter()
    e = estimate_model(model, x, PAPER_22NM)
    seconds = time.perf_counter() - start
    print(f"\nECG twins ({x_source}; estimated in {seconds:.2f} s):")
    print(format_estimate(e))
    print("\nClaimed vs modelled gain, E(qnn) / E(twin) (> 1: the spiking twin saves):")
    print(f"  {'twin':<6}" + "".join(f"{est:>12}" for est in ESTIMATORS))
    for row in gain_table(e.estimates):
        print(f"  {row['twin']:<6}" + "".join(f"{row[est]:>11.3g}x" for est in ESTIMATORS))
    lo, hi = NAIVE_GAIN_RANGE_2309
    rlo, rhi = REALISTIC_GAIN_RANGE_2309
    print(f"  (arXiv 2309.03388 on its workloads: claimed {lo:g}-{hi:g}x, on SATA/SpikeSim "
          f"{rlo:g}-{rhi:g}x)")
    print(f"\nSmartwatch battery life ({SMARTWATCH.capacity_mah:g} mAh, "
          f"{SMARTWATCH.voltage_v:g} V, {SMARTWATCH.inference_rate_hz:g} inferences/s), "
          "analytical energies:")
    print(f"  {'twin':<6}{'J/inference':>13}{'rest 6.8 mW':>14}{'rest 1 µW':>13}"
          f"{'rest 1 µW, 100 Hz':>19}")
    for twin in TWINS:
        energy = e.get(twin, "analytical").total.total
        watch = case_lifetime_hours(SMARTWATCH, energy) / 24
        bare = case_lifetime_hours(SMARTWATCH, energy, base_power_w=1e-6) / 24
        fast = case_lifetime_hours(SMARTWATCH, energy, base_power_w=1e-6,
                                   inference_rate_hz=100) / 24
        print(f"  {twin:<6}{energy:>13.3e}{watch:>12.4g} d{bare:>11.4g} d{fast:>17.4g} d")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--inferences", type=int, default=16)
    ap.add_argument("--inputs", help=".npy of ECG beats (N, 1, 180) instead of random inputs")
    args = ap.parse_args()
    break_even_table()
    source = args.inputs or f"{args.inferences} uniform random inputs, seed 0"
    ecg_estimates(source, args.inferences, args.inputs)


if __name__ == "__main__":
    main()
