"""Beat-to-template features: how far each beat's shape is from the patient's own usual
beat, in integers, as a front end next to the QRS detector computes them.

Why: a classifier that sees only the beat's shape learns what a ventricular beat looks
like in its training patients, and a patient never seen whose normal beats are wide (bundle
branch block) or oddly shaped gets his normal beats called V. Cross-validation by patient on
DS1 showed exactly that (records 109, 118 and 207, all with bundle branch block). How much a
beat differs from the same patient's recent regular beats is a patient-normalized
morphology feature, as the RR ratios are patient-normalized rhythm features. With them,
the out-of-fold N-S-V F1 of that cross-validation rose from 58.2 % to 65.8 % and the false V
calls on record 109 fell from 2,474 to 303 (examples/ecg/README.md, ``cv/``).

The template is a running average of the quantized windows (:func:`sparrow.ecg.data.
quantize_windows`, int8, 180 samples) of the record's *regular* beats: those not premature,
``pre_over_local >= REGULAR`` (:mod:`sparrow.ecg.rr`: pre-RR at least 7/8 of the local mean).
With ``q_i`` the window of beat i and ``A`` the template held with 4 fractional bits
(``t = A >> 4``)::

    first beat:             A = 16 * q_0
    before beat i:          t = A >> 4                       (floor, per sample)
    features of beat i:     qrs_distance    = sum(|q_i - t| over samples 72..107) >> 2
                            beat_distance   = sum(|q_i - t| over all 180 samples) >> 3
                            amplitude_ratio = 256 * (max q_i - min q_i) // max(1, max t - min t)
    after a regular beat i: A = A - (A >> 4) + q_i           (average over ~16 beats)

each clamped to 0..1023 (10-bit unsigned, as the RR features). Samples 72..107 are the 36
samples (100 ms) around the R peak at sample 90. Units: the distances are sums of 0.04 mV
steps (divided by 4 and 8), the ratio is x 256 (256 = same peak-to-peak amplitude).
The front end keeps one 180-entry template of 12-bit values and does 180 subtractions,
absolute values and additions per beat (and the same again to update the template).
"""

from __future__ import annotations

import numpy as np

TEMPLATE_FEATURES = ("qrs_distance", "beat_distance", "amplitude_ratio")
REGULAR = 224                  # pre_over_local (ratio x 256) of a regular beat: >= 7/8
FRACTION_BITS = 4              # the template's fractional bits (average over 2**4 beats)
QRS = slice(72, 108)           # 36 samples (100 ms) around the R peak (sample 90)
FEATURE_MAX = 1023


def template_features(x: np.ndarray, pre_over_local: np.ndarray) -> np.ndarray:
    """(N, 3) int64 features (see the module docstring) of the consecutive beats of one
    record: ``x`` (N, 180) their quantized windows, ``pre_over_local`` (N,) their RR ratio
    (ratio x 256) that says which beats are regular."""
    q = np.asarray(x, dtype=np.int64)
    out = np.zeros((len(q), len(TEMPLATE_FEATURES)), dtype=np.int64)
    if len(q) == 0:
        return out
    acc = q[0] << FRACTION_BITS
    for i in range(len(q)):
        t = acc >> FRACTION_BITS
        d = np.abs(q[i] - t)
        span = max(1, int(t.max() - t.min()))
        out[i] = (int(d[QRS].sum()) >> 2, int(d.sum()) >> 3,
                  256 * int(q[i].max() - q[i].min()) // span)
        if pre_over_local[i] >= REGULAR:
            acc = acc - (acc >> FRACTION_BITS) + q[i]
    return np.minimum(out, FEATURE_MAX)
