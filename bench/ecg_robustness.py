"""Robustness of ECG models to the window position and to noise: accuracy on the test beats
of each model's split as segmented, with the window shifted by -5..+5 samples (2.78 ms each),
and with white noise at 30, 20 and 10 dB SNR (relative to each window's power, seeded), with
the drop against the unperturbed accuracy in points. Golden model on real beats. The
template features of a model that takes them are recomputed from the perturbed windows
(sparrow.ecg.data.with_windows); the RR features stay (the beat positions do not move).

    .venv/bin/python bench/ecg_robustness.py [--models examples/ecg/ecg_rr_ds1.toml:inter ...]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from sparrow.ecg import data
from sparrow.ecg.augment import add_noise, shifted_windows
from sparrow.ecg.evaluate import beat_aux
from sparrow.model import load_model, run

REPO = Path(__file__).resolve().parents[1]
DEFAULT = [f"{REPO}/examples/ecg/ecg_rr_ds1.toml:inter", f"{REPO}/examples/ecg/ecg_rr.toml:intra",
           f"{REPO}/examples/ecg/ecg.toml:intra48"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", nargs="+", default=DEFAULT, metavar="FILE:SPLIT")
    args = ap.parse_args()
    for spec in args.models:
        file, _, split = spec.rpartition(":")
        model = load_model(file)
        _, test = data.load_split(split, None)

        def accuracy(windows: np.ndarray) -> float:
            beats = data.with_windows(test, data.quantize_windows(windows)[:, None, :])
            return float(np.mean(run(model, beats.x, aux=beat_aux(model, beats)).predictions
                                 == test.y))
        base = accuracy(shifted_windows(test.raw, 0))
        print(f"{Path(file).name} on the {split} test beats ({len(test)}): {base * 100:.2f} % "
              f"(always N: {np.mean(test.y == 0) * 100:.2f} %)")
        for s in range(-5, 6):
            if s:
                acc = accuracy(shifted_windows(test.raw, s))
                print(f"  shift {s:+d} samples ({s * 1000 / 360:+5.1f} ms): {acc * 100:6.2f} % "
                      f"(drop {100 * (base - acc):+.2f} points)")
        for snr in (30.0, 20.0, 10.0):
            acc = accuracy(add_noise(shifted_windows(test.raw, 0), snr,
                                     np.random.default_rng(0)))
            print(f"  noise {snr:4.0f} dB:               {acc * 100:6.2f} % "
                  f"(drop {100 * (base - acc):+.2f} points)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
