"""Evaluation of any ECG descriptor with the golden model, and the T sweep table and plot.

Every number here comes from :func:`sparrow.model.run` (the bit-exact integer model) on the
real MIT-BIH beats of a split's test part (:mod:`sparrow.ecg.data`):

* accuracy, per-class Se and +P, confusion matrix (:mod:`sparrow.ecg.metrics`);
* average spike rate s_r: spikes / (fired neurons x T), mean over the test beats;
* synaptic operations per inference: ``synops`` (products with a non-zero input, mean over
  the beats, NeuroBench-style effective ops) and ``macs`` (all products of the dense
  schedule = SSF weight reads; independent of the input and of T).

Only evaluate a model on data it was not trained on: the intra-patient test split for a
model trained on the intra-patient training split, DS2 (inter) for a model trained on DS1.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import SparrowError
from ..model import Model, load_model, run
from ..fileio import atomic_write
from .data import AUX_FEATURES, CLASSES, WINDOW, BeatSet, load_split
from .rr import RR_BITS
from .metrics import ClassReport, class_report, format_report

_BATCH = 2048   # beats per golden-model call: bounds the memory of the stored activations


@dataclass(frozen=True)
class Evaluation:
    """One model on one split's test beats. Rates are fractions (0..1), ops are counts per
    inference, memory is in bits."""

    model: Model
    split: str
    report: ClassReport
    predictions: np.ndarray        # (N,) golden-model predictions
    spike_rate: float              # mean over beats of spikes / (fired neurons x T)
    layer_spike_rates: dict[str, float]
    synops: float                  # mean effective synaptic ops (non-zero input) per inference
    macs: int                      # dense multiply-accumulates (= SSF weight reads) per inference

    def to_dict(self) -> dict:
        m = self.model
        return {
            "model": m.name, "split": self.split, "timesteps": m.timesteps,
            "count_bits": m.count_bits, "parameters": m.n_params, "weights": m.n_weights,
            "aux_features": m.aux_input.features if m.aux_input is not None else 0,
            "weight_memory_bits": m.weight_memory_bits,
            "weight_bits": sorted({layer.weight_bits for layer in m.layers if layer.has_weights}),
            "thresholds_power_of_two": all(layer.theta_is_pow2 for layer in m.layers
                                           if layer.fires),
            **self.report.to_dict(),
            "spike_rate_mean": round(self.spike_rate, 6),
            "layer_spike_rate_mean": {k: round(v, 6) for k, v in self.layer_spike_rates.items()},
            # exact, not from the rounded rates: a layer listed here fired on no beat at all
            "silent_layers": [k for k, v in self.layer_spike_rates.items() if v == 0],
            "synops_per_inference_mean": round(self.synops, 2),
            "macs_per_inference": self.macs,
            "source": "sparrow.model.run (bit-exact integer golden model) on the test beats",
        }


def check_ecg_model(model: Model) -> None:
    """The model must read one channel of 180 8-bit signed samples and output 5 classes."""
    inp = model.input
    if (inp.channels, inp.length, inp.bits, inp.signed) != (1, WINDOW, 8, True):
        raise SparrowError(f"model {model.name}: input must be 1 x {WINDOW} 8-bit signed samples "
                           f"(an ECG beat), got {inp.channels} x {inp.length} {inp.bits}-bit "
                           f"{'signed' if inp.signed else 'unsigned'}")
    if model.num_classes != len(CLASSES):
        raise SparrowError(f"model {model.name}: must have {len(CLASSES)} class scores "
                           f"({', '.join(CLASSES)}), got {model.num_classes}")
    aux = model.aux_input
    if aux is not None and not (aux.features <= len(AUX_FEATURES) and aux.bits == RR_BITS
                                and not aux.signed):
        raise SparrowError(f"model {model.name}: its aux input must be the first 1.."
                           f"{len(AUX_FEATURES)} beat features ({', '.join(AUX_FEATURES)}; "
                           f"{RR_BITS}-bit unsigned), got {aux.features} values of "
                           f"{aux.bits}-bit {'signed' if aux.signed else 'unsigned'}")


def beat_aux(model: Model, beats: BeatSet) -> np.ndarray | None:
    """The aux input ``model`` takes for ``beats``: the first ``aux_input.features`` of their
    aux features (:data:`~sparrow.ecg.data.AUX_FEATURES`; the checked-in intra-patient
    model takes the first 6, its RR features of the time), or None."""
    return None if model.aux_input is None else beats.aux[:, :model.aux_input.features]


def evaluate_beats(model: Model, beats: BeatSet, split: str = "") -> Evaluation:
    """Run the golden model on ``beats`` and summarize."""
    check_ecg_model(model)
    preds, rates, synops = [], [], []
    fired = [layer.name for layer in model.layers if layer.fires]
    layer_rates: dict[str, list[np.ndarray]] = {name: [] for name in fired}
    aux = beat_aux(model, beats)
    for start in range(0, len(beats), _BATCH):
        result = run(model, beats.x[start:start + _BATCH],
                     aux=None if aux is None else aux[start:start + _BATCH])
        preds.append(result.predictions)
        rates.append(result.spike_rate)
        synops.append(result.synops)
        for s in result.layers:
            if s.name in layer_rates:
                layer_rates[s.name].append(s.spike_rate)
    if not preds:
        raise SparrowError(f"no beats to evaluate {model.name} on")
    predictions = np.concatenate(preds)
    return Evaluation(
        model=model, split=split, report=class_report(beats.y, predictions),
        predictions=predictions, spike_rate=float(np.mean(np.concatenate(rates))),
        layer_spike_rates={k: float(np.mean(np.concatenate(v))) for k, v in layer_rates.items()},
        synops=float(np.mean(np.concatenate(synops))), macs=model.macs)


def evaluate(model: Model | str | os.PathLike, split: str = "intra", *, data_dir=None,
             cache_dir=None) -> Evaluation:
    """Evaluate a model (or descriptor path) on the test part of ``split``."""
    if not isinstance(model, Model):
        model = load_model(model)
    check_ecg_model(model)
    _, test = load_split(split, data_dir, cache_dir=cache_dir)
    return evaluate_beats(model, test, split)


def format_evaluation(ev: Evaluation) -> str:
    m = ev.model
    where = {"intra": "intra-patient test split", "inter": "inter-patient test set DS2"}
    lines = [f"model {m.name}: T = {m.timesteps}, {m.n_params} parameters, "
             f"{m.weight_memory_bits} weight-memory bits; {where.get(ev.split, ev.split)}",
             format_report(ev.report), "",
             f"average spike rate s_r: {ev.spike_rate * 100:.2f} % (spikes / (fired neurons x T))"
             + "".join(f"; {k} {v * 100:.2f} %" for k, v in ev.layer_spike_rates.items()),
             f"synaptic ops per inference: {ev.synops:.0f} effective (non-zero input, mean), "
             f"{ev.macs} MACs (dense schedule = SSF weight reads)",
             "source: golden model (sparrow.model.run) on the real beats"]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# T sweep


def sweep_rows(evaluations: list[Evaluation]) -> list[dict]:
    """One row per model, sorted by T: accuracy, s_r, synops, MACs (fractions and counts)."""
    rows = [{"model": ev.model.name, "timesteps": ev.model.timesteps,
             "count_bits": ev.model.count_bits, "accuracy": round(ev.report.accuracy, 6),
             "se": {c: round(float(v), 6) for c, v in zip(CLASSES, ev.report.se)},
             "ppv": {c: round(float(v), 6) for c, v in zip(CLASSES, ev.report.ppv)},
             "spike_rate_mean": round(ev.spike_rate, 6),
             "synops_per_inference_mean": round(ev.synops, 2),
             "macs_per_inference": ev.macs}
            for ev in evaluations]
    return sorted(rows, key=lambda r: r["timesteps"])


def format_sweep(rows: list[dict]) -> str:
    """Markdown table of :func:`sweep_rows`."""
    lines = ["| T | count bits | accuracy (%) | Se S (%) | Se V (%) | s_r (%) | "
             "synops / inference | MACs / inference |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['timesteps']} | {r['count_bits']} | {r['accuracy'] * 100:.2f} | "
                     f"{r['se']['S'] * 100:.2f} | {r['se']['V'] * 100:.2f} | "
                     f"{r['spike_rate_mean'] * 100:.2f} | {r['synops_per_inference_mean']:.0f} | "
                     f"{r['macs_per_inference']} |")
    return "\n".join(lines)


def plot_sweep(rows: list[dict], path: str | os.PathLike, title: str = "") -> Path:
    """PNG: accuracy, spike rate and synaptic ops per inference against T."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = [r["timesteps"] for r in rows]
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.6))
    panels = [
        ("accuracy (%)", [r["accuracy"] * 100 for r in rows], None),
        ("average spike rate s_r (%)", [r["spike_rate_mean"] * 100 for r in rows], None),
        ("synaptic ops per inference", [r["synops_per_inference_mean"] for r in rows],
         [r["macs_per_inference"] for r in rows]),
    ]
    for ax, (label, values, dense) in zip(axes, panels):
        ax.plot(t, values, "o-", label="effective (non-zero input)" if dense else None)
        if dense:
            ax.plot(t, dense, "s--", color="gray", label="MACs (dense = SSF weight reads)")
            ax.legend(fontsize=8)
        ax.set_xscale("log", base=2)
        ax.set_xticks(t, [str(v) for v in t])
        ax.set_xlabel("timesteps T")
        ax.set_ylabel(label)
        ax.grid(True, alpha=0.3)
    fig.suptitle(title or "T sweep (golden model on the test beats)")
    fig.tight_layout()
    path = Path(path)
    atomic_write(path, lambda f: fig.savefig(f, format="png", dpi=110), binary=True)
    plt.close(fig)
    return path


def write_sweep(evaluations: list[Evaluation], out_dir: str | os.PathLike,
                title: str = "") -> dict[str, Path]:
    """Write ``sweep.md`` (table), ``sweep.json`` (rows) and ``sweep.png`` into ``out_dir``."""
    if not evaluations:
        raise SparrowError("the T sweep needs at least one model")
    out = Path(out_dir)
    rows = sweep_rows(evaluations)
    table = format_sweep(rows) + "\n"
    text = json.dumps({"split": evaluations[0].split, "rows": rows,
                       "source": "sparrow.model.run on the test beats"}, indent=2) + "\n"
    atomic_write(out / "sweep.md", lambda f: f.write(table))
    atomic_write(out / "sweep.json", lambda f: f.write(text))
    png = plot_sweep(rows, out / "sweep.png", title)
    return {"table": out / "sweep.md", "json": out / "sweep.json", "plot": png}
