"""Beat-by-beat comparison of detected beats with the reference annotations (AAMI EC57).

A detection matches a reference beat when they are at most 150 ms apart (54 samples at
360 Hz); each beat matches at most one detection, the closest pairs first. Unmatched
reference beats are false negatives, unmatched detections false positives. As EC57
prescribes, beats and detections inside ventricular flutter/fibrillation episodes (between
the ``[`` and ``]`` annotations) are not scored. Figures: sensitivity Se = TP / (TP + FN),
positive predictivity +P = TP / (TP + FP), per record and over all records (gross: sums of
the counts).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .data import SAMPLE_RATE_HZ

MATCH_WINDOW = int(0.150 * SAMPLE_RATE_HZ)       # 54 samples = 150 ms


@dataclass(frozen=True)
class BeatMatch:
    """Pairs of (reference index, detection index) and what stayed unmatched; indices into
    the arrays given to :func:`match_beats`. ``scored_*`` are the masks of beats outside VF
    episodes (the only ones counted)."""

    pairs: np.ndarray              # (M, 2) int64
    missed: np.ndarray             # reference indices (scored, unmatched)
    false: np.ndarray              # detection indices (scored, unmatched)

    @property
    def tp(self) -> int:
        return len(self.pairs)

    @property
    def fn(self) -> int:
        return len(self.missed)

    @property
    def fp(self) -> int:
        return len(self.false)


def _outside(samples: np.ndarray, episodes: list[tuple[int, int]]) -> np.ndarray:
    keep = np.ones(len(samples), dtype=bool)
    for start, end in episodes:
        keep &= ~((samples >= start) & (samples <= end))
    return keep


def match_beats(reference: np.ndarray, detected: np.ndarray, *,
                excluded: list[tuple[int, int]] = (), window: int = MATCH_WINDOW
                ) -> BeatMatch:
    """Match ``detected`` to ``reference`` sample positions (both increasing) within
    ``window`` samples, closest pairs first; positions inside an ``excluded`` (start, end)
    interval are not scored."""
    ref = np.asarray(reference, dtype=np.int64)
    det = np.asarray(detected, dtype=np.int64)
    ref_idx = np.flatnonzero(_outside(ref, list(excluded)))
    det_idx = np.flatnonzero(_outside(det, list(excluded)))
    r, d = ref[ref_idx], det[det_idx]
    # Candidate pairs: each reference beat with its nearest detections on either side.
    candidates = []
    if len(d):
        j = np.searchsorted(d, r)
        for k in (j - 1, j):
            ok = (k >= 0) & (k < len(d))
            dist = np.abs(d[np.clip(k, 0, len(d) - 1)] - r)
            ok &= dist <= window
            candidates.append(np.stack([np.flatnonzero(ok), k[ok], dist[ok]], axis=1))
    cand = np.concatenate(candidates) if candidates else np.zeros((0, 3), dtype=np.int64)
    cand = cand[np.lexsort((cand[:, 1], cand[:, 0], cand[:, 2]))]   # closest first
    used_r = np.zeros(len(r), dtype=bool)
    used_d = np.zeros(len(d), dtype=bool)
    pairs = []
    for i, k, _ in cand.tolist():
        if not used_r[i] and not used_d[k]:
            used_r[i] = used_d[k] = True
            pairs.append((ref_idx[i], det_idx[k]))
    pairs_arr = np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)
    return BeatMatch(pairs=pairs_arr, missed=ref_idx[~used_r], false=det_idx[~used_d])


@dataclass(frozen=True)
class DetectionScore:
    """Detection counts of one record (or a sum of records) and Se / +P (fractions)."""

    record: str
    tp: int
    fn: int
    fp: int

    @property
    def se(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else float("nan")

    @property
    def ppv(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else float("nan")

    def to_dict(self) -> dict:
        return {"record": self.record, "tp": self.tp, "fn": self.fn, "fp": self.fp,
                "se": round(self.se, 6), "ppv": round(self.ppv, 6)}


def gross(scores: list[DetectionScore], label: str = "all") -> DetectionScore:
    """The sum of the counts of ``scores`` (gross statistics)."""
    return DetectionScore(label, sum(s.tp for s in scores), sum(s.fn for s in scores),
                          sum(s.fp for s in scores))
