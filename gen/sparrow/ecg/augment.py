"""Window shift and noise on raw ADC windows, then the front end's 8-bit quantization: the
training augmentation and the robustness test use the same functions.

* Shift: the 180-sample window starts ``s`` samples later (the R peak moves ``s`` samples
  earlier in the window), cut from the raw window widened by ``data.MARGIN`` on each side;
  ``|s| <= MARGIN``. At 360 Hz one sample is 2.78 ms.
* Amplitude: the window's deviation from its mean scaled by a factor ``g``
  (``mean + rint((a - mean) * g)``): patients differ in QRS amplitude by factors of 2 and
  more (lead placement, body habitus), which a model trained on 22 patients need not learn.
* Noise: white Gaussian noise at a signal-to-noise ratio in dB relative to the power of the
  window itself: ``P_s = mean((a - mean(a))^2)`` over the 180 samples (adu^2), noise standard
  deviation ``sqrt(P_s / 10^(SNR / 10))``, rounded to whole ADC codes before quantization.
"""

from __future__ import annotations

import numpy as np

from ..errors import SparrowError
from .data import DEFAULT_SHIFT, MARGIN, WINDOW, quantize_windows


def shifted_windows(raw: np.ndarray, shifts: np.ndarray | int) -> np.ndarray:
    """(N, 180) int64 ADC windows cut from ``raw`` (N, 180 + 2 * MARGIN) at per-beat
    ``shifts`` (samples, -MARGIN..MARGIN; 0 is the window centred as in the data set)."""
    raw = np.asarray(raw)
    s = np.broadcast_to(np.asarray(shifts, dtype=np.int64), (len(raw),))
    if s.size and np.abs(s).max() > MARGIN:
        raise SparrowError(f"window shift must be within -{MARGIN}..{MARGIN} samples, got "
                           f"{int(np.abs(s).max())}")
    idx = (MARGIN + s)[:, None] + np.arange(WINDOW)[None, :]
    return np.take_along_axis(raw.astype(np.int64), idx, axis=1)


def add_noise(windows: np.ndarray, snr_db: np.ndarray | float,
              rng: np.random.Generator) -> np.ndarray:
    """``windows`` (N, W) ADC codes plus white Gaussian noise at ``snr_db`` (per window or
    one value) relative to each window's own power, rounded to int64 codes."""
    a = np.asarray(windows, dtype=np.float64)
    power = np.mean((a - a.mean(axis=1, keepdims=True)) ** 2, axis=1, keepdims=True)
    snr = np.broadcast_to(np.asarray(snr_db, dtype=np.float64), (len(a),))[:, None]
    sigma = np.sqrt(power / 10.0 ** (snr / 10.0))
    return np.rint(a + rng.standard_normal(a.shape) * sigma).astype(np.int64)


ROBUSTNESS_SHIFTS = (-3, 3)          # samples (8.3 ms)
ROBUSTNESS_SNR_DB = 20.0
ROBUSTNESS_SEED = 0


def robustness_windows(raw: np.ndarray) -> dict[tuple[str, str], np.ndarray]:
    """The perturbations of the robustness figures, as (N, 180) ADC windows cut from
    ``raw``: ("shift", "s") for each s in ROBUSTNESS_SHIFTS (samples), and ("noise",
    "20dB"): white noise at ROBUSTNESS_SNR_DB, seeded with ROBUSTNESS_SEED."""
    out = {("shift", str(s)): shifted_windows(raw, s) for s in ROBUSTNESS_SHIFTS}
    out[("noise", f"{ROBUSTNESS_SNR_DB:g}dB")] = add_noise(
        shifted_windows(raw, 0), ROBUSTNESS_SNR_DB, np.random.default_rng(ROBUSTNESS_SEED))
    return out


def scale_amplitude(windows: np.ndarray, gain: np.ndarray | float) -> np.ndarray:
    """``windows`` (N, W) ADC codes with their deviation from each window's mean scaled by
    ``gain`` (per window or one value), rounded to int64 codes."""
    a = np.asarray(windows, dtype=np.float64)
    g = np.broadcast_to(np.asarray(gain, dtype=np.float64), (len(a),))[:, None]
    mean = a.mean(axis=1, keepdims=True)
    return np.rint(mean + (a - mean) * g).astype(np.int64)


def augmented_inputs(raw: np.ndarray, rng: np.random.Generator, *, max_shift: int,
                     noise_fraction: float, snr_db: tuple[float, float],
                     shift: int = DEFAULT_SHIFT,
                     gain_range: tuple[float, float] = (1.0, 1.0)) -> np.ndarray:
    """A training batch: each window shifted uniformly in -max_shift..max_shift, its
    amplitude scaled by a gain log-uniform in ``gain_range`` (when not (1, 1)), a
    ``noise_fraction`` of them with noise at an SNR uniform in ``snr_db`` (dB), quantized to
    the (N, 1, 180) int8 network input."""
    n = len(raw)
    shifts = rng.integers(-max_shift, max_shift + 1, size=n) if max_shift else 0
    windows = shifted_windows(raw, shifts)
    if tuple(gain_range) != (1.0, 1.0):
        lo, hi = np.log(gain_range[0]), np.log(gain_range[1])
        windows = scale_amplitude(windows, np.exp(rng.uniform(lo, hi, size=n)))
    if noise_fraction > 0:
        noisy = rng.random(n) < noise_fraction
        if noisy.any():
            snr = rng.uniform(snr_db[0], snr_db[1], size=int(noisy.sum()))
            windows[noisy] = add_noise(windows[noisy], snr, rng)
    return quantize_windows(windows, shift)[:, None, :]
