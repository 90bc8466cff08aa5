"""Classification metrics in the AAMI EC57 style: confusion matrix, accuracy, per-class
sensitivity (Se) and positive predictivity (+P), macro-F1, and the accuracy of always
answering N (the baseline every accuracy is printed beside). Pure numpy."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .data import CLASSES


@dataclass(frozen=True)
class ClassReport:
    """Confusion matrix and the figures derived from it (fractions in 0..1, not percent).

    ``confusion[i, j]`` is the number of beats of true class i predicted as class j.
    ``se[c] = TP / (TP + FN)`` and ``ppv[c] = TP / (TP + FP)`` (+P); NaN when undefined (no
    beat of that class, or no beat predicted as it).
    """

    confusion: np.ndarray
    classes: tuple[str, ...] = CLASSES

    @property
    def total(self) -> int:
        return int(self.confusion.sum())

    @property
    def accuracy(self) -> float:
        return float(np.trace(self.confusion) / self.total) if self.total else float("nan")

    @property
    def se(self) -> np.ndarray:
        tp = np.diag(self.confusion).astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            return tp / self.confusion.sum(axis=1)

    @property
    def ppv(self) -> np.ndarray:
        tp = np.diag(self.confusion).astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            return tp / self.confusion.sum(axis=0)

    @property
    def f1(self) -> np.ndarray:
        """Per class 2 TP / (2 TP + FP + FN); NaN for a class with no beat and no prediction."""
        tp = np.diag(self.confusion).astype(np.float64)
        denom = self.confusion.sum(axis=0) + self.confusion.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return 2 * tp / denom

    @property
    def macro_f1(self) -> float:
        """Mean F1 over the classes that have beats (a class absent from the labels has no
        defined recall and is left out)."""
        present = self.confusion.sum(axis=1) > 0
        return float(np.mean(self.f1[present])) if present.any() else float("nan")

    @property
    def all_n_accuracy(self) -> float:
        """Accuracy of a classifier that always answers N (class 0): the N fraction."""
        return float(self.confusion[0].sum() / self.total) if self.total else float("nan")

    def to_dict(self) -> dict:
        """JSON-ready: counts, accuracy, the all-N baseline, macro-F1 and per-class Se / +P
        / F1 as fractions (NaN -> None)."""
        def num(v: float) -> float | None:
            return None if np.isnan(v) else round(float(v), 6)
        return {
            "beats": self.total,
            "accuracy": num(self.accuracy),
            "all_n_baseline_accuracy": num(self.all_n_accuracy),
            "macro_f1": num(self.macro_f1),
            "classes": list(self.classes),
            "confusion_matrix_rows_true_cols_predicted": self.confusion.tolist(),
            "per_class": {c: {"beats": int(self.confusion[i].sum()), "se": num(self.se[i]),
                              "ppv": num(self.ppv[i]), "f1": num(self.f1[i])}
                          for i, c in enumerate(self.classes)},
        }


# Inter-patient targets (fractions): accuracy, S and V sensitivity and positive predictivity.
TARGETS = {"accuracy": 0.92, "S_se": 0.60, "S_ppv": 0.40, "V_se": 0.85, "V_ppv": 0.85}


def target_figures(report: ClassReport) -> dict[str, float]:
    """The figures of :data:`TARGETS` in ``report`` (an undefined +P counts as 0)."""
    s, v = CLASSES.index("S"), CLASSES.index("V")
    se, ppv = np.nan_to_num(report.se), np.nan_to_num(report.ppv)
    return {"accuracy": report.accuracy, "S_se": float(se[s]), "S_ppv": float(ppv[s]),
            "V_se": float(se[v]), "V_ppv": float(ppv[v])}


def target_margin(report: ClassReport) -> float:
    """min over the targets of figure / target: >= 1 when every target is met."""
    figures = target_figures(report)
    return min(figures[k] / t for k, t in TARGETS.items())


def nsv_f1(report: ClassReport) -> float:
    """Mean F1 of the classes N, S and V (a class with no beat and no prediction counts 0)."""
    f1 = np.nan_to_num(report.f1)
    return float(np.mean([f1[CLASSES.index(c)] for c in ("N", "S", "V")]))


def class_report(labels: np.ndarray, predictions: np.ndarray,
                 classes: tuple[str, ...] = CLASSES) -> ClassReport:
    """Confusion matrix of integer ``labels`` vs ``predictions`` (both (N,), 0..len-1)."""
    labels = np.asarray(labels, dtype=np.int64)
    predictions = np.asarray(predictions, dtype=np.int64)
    k = len(classes)
    if labels.shape != predictions.shape:
        raise ValueError(f"{labels.shape} labels vs {predictions.shape} predictions")
    if labels.size and (labels.min() < 0 or labels.max() >= k or predictions.min() < 0
                        or predictions.max() >= k):
        raise ValueError(f"labels and predictions must be in 0..{k - 1}")
    confusion = np.bincount(labels * k + predictions, minlength=k * k).reshape(k, k)
    return ClassReport(confusion=confusion, classes=classes)


def format_report(report: ClassReport) -> str:
    """Markdown tables: per-class Se / +P, then the confusion matrix."""
    def pct(v: float) -> str:
        return "-" if np.isnan(v) else f"{v * 100:.2f}"
    lines = [f"accuracy: {pct(report.accuracy)} % of {report.total:,} beats (always N: "
             f"{pct(report.all_n_accuracy)} %); macro-F1 {pct(report.macro_f1)} %", "",
             "| class | beats | Se (%) | +P (%) | F1 (%) |", "|---|---:|---:|---:|---:|"]
    for i, c in enumerate(report.classes):
        lines.append(f"| {c} | {int(report.confusion[i].sum()):,} | {pct(report.se[i])} | "
                     f"{pct(report.ppv[i])} | {pct(report.f1[i])} |")
    lines += ["", "| true \\ predicted | " + " | ".join(report.classes) + " |",
              "|---|" + "---:|" * len(report.classes)]
    for i, c in enumerate(report.classes):
        lines.append(f"| {c} | " + " | ".join(f"{int(v):,}" for v in report.confusion[i]) + " |")
    return "\n".join(lines)
