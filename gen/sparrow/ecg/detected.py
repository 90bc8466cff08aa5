"""End-to-end classification on detected beats: QRS detector -> RR features from the detected
beats -> windows around the detected R peaks -> golden model, scored against the reference
annotations with EC57 beat matching.

For each test record of a split, the integer detector (:mod:`sparrow.ecg.qrs`) finds the
beats; every detection gets its window (cut at the detected R peak) and its RR features
(from the detected positions only: no annotation enters the input). A detection matched to a
reference beat (150 ms, :mod:`sparrow.ecg.matching`) takes that beat's class as its label.
The classification figures are over the matched beats of the split's test part; the missed
reference beats (per class) and the false detections (with the class the model gave them)
are counted beside. For ``inter`` the test part is every beat of the DS2 records; for the
intra splits, the matched detections of the reference beats in the test part.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import SparrowError
from ..model import Model, run
from .data import (CLASSES, DEFAULT_SHIFT, DS2, beats_at, beat_labels, load_split, read_record,
                   resolve_data_dir, split_records)
from .evaluate import beat_aux
from .matching import DetectionScore, gross, match_beats
from .metrics import ClassReport, class_report
from .qrs import detect_qrs


@dataclass(frozen=True)
class DetectedEvaluation:
    """A model on the detected beats of a split's test records. Counts are beats."""

    split: str
    report: ClassReport                 # matched test beats: true class vs prediction
    detection: list[DetectionScore]     # per record, all beats of the record (EC57)
    missed: dict[str, int]              # test reference beats with no detection, per class
    false_detections: dict[str, int]    # unmatched detections, per predicted class
    unclassified: int                   # matched test beats whose window does not fit

    @property
    def detection_total(self) -> DetectionScore:
        return gross(self.detection)

    def to_dict(self) -> dict:
        return {"split": self.split, **self.report.to_dict(),
                "detection": {"all": self.detection_total.to_dict(),
                              "records": [s.to_dict() for s in self.detection]},
                "missed_reference_beats": self.missed,
                "false_detections_by_predicted_class": self.false_detections,
                "matched_beats_without_a_full_window": self.unclassified,
                "source": "sparrow.ecg.qrs detector + sparrow.model.run on the detected beats, "
                          "EC57 matching (150 ms) to the reference annotations"}


def _test_records(split: str) -> tuple[str, ...]:
    return DS2 if split == "inter" else split_records(split)


def evaluate_detected(model: Model, split: str, *, data_dir=None, cache_dir=None,
                      shift: int = DEFAULT_SHIFT) -> DetectedEvaluation:
    """Detect, classify and score the test records of ``split`` (see the module docstring)."""
    records = _test_records(split)
    path = resolve_data_dir(data_dir, records)
    test_keys = None
    if split != "inter":
        _, test = load_split(split, data_dir, cache_dir=cache_dir, shift=shift)
        test_keys = set(zip(test.record.tolist(), test.sample.tolist()))
    labels_all, preds_all, scores = [], [], []
    missed = np.zeros(len(CLASSES), dtype=np.int64)
    false = np.zeros(len(CLASSES), dtype=np.int64)
    unclassified = 0
    for name in records:
        sig = read_record(path, name)
        detected = detect_qrs(sig.adc, record=name)
        ref_labels = beat_labels(sig.ann_symbol)
        ref = sig.ann_sample[ref_labels >= 0]
        ref_cls = ref_labels[ref_labels >= 0]
        m = match_beats(ref, detected, excluded=sig.vf_episodes())
        scores.append(DetectionScore(name, m.tp, m.fn, m.fp))
        in_test = (np.ones(len(ref), dtype=bool) if test_keys is None else
                   np.array([(int(name), int(s)) in test_keys for s in ref.tolist()]))
        det_label = np.full(len(detected), -1, dtype=np.int64)
        det_test = np.zeros(len(detected), dtype=bool)
        det_label[m.pairs[:, 1]] = ref_cls[m.pairs[:, 0]]
        det_test[m.pairs[:, 1]] = in_test[m.pairs[:, 0]]
        is_false = np.zeros(len(detected), dtype=bool)
        is_false[m.false] = True
        missed += np.bincount(ref_cls[m.missed][in_test[m.missed]], minlength=len(CLASSES))
        beats = beats_at(sig.adc, detected, det_label, int(name), shift)
        kept = np.searchsorted(detected, beats.sample)      # detections with a full window
        unclassified += int(det_test.sum() - det_test[kept].sum())
        if len(beats) == 0:
            continue
        pred = run(model, beats.x, aux=beat_aux(model, beats)).predictions
        scored = det_test[kept]
        labels_all.append(beats.y[scored])
        preds_all.append(pred[scored])
        false += np.bincount(pred[is_false[kept]], minlength=len(CLASSES))
    if not labels_all:
        raise SparrowError(f"no detected beat of the {split} test records could be classified")
    report = class_report(np.concatenate(labels_all), np.concatenate(preds_all))
    return DetectedEvaluation(
        split=split, report=report, detection=scores,
        missed={c: int(v) for c, v in zip(CLASSES, missed)},
        false_detections={c: int(v) for c, v in zip(CLASSES, false)},
        unclassified=unclassified)
