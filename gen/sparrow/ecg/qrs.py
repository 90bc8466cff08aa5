"""QRS detector in integer arithmetic: a Pan-Tompkins-style golden model at 360 Hz.

After Pan and Tompkins, "A real-time QRS detection algorithm", IEEE TBME 32(3), 1985; their
filters are for 200 Hz, these are the same shapes re-timed for 360 Hz. Every step is an
integer operation a small front end can do (adds, shifts, one square, comparisons); no
multiplier but the square, no division but shifts. Input: the lead's ADC codes (11-bit at
MIT-BIH, 0..2047 adu). Delays in samples (1 sample = 2.78 ms):

1. Low-pass: two cascaded moving sums of 12 samples (zeros at multiples of 30 Hz, -3 dB near
   11 Hz); gain 144, delay 11.
2. High-pass: the low-pass output 32 samples ago minus the mean of its last 64 samples
   (floor); -3 dB near 5 Hz; delay 32. ``bp = hp >> 3`` (gain 18 over the ADC codes).
3. Derivative: ``d[n] = 2 bp[n] + bp[n-2] - bp[n-6] - 2 bp[n-8]`` (Pan-Tompkins' five-point
   derivative over twice the spacing); delay 4.
4. Square of ``d >> 4``, then 5. moving-window integration: the sum of the last 54 squares
   (150 ms). Worst case (full-scale 2047 adu steps): |bp| < 2**16, |d| < 2**19, square
   < 2**30, integral < 2**36: every value fits an int64 with room, and a 40-bit datapath.

Decision (on the peaks of the integrated signal, in time order):

* the input is taken relative to its first sample (no start-up step from the ADC offset),
  and the first ``SETTLE`` (194) samples of the integral, the filters' start-up, are ignored;
* learning: the next 2 s set the signal and noise levels: SPKI = max >> 1, NPKI = mean >> 1;
* a peak is a candidate if it is the largest within 200 ms (72 samples) on either side
  (refractory period); THRESHOLD1 = NPKI + (SPKI - NPKI) >> 2, THRESHOLD2 = THRESHOLD1 >> 1;
* a candidate at or above THRESHOLD1 is a QRS, unless it comes within 360 ms (130 samples)
  of the previous QRS with less than half its steepest slope (max |d|): then it is a T wave;
  a QRS updates SPKI += (peak - SPKI) >> 3, a non-QRS peak NPKI += (peak - NPKI) >> 3;
* search-back: when no QRS came for 166 % of the mean of the last 8 RR intervals (RR * 5 / 3),
  the largest peak since the last QRS that reaches THRESHOLD2 is taken as a QRS
  (SPKI += (peak - SPKI) >> 2).

Fiducial point: the sample of largest |bp| within the 150 ms integration window that ends
at the QRS peak, minus the band-pass delay (43 samples) plus ``FIDUCIAL_OFFSET`` (set once
from the median offset to the reference annotations on the DS1 training records, never on
DS2: see ``bench/ecg_qrs.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import SparrowError
from .data import SAMPLE_RATE_HZ

LP_TAPS = 12
HP_TAPS = 64
HP_DELAY = 32
BP_SHIFT = 3
D_SHIFT = 4
MWI_TAPS = 54                          # 150 ms
REFRACTORY = 72                        # 200 ms
PEAK_HALF_WIDTH = 54                   # 150 ms: a peak is the largest within +-150 ms
T_WAVE_WINDOW = 130                    # 360 ms
LEARNING = 2 * SAMPLE_RATE_HZ          # 2 s
# Samples until the filters have seen a full input (their start-up transient is ignored).
SETTLE = 2 * (LP_TAPS - 1) + HP_TAPS + 8 + MWI_TAPS
THRESHOLD_SHIFT = 3
BP_DELAY = (LP_TAPS - 1) + HP_DELAY    # 43 samples from the ADC code to bp
D_DELAY = 4
FIDUCIAL_OFFSET = 0


@dataclass(frozen=True)
class QrsSignals:
    """The detector's integer signals (all int64, the length of the input)."""

    bp: np.ndarray          # band-passed
    slope: np.ndarray       # derivative d
    mwi: np.ndarray         # moving-window integral of the squared derivative


def _moving_sum(x: np.ndarray, taps: int) -> np.ndarray:
    """Causal sum of the last ``taps`` samples (zeros before the start)."""
    c = np.cumsum(np.concatenate([np.zeros(taps, dtype=np.int64), x]))
    return c[taps:] - c[:-taps]


def _delayed(x: np.ndarray, k: int) -> np.ndarray:
    return np.concatenate([np.zeros(k, dtype=np.int64), x[:len(x) - k]]) if k else x


def filter_signals(adc: np.ndarray) -> QrsSignals:
    """Band-pass, derivative and integrated square of ADC codes (integer, causal)."""
    x = np.asarray(adc, dtype=np.int64)
    x = x - x[0] if len(x) else x
    lp = _moving_sum(_moving_sum(x, LP_TAPS), LP_TAPS)
    hp = _delayed(lp, HP_DELAY) - np.floor_divide(_moving_sum(lp, HP_TAPS), HP_TAPS)
    bp = hp >> BP_SHIFT
    d = 2 * bp + _delayed(bp, 2) - _delayed(bp, 6) - 2 * _delayed(bp, 8)
    sq = (d >> D_SHIFT) ** 2
    return QrsSignals(bp=bp, slope=d, mwi=_moving_sum(sq, MWI_TAPS))


def _candidate_peaks(mwi: np.ndarray) -> np.ndarray:
    """Samples where the integral is the largest within REFRACTORY on either side (the
    earliest sample of a plateau), after the filters have settled."""
    n = len(mwi)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    from numpy.lib.stride_tricks import sliding_window_view
    half = PEAK_HALF_WIDTH
    padded = np.concatenate([np.full(half, -1, dtype=np.int64), mwi,
                             np.full(half, -1, dtype=np.int64)])
    window_max = sliding_window_view(padded, 2 * half + 1).max(axis=1)
    is_peak = (mwi == window_max) & (mwi > 0)
    is_peak[:SETTLE] = False
    # A plateau: keep its first sample only.
    is_peak[1:] &= mwi[1:] != mwi[:-1]
    return np.flatnonzero(is_peak)


def detect_qrs(adc: np.ndarray, *, record: str = "signal") -> np.ndarray:
    """R-peak sample positions (int64, increasing) of the ADC codes ``adc`` of one lead.

    Raises SparrowError naming ``record`` when the signal is shorter than the learning
    period or no beat is found (a flat or non-ECG signal).
    """
    x = np.asarray(adc)
    if x.ndim != 1 or len(x) < SETTLE + LEARNING:
        raise SparrowError(f"record {record}: the QRS detector needs at least "
                           f"{(SETTLE + LEARNING) / SAMPLE_RATE_HZ:.1f} s ({SETTLE + LEARNING} "
                           f"samples) of one lead, "
                           f"got {len(x) if x.ndim == 1 else list(x.shape)}")
    sig = filter_signals(x)
    qrs_peaks = _decide(sig)
    if len(qrs_peaks) == 0:
        raise SparrowError(f"record {record}: the QRS detector found no beat in "
                           f"{len(x) / SAMPLE_RATE_HZ:.1f} s of signal (flat, or not an ECG?)")
    return _fiducials(sig.bp, qrs_peaks, len(x))


def _decide(sig: QrsSignals) -> np.ndarray:
    """Pan-Tompkins decision on the integral's peaks: the QRS peaks (samples of ``mwi``)."""
    mwi, slope = sig.mwi, sig.slope
    learn = mwi[SETTLE:SETTLE + LEARNING]
    spki = int(learn.max()) >> 1
    npki = int(learn.sum() // len(learn)) >> 1
    qrs: list[int] = []
    qrs_slope = 0
    rr: list[int] = []
    pending: list[int] = []      # non-QRS peaks since the last QRS (search-back candidates)

    def threshold1() -> int:
        return npki + ((spki - npki) >> THRESHOLD_SHIFT)

    def max_slope(p: int) -> int:
        return int(np.abs(slope[max(0, p - MWI_TAPS):p + 1]).max())

    def accept(p: int) -> None:
        nonlocal qrs_slope
        if qrs:
            rr.append(p - qrs[-1])
            del rr[:-8]
        qrs.append(p)
        qrs_slope = max_slope(p)
        pending.clear()

    for p in _candidate_peaks(mwi).tolist():
        # Search-back: a beat was missed if none came within 166 % of the mean RR.
        if qrs and rr:
            limit = (sum(rr) // len(rr)) * 5 // 3
            if p - qrs[-1] > limit:
                thr2 = threshold1() >> 1
                found = [q for q in pending if mwi[q] >= thr2 and q - qrs[-1] >= REFRACTORY]
                if found:
                    best = max(found, key=lambda q: mwi[q])
                    spki += (int(mwi[best]) - spki) >> 2
                    accept(best)
                else:
                    # Nothing even at THRESHOLD2: the signal level has dropped (a lead
                    # change, a smaller morphology); lower the signal level by a quarter.
                    spki -= spki >> 2
                    pending.clear()
        peak = int(mwi[p])
        if qrs and p - qrs[-1] < REFRACTORY:
            continue
        if peak >= threshold1():
            if qrs and p - qrs[-1] < T_WAVE_WINDOW and max_slope(p) < qrs_slope // 2:
                npki += (peak - npki) >> 3            # a T wave
                pending.append(p)
                continue
            spki += (peak - spki) >> 3
            accept(p)
        else:
            npki += (peak - npki) >> 3
            pending.append(p)
    return np.array(qrs, dtype=np.int64)


def _fiducials(bp: np.ndarray, qrs_peaks: np.ndarray, length: int) -> np.ndarray:
    """R-peak sample of each QRS: largest |bp| in the integration window, delay removed."""
    out = np.empty(len(qrs_peaks), dtype=np.int64)
    mag = np.abs(bp)
    for i, p in enumerate(qrs_peaks.tolist()):
        lo = max(0, p - MWI_TAPS + 1)
        out[i] = lo + int(np.argmax(mag[lo:p + 1]))
    out = np.clip(out - BP_DELAY + FIDUCIAL_OFFSET, 0, length - 1)
    # Two QRS peaks can map to the same sample only if the signal is degenerate; keep one.
    return np.unique(out)
