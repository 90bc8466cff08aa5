"""Training of the ECG beat classifier: float phase, then quantization-aware fine-tuning with
the exact SSF fire, export to a Sparrow descriptor (PyTorch on the CPU, deterministic).

Needs the ``train`` extra (``./setup.sh train`` installs ``torch==2.13.0``); the rest of
Sparrow never imports torch.

Recipe (:class:`TrainConfig` holds every knob; the defaults make the reference model):

1. Data: the training part of the chosen split (:mod:`sparrow.ecg.data`); validation beats
   are held out of it for choosing the epoch (:func:`sparrow.ecg.data.validation_mask`: by
   patient for the inter-patient split, a stratified ``val_fraction`` for the intra ones),
   or, with ``select="last"``, none: every training beat is fitted and the last epoch is
   kept (the recipe and its epochs chosen beforehand by cross-validation,
   :mod:`sparrow.ecg.crossval`). The test part is only used for the final report. With
   ``aux_features = n`` the network gets the beat's first n aux features
   (:data:`sparrow.ecg.data.AUX_FEATURES`: 8 RR-interval features, :mod:`sparrow.ecg.rr`,
   then 3 beat-to-template features, :mod:`sparrow.ecg.template`) as an aux input at
   ``aux_layer``.
   Augmentation (``max_shift``, ``gain_range``, ``noise_fraction``, ``snr_db``): every
   training batch is cut from the raw ADC windows at a random shift, scaled in amplitude
   and, for a fraction of the beats, given white noise at a random SNR, then quantized as
   the front end does (:mod:`sparrow.ecg.augment`).
2. Float phase: :class:`~sparrow.ecg.network.SSFNet` with activations clamp(V / thr, 0, 1)
   and per-layer thresholds calibrated on one batch; AdamW, cosine learning rate, weighted
   cross-entropy (class c weighted by (n_max / n_c) ** ``class_weight_power``) against the
   class imbalance (S and F are 40-100x rarer than N). ``morphology_dropout`` drops the
   morphology input of the aux layer at random in training (both phases), so that the
   network learns to use the aux features where they suffice.
3. Quantization-aware phase for T: the network becomes the integer model (8-bit weights,
   power-of-two thresholds, floor and clamp to 0..T) with straight-through gradients; after
   each epoch the exported integer model is evaluated on the validation beats and the best
   epoch by ``select`` (accuracy, or the macro-F1 over the classes present) is kept.
4. Export: the descriptor and weights are validated by :func:`sparrow.model.model_from_dict`;
   the reported accuracies are those of the integer model, evaluated by
   :func:`~sparrow.ecg.network.integer_scores` (bit-exact with the golden model). Class
   score offsets ``score_offsets`` (logit units, chosen by cross-validation) are added to
   the output biases as integers round(offset / output scale): the argmax hardware runs
   them as they are.

Determinism: ``torch.manual_seed``, ``torch.use_deterministic_algorithms(True)``, a fixed
thread count and a seeded batch order make a run repeatable on the same machine and torch
build.
"""

from __future__ import annotations

import copy
import json
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Callable

import numpy as np

from ..errors import DescriptorError, SparrowError
from ..model import Model, model_from_dict, save_model
from ..fileio import atomic_write
from ..model.random_model import random_weights
from .augment import augmented_inputs
from .data import (AUX_FEATURES, CLASSES, DEFAULT_SHIFT, MARGIN, WINDOW, BeatSet, load_split,
                   validation_mask)
from .rr import RR_BITS

# The reference topology: 3 conv1d (the first is the ANN layer on raw samples), 3 max-pools,
# one hidden dense layer and the 5-class output; 4,184 weights.
DEFAULT_LAYERS: tuple[dict, ...] = (
    {"name": "conv1", "kind": "conv1d", "out_channels": 8, "kernel": 7, "stride": 2,
     "padding": 3},
    {"name": "pool1", "kind": "maxpool1d", "kernel": 2, "stride": 2},
    {"name": "conv2", "kind": "conv1d", "out_channels": 16, "kernel": 5, "padding": 2},
    {"name": "pool2", "kind": "maxpool1d", "kernel": 3, "stride": 3},
    {"name": "conv3", "kind": "conv1d", "out_channels": 16, "kernel": 3, "padding": 1},
    {"name": "pool3", "kind": "maxpool1d", "kernel": 3, "stride": 3},
    {"name": "fc1", "kind": "dense", "out_features": 32},
    {"name": "out", "kind": "dense", "out_features": len(CLASSES), "role": "output"},
)


@dataclass(frozen=True)
class TrainConfig:
    """Everything a training run depends on (with the data files and the torch build)."""

    name: str = "ecg"
    split: str = "intra"
    timesteps: int = 15
    weight_bits: int = 8
    bias_bits: int = 16
    per_channel_theta: bool = True
    float_epochs: int = 60
    qat_epochs: int = 20
    batch_size: int = 512
    float_lr: float = 3e-3
    qat_lr: float = 5e-4
    weight_decay: float = 1e-4
    class_weight_power: float = 0.25
    val_fraction: float = 0.1
    seed: int = 0
    threads: int = 1            # more threads stall on a shared 2-core machine (OpenMP waits)
    shift: int = DEFAULT_SHIFT
    records: tuple[str, ...] | None = None      # a subset of the split's records (smoke runs)
    layers: tuple[dict, ...] = field(default=DEFAULT_LAYERS)
    aux_features: int = 0           # the first n of data.AUX_FEATURES (RR, then template
    #                                 features) as an aux input at aux_layer; 0: none
    aux_layer: str = "fc1"
    max_shift: int = 0              # window shift augmentation, -max_shift..max_shift samples
    noise_fraction: float = 0.0     # fraction of training beats given white noise
    snr_db: tuple[float, float] = (10.0, 40.0)     # its SNR range (dB, window power)
    gain_range: tuple[float, float] = (1.0, 1.0)    # amplitude augmentation (log-uniform)
    morphology_dropout: float = 0.0  # dropout on the morphology input of aux_layer (training)
    select: str = "accuracy"        # epoch choice on validation: accuracy | macro_f1; or
    #                                 "last": no validation beats, the last epoch is kept
    score_offsets: tuple[float, ...] | None = None   # per class, logit units, added to the
    #                                 output biases at export (chosen by cross-validation)

    def __post_init__(self):
        if (isinstance(self.aux_features, bool)
                or not 0 <= self.aux_features <= len(AUX_FEATURES)):
            raise SparrowError(f"aux_features must be a count in 0..{len(AUX_FEATURES)} (the "
                               f"first n of {', '.join(AUX_FEATURES)}), got "
                               f"{self.aux_features!r}")
        if not 0 <= self.max_shift <= MARGIN:
            raise SparrowError(f"max_shift must be in 0..{MARGIN} samples (the margin of the "
                               f"raw windows), got {self.max_shift}")
        if not 0 < self.gain_range[0] <= self.gain_range[1]:
            raise SparrowError(f"gain_range must be 0 < low <= high, got "
                               f"{list(self.gain_range)}")
        if not 0 <= self.morphology_dropout < 1:
            raise SparrowError(f"morphology_dropout must be in 0..1 (excluded), got "
                               f"{self.morphology_dropout}")
        if not 0 <= self.noise_fraction <= 1:
            raise SparrowError(f"noise_fraction must be in 0..1, got {self.noise_fraction}")
        if self.score_offsets is not None and len(self.score_offsets) != len(CLASSES):
            raise SparrowError(f"score_offsets must give one value per class "
                               f"({', '.join(CLASSES)}), got {len(self.score_offsets)}")
        if self.select not in SELECT_METRICS:
            raise SparrowError(f"select must be one of {', '.join(SELECT_METRICS)}, got "
                               f"{self.select!r}")

    def aux(self, beats: BeatSet) -> np.ndarray | None:
        """The aux input of ``beats`` for this configuration: their first ``aux_features``
        aux features, or None."""
        return beats.aux[:, :self.aux_features] if self.aux_features else None


SELECT_METRICS = ("accuracy", "macro_f1", "last")


def selection_score(metric: str, labels: np.ndarray, predictions: np.ndarray) -> float:
    """Validation score for choosing the epoch: accuracy, or the mean F1 over the classes
    present in ``labels`` (F1 = 2 TP / (2 TP + FP + FN))."""
    if metric == "accuracy":
        return float(np.mean(predictions == labels))
    f1 = []
    for c in np.unique(labels):
        tp = np.sum((predictions == c) & (labels == c))
        f1.append(2 * tp / (np.sum(predictions == c) + np.sum(labels == c)))
    return float(np.mean(f1))


@dataclass
class TrainResult:
    """A trained model with its training log and the training side's test predictions."""

    model: Model
    config: TrainConfig
    log: dict
    test_labels: np.ndarray            # (N,) AAMI class index of the test beats
    test_predictions: np.ndarray       # (N,) integer model's predictions (training side)
    float_test_predictions: np.ndarray  # (N,) float network's predictions

    @property
    def test_accuracy(self) -> float:
        return float(np.mean(self.test_predictions == self.test_labels))

    @property
    def float_test_accuracy(self) -> float:
        return float(np.mean(self.float_test_predictions == self.test_labels))


def _torch():
    try:
        import torch
    except ImportError:
        raise SparrowError("training needs PyTorch: run `./setup.sh train` (installs "
                           "torch==2.13.0 into .venv)") from None
    return torch


def skeleton(config: TrainConfig) -> Model:
    """The validated layer structure of ``config`` (placeholder weights, unit thresholds)."""
    layers = []
    for d in config.layers:
        d = dict(d, weight_bits=config.weight_bits, bias_bits=config.bias_bits)
        if d["kind"] == "maxpool1d":
            del d["weight_bits"], d["bias_bits"]
        elif d.get("role") != "output":
            d["theta"] = 1
        layers.append(d)
    desc = {"name": config.name, "timesteps": config.timesteps,
            "input": {"channels": 1, "length": WINDOW, "bits": 8, "signed": True},
            "layers": layers}
    if config.aux_features:
        desc["aux_input"] = {"features": config.aux_features, "bits": RR_BITS, "signed": False}
        target = [d for d in layers if d["name"] == config.aux_layer]
        if not target or target[0]["kind"] != "dense":
            raise SparrowError(f"aux_layer {config.aux_layer!r} must name a dense layer of the "
                               f"configuration")
        target[0]["aux_input"] = True
    source = "training configuration"
    try:
        # Placeholder weights (SSFNet ignores them): the validator resolves shapes from them.
        weights = random_weights(desc, np.random.default_rng(0))
    except DescriptorError as e:
        raise DescriptorError(e.field, e.reason, source=source) from None
    return model_from_dict(desc, weights, source=source)


class _Trainer:
    """Owns the torch state of one run: data tensors, loss, batch order."""

    def __init__(self, config: TrainConfig, fit: BeatSet, val: BeatSet | None,
                 progress: Callable[[str], None]):
        torch = self.torch = _torch()
        self.config = config
        self.progress = progress
        torch.manual_seed(config.seed)
        torch.use_deterministic_algorithms(True)
        # Deterministic mode also fills every new tensor with NaN (a debugging aid that
        # makes small-batch training several times slower); results do not depend on it.
        torch.utils.deterministic.fill_uninitialized_memory = False
        torch.set_num_threads(config.threads)
        self.x = torch.as_tensor(fit.x, dtype=torch.float32)
        self.y = torch.as_tensor(fit.y, dtype=torch.int64)
        self.raw = fit.raw
        aux = config.aux(fit)
        self.aux = None if aux is None else torch.as_tensor(aux, dtype=torch.float32)
        self.val = val
        self.augment = (config.max_shift > 0 or config.noise_fraction > 0
                        or tuple(config.gain_range) != (1.0, 1.0))
        counts = np.bincount(fit.y, minlength=len(CLASSES)).astype(np.float64)
        weight = np.where(counts > 0, (counts.max() / np.maximum(counts, 1))
                          ** config.class_weight_power, 0.0)
        self.class_weight = torch.as_tensor(weight, dtype=torch.float32)
        self.generator = torch.Generator()
        self.log: list[dict] = []

    def epochs(self, net, phase: str, epochs: int, lr: float, seed: int,
               on_epoch: Callable[[int], dict] | None = None) -> None:
        """Train ``net`` for ``epochs``; the batch order is seeded by ``seed`` so that a
        phase does not depend on the phases run before it."""
        torch = self.torch
        self.generator.manual_seed(seed)
        aug_rng = np.random.default_rng([seed, 7])
        opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=self.config.weight_decay)
        steps = epochs * -(-len(self.y) // self.config.batch_size)
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda s: 0.5 * (1 + np.cos(np.pi * min(s, steps) / steps)))
        bs = self.config.batch_size
        for epoch in range(epochs):
            start = time.perf_counter()
            net.train()
            order = torch.randperm(len(self.y), generator=self.generator)
            total = 0.0
            for i in range(0, len(order), bs):
                idx = order[i:i + bs]
                loss = torch.nn.functional.cross_entropy(
                    net(self.batch_inputs(idx, aug_rng), self.aux_of(idx)), self.y[idx],
                    weight=self.class_weight)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                sched.step()
                total += float(loss.detach()) * len(idx)
            entry = {"phase": phase, "epoch": epoch + 1,
                     "seconds": round(time.perf_counter() - start, 3),
                     "train_loss": round(total / len(self.y), 5)}
            if on_epoch is not None:
                entry.update(on_epoch(epoch))
            self.log.append(entry)
            self.progress(f"{phase} epoch {epoch + 1}/{epochs}: loss {entry['train_loss']:.4f}"
                          + (f", validation {self.config.select} "
                             f"{entry['val_score'] * 100:.2f}%" if "val_score" in entry else "")
                          + f" ({entry['seconds']:.1f} s)")

    def batch_inputs(self, idx, rng: np.random.Generator):
        """Network input of the training beats ``idx``: as segmented, or augmented."""
        if not self.augment:
            return self.x[idx]
        c = self.config
        x = augmented_inputs(self.raw[idx.numpy()], rng, max_shift=c.max_shift,
                             noise_fraction=c.noise_fraction, snr_db=c.snr_db, shift=c.shift,
                             gain_range=c.gain_range)
        return self.torch.as_tensor(x, dtype=self.torch.float32)

    def aux_of(self, idx):
        return None if self.aux is None else self.aux[idx]

    def float_predictions(self, net, x: np.ndarray, aux: np.ndarray | None) -> np.ndarray:
        torch = self.torch
        net.eval()

        def aux_part(i: int):
            return None if aux is None else torch.as_tensor(aux[i:i + 4096],
                                                            dtype=torch.float32)
        with torch.no_grad():
            out = [net(torch.as_tensor(x[i:i + 4096], dtype=torch.float32),
                       aux_part(i)).argmax(1).numpy()
                   for i in range(0, len(x), 4096)]
        return np.concatenate(out).astype(np.int64) if out else np.zeros(0, dtype=np.int64)


def _float_phase(trainer: _Trainer):
    from .network import SSFNet
    config = trainer.config
    net = SSFNet(skeleton(config))
    net.morphology_dropout = config.morphology_dropout
    net.calibrate(trainer.x[:2048], None if trainer.aux is None else trainer.aux[:2048])
    trainer.epochs(net, "float", config.float_epochs, config.float_lr, config.seed)
    return net


def _qat_phase(trainer: _Trainer, float_net, timesteps: int) -> tuple[Model, float]:
    """Quantization-aware fine-tuning at T = ``timesteps``; returns the exported model and
    its output scale (logit units per integer score unit): the best epoch by the validation
    score ``config.select`` (the earliest epoch wins a tie), or the last epoch for
    ``select="last"``."""
    from .network import integer_predictions
    config = trainer.config
    net = copy.deepcopy(float_net)
    net.to_qat(timesteps, weight_bits=config.weight_bits, bias_bits=config.bias_bits,
               per_channel=config.per_channel_theta)
    best: dict = {"score": -1.0, "model": None}
    val = trainer.val

    def on_epoch(epoch: int) -> dict:
        model = _export(net, config, timesteps)
        pred = integer_predictions(model, val.x, config.aux(val))
        score = selection_score(config.select, val.y, pred)
        if score > best["score"]:
            best.update(score=score, model=model, epoch=epoch + 1, scale=net.output_scale())
        return {"val_score": round(score, 6),
                "val_accuracy": round(float(np.mean(pred == val.y)), 6),
                "timesteps": timesteps}

    trainer.epochs(net, f"qat T={timesteps}", config.qat_epochs, config.qat_lr,
                   config.seed + 1, None if val is None else on_epoch)
    if best["model"] is None:     # select "last", or qat_epochs == 0
        best.update(model=_export(net, config, timesteps), epoch=config.qat_epochs,
                    scale=net.output_scale())
    trainer.progress(f"T={timesteps}: kept epoch {best['epoch']}"
                     + ("" if val is None else " (best on validation)"))
    return best["model"], best["scale"]


def _export(net, config: TrainConfig, timesteps: int) -> Model:
    """The integer model of ``net``, with ``config.score_offsets`` (logit units) added to
    the output biases as integers: round(offset / output scale)."""
    desc, arrays = net.export()
    desc["name"] = config.name
    desc["timesteps"] = timesteps
    if config.score_offsets is not None:
        out = desc["layers"][-1]["name"]
        arrays[f"{out}.bias"] = arrays[f"{out}.bias"] + offset_integers(
            config.score_offsets, net.output_scale())
    return model_from_dict(desc, arrays, source=f"trained model {config.name}")


def offset_integers(offsets, scale: float) -> np.ndarray:
    """Class score offsets in logit units as integer output-bias changes: round(offset /
    scale), ``scale`` being the logit value of one integer score unit."""
    return np.rint(np.asarray(offsets, dtype=np.float64) / scale).astype(np.int64)


def split_validation(config: TrainConfig, train_set: BeatSet
                     ) -> tuple[BeatSet, BeatSet | None]:
    """(beats to fit, validation beats) of a split's training part: none held out for
    ``select="last"``, else :func:`~sparrow.ecg.data.validation_mask`."""
    if config.select == "last":
        return train_set, None
    val = validation_mask(config.split, train_set, fraction=config.val_fraction,
                          seed=config.seed)
    if not val.any() or val.all():
        raise SparrowError(f"the {config.split} split of records {config.records} leaves no "
                           f"{'validation' if not val.any() else 'training'} beats")
    return train_set.take(~val), train_set.take(val)


@dataclass
class Fitted:
    """One trained model with its output scale and per-epoch log."""

    model: Model
    output_scale: float      # logit value of one integer output score unit
    epochs: list[dict]


def fit(config: TrainConfig, fit_set: BeatSet, val_set: BeatSet | None = None, *,
        progress: Callable[[str], None] = print) -> Fitted:
    """Float phase, then the quantization-aware phase at ``config.timesteps``, on the beats
    ``fit_set`` (validation on ``val_set``; give none with ``select="last"``)."""
    _torch()
    skeleton(config)
    if (val_set is None) != (config.select == "last"):
        raise SparrowError(f"select {config.select!r} needs "
                           + ("no validation beats" if config.select == "last"
                              else "validation beats"))
    trainer = _Trainer(config, fit_set, val_set, progress)
    model, scale = _qat_phase(trainer, _float_phase(trainer), config.timesteps)
    return Fitted(model=model, output_scale=scale, epochs=list(trainer.log))


def train(config: TrainConfig = TrainConfig(), *, data_dir=None, cache_dir=None,
          progress: Callable[[str], None] = print) -> TrainResult:
    """Train, quantize and export one model at ``config.timesteps``."""
    return train_timesteps(config, (config.timesteps,), data_dir=data_dir,
                           cache_dir=cache_dir, progress=progress)[0]


def train_timesteps(config: TrainConfig, timesteps: tuple[int, ...], *, data_dir=None,
                    cache_dir=None, progress: Callable[[str], None] = print
                    ) -> list[TrainResult]:
    """One float phase, then a quantization-aware phase per T in ``timesteps`` (the T sweep:
    every T gets the same starting point and the same fine-tuning budget)."""
    from .network import integer_predictions
    _torch()
    if not timesteps or any(not 1 <= t <= 255 for t in timesteps):
        raise SparrowError(f"timesteps must be in 1..255, got {list(timesteps)}")
    skeleton(config)     # a bad configuration fails before any data is read
    t0 = time.perf_counter()
    train_set, test_set = load_split(config.split, data_dir, shift=config.shift,
                                     cache_dir=cache_dir, records=config.records)
    data_seconds = time.perf_counter() - t0
    if len(train_set) == 0 or len(test_set) == 0:
        raise SparrowError(f"the {config.split} split of records {config.records} has no "
                           f"training or no test beats")
    fit_set, val_set = split_validation(config, train_set)
    trainer = _Trainer(config, fit_set, val_set, progress)
    val_beats = 0 if val_set is None else len(val_set)
    progress(f"{config.split} split: {len(train_set)} training beats ({len(fit_set)} fit, "
             f"{val_beats} validation), {len(test_set)} test beats")
    t1 = time.perf_counter()
    float_net = _float_phase(trainer)
    float_seconds = time.perf_counter() - t1
    test_aux = config.aux(test_set)
    float_pred = trainer.float_predictions(float_net, test_set.x, test_aux)
    results = []
    for t in timesteps:
        t2 = time.perf_counter()
        trainer.log = [e for e in trainer.log if e["phase"] == "float"]
        model, scale = _qat_phase(trainer, float_net, t)
        qat_seconds = time.perf_counter() - t2
        pred = integer_predictions(model, test_set.x, test_aux)
        log = {
            "config": _config_dict(replace(config, timesteps=t)),
            "train_beats": int(len(fit_set)), "val_beats": int(val_beats),
            "test_beats": int(len(test_set)),
            "data_seconds": round(data_seconds, 3),
            "float_phase_seconds": round(float_seconds, 3),
            "qat_phase_seconds": round(qat_seconds, 3),
            "output_scale": scale,
            "epochs": list(trainer.log),
            "float_test_accuracy": float(np.mean(float_pred == test_set.y)),
            "integer_test_accuracy": float(np.mean(pred == test_set.y)),
        }
        progress(f"T={t}: test accuracy integer {log['integer_test_accuracy'] * 100:.2f}% "
                 f"(float network {log['float_test_accuracy'] * 100:.2f}%)")
        results.append(TrainResult(model=model, config=replace(config, timesteps=t), log=log,
                                   test_labels=test_set.y.copy(), test_predictions=pred,
                                   float_test_predictions=float_pred))
    return results


def _config_dict(config: TrainConfig) -> dict:
    d = asdict(config)
    d["layers"] = [dict(layer) for layer in config.layers]
    d["records"] = list(config.records) if config.records is not None else None
    d["snr_db"] = list(config.snr_db)
    d["gain_range"] = list(config.gain_range)
    if config.score_offsets is not None:
        d["score_offsets"] = list(config.score_offsets)
    return d


def write_result(result: TrainResult, path: str | Path) -> Path:
    """Write the model (``path``: .toml or .json, weights beside it) and its training log
    ``<stem>.train.json`` (configuration, per-epoch losses, accuracies and seconds)."""
    path = Path(path)
    save_model(result.model, path)
    log_path = path.with_name(f"{path.stem}.train.json")
    text = json.dumps(result.log, indent=2) + "\n"
    atomic_write(log_path, lambda f: f.write(text))
    return path
