"""RR-interval features of each beat: the rhythm half of the classifier's input, in integers
at the 360 Hz sample clock, as a front end next to the QRS detector computes them.

For beat i of a record with R-peak sample positions ``r`` (annotated or detected), all in
samples (1 sample = 1/360 s = 2.78 ms)::

    pre[i]   = r[i] - r[i-1]                 (first beat: post[i])
    post[i]  = r[i+1] - r[i]                 (last beat: pre[i])
    local[i] = floor(sum(pre[i-7..i]) / 8)   (the 8 RR intervals ending at beat i; fewer at
                                              the start of a record: their mean, floored)
    long[i]  = floor(sum(pre[i-63..i]) / 64) (likewise over 64 intervals, about a minute)

and the aux vector handed to the network, every feature clamped to 0..1023 (10-bit unsigned)::

    0  pre_rr            pre[i]                           samples (1023 = 2.84 s)
    1  post_rr           post[i]                          samples
    2  local_rr          local[i]                         samples
    3  pre_over_local    floor(256 * pre[i] / local[i])   ratio x 256 (256 = 1.0, 1023 = 4.0)
    4  post_over_local   floor(256 * post[i] / local[i])  ratio x 256
    5  local_over_long   floor(256 * local[i] / long[i])  ratio x 256
    6  pre_over_long     floor(256 * pre[i] / long[i])    ratio x 256
    7  post_over_long    floor(256 * post[i] / long[i])   ratio x 256

The ratios normalize the rhythm by the patient's own rate, which is what lets a premature
beat be told from a normal one in a patient never seen in training. Two time scales: the
local mean follows rate changes within seconds but is pulled down by a run of premature
beats (bigeminy, runs of SVT); the long mean (about a minute) is the patient's baseline
rate that such runs barely move (de Chazal et al. 2004 normalize by a 5-minute mean; the
ratios to it are the RR-normalized features of later inter-patient work). Cross-validation
by patient on DS1 (examples/ecg/README.md) raised the N-S-V F1 from 56.0 % with features
0..5 to 58.2 % with all 8. ``post`` needs the next beat, so a beat is classified one beat
late (at most 1023 samples, 2.84 s). A front end needs
sums over the last 8 and 64 intervals (running sums: add the newest, subtract the oldest) and
five integer divisions per beat; the divisions by 8 and 64 are shifts.
"""

from __future__ import annotations

import numpy as np

from ..errors import SparrowError

RR_FEATURES = ("pre_rr", "post_rr", "local_rr", "pre_over_local", "post_over_local",
               "local_over_long", "pre_over_long", "post_over_long")
PRE_OVER_LOCAL = RR_FEATURES.index("pre_over_local")
RR_BITS = 10
RR_MAX = (1 << RR_BITS) - 1
RATIO_ONE = 256            # fixed-point 1.0 of the ratio features
LOCAL_BEATS = 8
LONG_BEATS = 64


def _trailing_mean(rr: np.ndarray, beats: int) -> np.ndarray:
    """floor(mean) of the last ``beats`` values ending at each index (fewer at the start)."""
    csum = np.concatenate([[0], np.cumsum(rr)])
    idx = np.arange(1, len(rr) + 1)
    start = np.maximum(idx - beats, 0)
    return (csum[idx] - csum[start]) // (idx - start)


def rr_features(r_peaks: np.ndarray) -> np.ndarray:
    """(N, 8) int64 aux vectors (see the module docstring) of beats at ``r_peaks`` (samples,
    strictly increasing). A single beat has no interval: all its features are 0."""
    r = np.asarray(r_peaks, dtype=np.int64)
    if r.ndim != 1:
        raise SparrowError(f"RR features: R-peak positions must be one list, got shape "
                           f"{list(r.shape)}")
    n = len(r)
    out = np.zeros((n, len(RR_FEATURES)), dtype=np.int64)
    if n < 2:
        return out
    if np.any(np.diff(r) <= 0):
        i = int(np.flatnonzero(np.diff(r) <= 0)[0])
        raise SparrowError(f"RR features: R-peak positions must increase, but beat {i + 1} "
                           f"(sample {r[i + 1]}) does not follow beat {i} (sample {r[i]})")
    d = np.diff(r)
    pre = np.concatenate([[d[0]], d])
    post = np.concatenate([d, [d[-1]]])
    local = _trailing_mean(pre, LOCAL_BEATS)
    long = _trailing_mean(pre, LONG_BEATS)
    features = (pre, post, local, RATIO_ONE * pre // local, RATIO_ONE * post // local,
                RATIO_ONE * local // long, RATIO_ONE * pre // long, RATIO_ONE * post // long)
    for j, f in enumerate(features):
        out[:, j] = np.minimum(f, RR_MAX)
    return out
