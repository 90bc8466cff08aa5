"""Training of the ECG beat classifier: float phase, then quantization-aware fine-tuning with
the exact SSF fire, export to a Sparrow descriptor (PyTorch on the CPU, deterministic).

Needs the ``train`` extra (``./setup.sh train`` installs ``torch==2.13.0``); the rest of
Sparrow never imports torch.

Recipe (:class:`TrainConfig` holds every knob; the defaults make the reference model):

1. Data: the training part of the chosen split (:mod:`sparrow.ecg.data`); a stratified
   ``val_fraction`` of it is held out for choosing the epoch. The test part is only used
   for the final report.
2. Float phase: :class:`~sparrow.ecg.network.SSFNet` with activations clamp(V / thr, 0, 1)
   and per-layer thresholds calibrated on one batch; AdamW, cosine learning rate, weighted
   cross-entropy (class c weighted by (n_max / n_c) ** ``class_weight_power``) against the
   class imbalance.
3. Quantization-aware phase for T: the network becomes the integer model (8-bit weights,
   power-of-two thresholds, floor and clamp to 0..T) with straight-through gradients; after
   each epoch the exported integer model is evaluated on the validation beats and the best
   epoch is kept.
4. Export: the descriptor and weights are validated by :func:`sparrow.model.model_from_dict`;
   the reported accuracies are those of the integer model, evaluated by
   :func:`~sparrow.ecg.network.integer_scores` (bit-exact with the golden model).

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
from .data import CLASSES, DEFAULT_SHIFT, WINDOW, BeatSet, load_split

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
    source = "training configuration"
    try:
        # Placeholder weights (SSFNet ignores them): the validator resolves shapes from them.
        weights = random_weights(desc, np.random.default_rng(0))
    except DescriptorError as e:
        raise DescriptorError(e.field, e.reason, source=source) from None
    return model_from_dict(desc, weights, source=source)


def _stratified_holdout(y: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """Boolean mask of a stratified random ``fraction`` of the indices of ``y``."""
    rng = np.random.default_rng(seed)
    mask = np.zeros(len(y), dtype=bool)
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        mask[rng.permutation(idx)[:int(round(fraction * len(idx)))]] = True
    return mask


class _Trainer:
    """Owns the torch state of one run: data tensors, loss, batch order."""

    def __init__(self, config: TrainConfig, train: BeatSet, progress: Callable[[str], None]):
        torch = self.torch = _torch()
        self.config = config
        self.progress = progress
        torch.manual_seed(config.seed)
        torch.use_deterministic_algorithms(True)
        # Deterministic mode also fills every new tensor with NaN (a debugging aid that
        # makes small-batch training several times slower); results do not depend on it.
        torch.utils.deterministic.fill_uninitialized_memory = False
        torch.set_num_threads(config.threads)
        val = _stratified_holdout(train.y, config.val_fraction, config.seed)
        self.x = torch.as_tensor(train.x[~val], dtype=torch.float32)
        self.y = torch.as_tensor(train.y[~val], dtype=torch.int64)
        self.x_val, self.y_val = train.x[val], train.y[val]
        counts = np.bincount(train.y[~val], minlength=len(CLASSES)).astype(np.float64)
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
                loss = torch.nn.functional.cross_entropy(net(self.x[idx]), self.y[idx],
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
                          + (f", val accuracy {entry['val_accuracy'] * 100:.2f}%"
                             if "val_accuracy" in entry else "")
                          + f" ({entry['seconds']:.1f} s)")

    def float_predictions(self, net, x: np.ndarray) -> np.ndarray:
        torch = self.torch
        net.eval()
        with torch.no_grad():
            out = [net(torch.as_tensor(x[i:i + 4096], dtype=torch.float32)).argmax(1).numpy()
                   for i in range(0, len(x), 4096)]
        return np.concatenate(out).astype(np.int64) if out else np.zeros(0, dtype=np.int64)


def _float_phase(trainer: _Trainer):
    from .network import SSFNet
    config = trainer.config
    net = SSFNet(skeleton(config))
    net.calibrate(trainer.x[:2048])
    trainer.epochs(net, "float", config.float_epochs, config.float_lr, config.seed)
    return net


def _qat_phase(trainer: _Trainer, float_net, timesteps: int) -> Model:
    """Quantization-aware fine-tuning at T = ``timesteps``; returns the best exported model
    by validation accuracy (the earliest epoch wins a tie)."""
    from .network import integer_predictions
    config = trainer.config
    net = copy.deepcopy(float_net)
    net.to_qat(timesteps, weight_bits=config.weight_bits, bias_bits=config.bias_bits,
               per_channel=config.per_channel_theta)
    best: dict = {"accuracy": -1.0, "model": None}

    def on_epoch(epoch: int) -> dict:
        model = _export(net, config, timesteps)
        acc = float(np.mean(integer_predictions(model, trainer.x_val) == trainer.y_val))
        if acc > best["accuracy"]:
            best.update(accuracy=acc, model=model, epoch=epoch + 1)
        return {"val_accuracy": round(acc, 6), "timesteps": timesteps}

    trainer.epochs(net, f"qat T={timesteps}", config.qat_epochs, config.qat_lr,
                   config.seed + 1, on_epoch)
    if best["model"] is None:     # qat_epochs == 0: the converted float network as it is
        best["model"] = _export(net, config, timesteps)
        best["epoch"] = 0
    trainer.progress(f"T={timesteps}: best validation epoch {best['epoch']}")
    return best["model"]


def _export(net, config: TrainConfig, timesteps: int) -> Model:
    desc, arrays = net.export()
    desc["name"] = config.name
    desc["timesteps"] = timesteps
    return model_from_dict(desc, arrays, source=f"trained model {config.name}")


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
    progress(f"{config.split}-patient split: {len(train_set)} training beats "
             f"({1 - config.val_fraction:.0%} fit, {config.val_fraction:.0%} validation), "
             f"{len(test_set)} test beats")
    trainer = _Trainer(config, train_set, progress)
    t1 = time.perf_counter()
    float_net = _float_phase(trainer)
    float_seconds = time.perf_counter() - t1
    float_pred = trainer.float_predictions(float_net, test_set.x)
    results = []
    for t in timesteps:
        t2 = time.perf_counter()
        trainer.log = [e for e in trainer.log if e["phase"] == "float"]
        model = _qat_phase(trainer, float_net, t)
        qat_seconds = time.perf_counter() - t2
        pred = integer_predictions(model, test_set.x)
        log = {
            "config": _config_dict(replace(config, timesteps=t)),
            "train_beats": int(len(trainer.y)), "val_beats": int(len(trainer.y_val)),
            "test_beats": int(len(test_set)),
            "data_seconds": round(data_seconds, 3),
            "float_phase_seconds": round(float_seconds, 3),
            "qat_phase_seconds": round(qat_seconds, 3),
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
