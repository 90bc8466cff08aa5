"""Command line of the ECG application: ``sparrow ecg`` (or ``python -m sparrow.ecg``).

:func:`register_cli` adds the ``ecg`` command group to any argparse sub-parser set; each
subcommand's function returns the exit code and raises SparrowError for bad input.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from ..errors import SparrowError


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", metavar="DIR", help="MIT-BIH folder (default: $SPARROW_MITDB or "
                   "../shared/data/mitdb from the repository root)")
    p.add_argument("--cache-dir", metavar="DIR", help="beat cache folder (default: "
                   "$SPARROW_CACHE_DIR, $XDG_CACHE_HOME/sparrow or ~/.cache/sparrow)")


def _split_arg(p: argparse.ArgumentParser, default: str = "intra") -> None:
    p.add_argument("--split", choices=("intra", "inter", "intra48"), default=default,
                   help="intra: stratified 80/20 of the 44 non-paced records (AAMI EC57); "
                   "inter: train DS1, test DS2; intra48: stratified 80/20 of all 48 records "
                   f"(the split of ecg.toml) (default: {default})")


def cmd_data(args) -> int:
    from . import data
    if args.download:
        path = data.download(args.download)
        print(f"downloaded the MIT-BIH Arrhythmia Database into {path}")
        if args.data is None:
            args.data = str(path)
    start = time.perf_counter()
    beats = data.load_beats(args.data, cache_dir=args.cache_dir)
    seconds = time.perf_counter() - start
    annotated = data.annotation_class_counts(args.data)
    print(f"MIT-BIH: {len(data.RECORDS)} records in {data.resolve_data_dir(args.data)}; "
          f"windows of {data.WINDOW} samples ({data.WINDOW_BEFORE} before the R peak), "
          f"8-bit, shift {data.DEFAULT_SHIFT} (1 LSB = {2 ** data.DEFAULT_SHIFT} adu = "
          f"{2 ** data.DEFAULT_SHIFT / 200:.2f} mV)")
    segmented = beats.class_counts()
    print(f"{'class':<6}{'annotated':>11}{'segmented':>11}")
    for c in data.CLASSES:
        print(f"{c:<6}{annotated[c]:>11}{segmented[c]:>11}")
    print(f"{'total':<6}{sum(annotated.values()):>11}{len(beats):>11}   "
          f"(loaded in {seconds:.1f} s)")
    for split in data.SPLITS:
        records = data.split_records(split)
        sub = beats.take(np.isin(beats.record, [int(r) for r in records]))
        train, test = (data.inter_patient_split(sub) if split == "inter"
                       else data.intra_patient_split(sub))
        print(f"{split}-patient split: {len(train)} training beats "
              f"{sub.take(train).class_counts()}, {len(test)} test beats "
              f"{sub.take(test).class_counts()}")
    return 0


def _config(args, timesteps: int):
    from .train import TrainConfig
    kw = dict(split=args.split, timesteps=timesteps, weight_bits=args.weight_bits,
              bias_bits=args.bias_bits,
              float_epochs=args.float_epochs, qat_epochs=args.qat_epochs, seed=args.seed,
              threads=args.threads, per_channel_theta=not args.per_layer_theta,
              name=args.name, aux_features=args.aux, max_shift=args.max_shift,
              noise_fraction=args.noise_fraction, snr_db=tuple(args.snr_db),
              gain_range=tuple(args.gain_range), morphology_dropout=args.morphology_dropout,
              select=args.select, class_weight_power=args.class_weight_power,
              score_offsets=tuple(args.score_offsets) if args.score_offsets else None)
    if args.records:
        kw["records"] = tuple(args.records)
    return TrainConfig(**kw)


def _train_args(p: argparse.ArgumentParser) -> None:
    from .data import AUX_FEATURES
    from .train import TrainConfig
    d = TrainConfig()
    _split_arg(p)
    p.add_argument("--name", default=d.name, help=f"descriptor name (default: {d.name})")
    p.add_argument("--weight-bits", type=int, default=d.weight_bits,
                   help=f"signed weight width, 2..8 (default: {d.weight_bits})")
    p.add_argument("--bias-bits", type=int, default=d.bias_bits,
                   help=f"signed bias width, 2..32 (default: {d.bias_bits})")
    p.add_argument("--per-layer-theta", action="store_true",
                   help="one threshold per layer instead of one per output channel")
    p.add_argument("--float-epochs", type=int, default=d.float_epochs,
                   help=f"float-phase epochs (default: {d.float_epochs})")
    p.add_argument("--qat-epochs", type=int, default=d.qat_epochs,
                   help=f"quantization-aware epochs per T (default: {d.qat_epochs})")
    p.add_argument("--seed", type=int, default=d.seed, help=f"seed (default: {d.seed})")
    p.add_argument("--threads", type=int, default=d.threads,
                   help=f"torch CPU threads (default: {d.threads}; results depend on it)")
    p.add_argument("--records", nargs="+", metavar="REC",
                   help="only these records of the split (quick trials)")
    p.add_argument("--aux", type=int, nargs="?", const=len(AUX_FEATURES), default=0,
                   metavar="N", help=f"the first N beat features as an aux input at fc1: "
                   f"{', '.join(AUX_FEATURES)} (sparrow.ecg.rr, sparrow.ecg.template; N "
                   f"defaults to all {len(AUX_FEATURES)})")
    p.add_argument("--max-shift", type=int, default=d.max_shift, metavar="S",
                   help=f"shift augmentation: windows moved by -S..S samples (0..8; default "
                   f"{d.max_shift})")
    p.add_argument("--noise-fraction", type=float, default=d.noise_fraction, metavar="F",
                   help=f"noise augmentation: fraction of training beats with white noise "
                   f"(default {d.noise_fraction})")
    p.add_argument("--snr-db", type=float, nargs=2, default=list(d.snr_db),
                   metavar=("LO", "HI"), help=f"SNR range of that noise in dB (default "
                   f"{d.snr_db[0]:g} {d.snr_db[1]:g})")
    p.add_argument("--gain-range", type=float, nargs=2, default=list(d.gain_range),
                   metavar=("LO", "HI"), help=f"amplitude augmentation: each training window "
                   f"scaled by a gain log-uniform in LO..HI (default {d.gain_range[0]:g} "
                   f"{d.gain_range[1]:g}: none)")
    p.add_argument("--morphology-dropout", type=float, default=d.morphology_dropout,
                   metavar="P", help=f"training only: dropout of probability P on the "
                   f"morphology input of the aux layer (default {d.morphology_dropout:g})")
    p.add_argument("--select", choices=("accuracy", "macro_f1", "last"), default=d.select,
                   help=f"validation score that picks the epoch, or last: no validation "
                   f"beats held out, the last epoch is kept (default {d.select})")
    p.add_argument("--score-offsets", type=float, nargs=5, metavar=("N", "S", "V", "F", "Q"),
                   help="class score offsets in logit units added to the output biases "
                   "(as chosen by `sparrow ecg cv`)")
    p.add_argument("--class-weight-power", type=float, default=d.class_weight_power,
                   metavar="P", help=f"loss weight of class c: (n_max / n_c)^P (default "
                   f"{d.class_weight_power})")


def cmd_train(args) -> int:
    from .evaluate import evaluate_beats, format_evaluation
    from .train import train, write_result
    config = _config(args, args.timesteps)
    result = train(config, data_dir=args.data, cache_dir=args.cache_dir)
    path = write_result(result, args.out)
    print(f"wrote {path}, its weights and {path.stem}.train.json")
    from .data import load_split
    _, test = load_split(config.split, args.data, cache_dir=args.cache_dir,
                         records=config.records)
    ev = evaluate_beats(result.model, test, config.split)
    print(format_evaluation(ev))
    if ev.report.accuracy != result.test_accuracy:
        raise SparrowError("the golden model's accuracy differs from the training side's "
                           "integer evaluation: a bug, please report it")
    return 0


def cmd_evaluate(args) -> int:
    from .evaluate import evaluate, format_evaluation
    ev = evaluate(args.model, args.split, data_dir=args.data, cache_dir=args.cache_dir)
    if args.json:
        print(json.dumps(ev.to_dict(), indent=2))
    else:
        print(format_evaluation(ev))
    return 0


def cmd_sweep(args) -> int:
    from .evaluate import evaluate_beats, format_sweep, sweep_rows, write_sweep
    from .data import load_split
    out = Path(args.out_dir)
    if args.models:
        from ..model import load_model
        models = [load_model(m) for m in args.models]
        title = "T sweep of the given models"
    else:
        from .train import train_timesteps, write_result
        base = _config(args, max(args.timesteps))
        results = train_timesteps(base, tuple(args.timesteps), data_dir=args.data,
                                  cache_dir=args.cache_dir)
        models = []
        for r in results:
            path = write_result(r, out / f"{base.name}_t{r.config.timesteps}.toml")
            models.append(r.model)
            print(f"wrote {path}")
        title = (f"T sweep: one float phase, {base.qat_epochs} quantization-aware epochs "
                 f"per T ({base.split}-patient)")
    # Settings are chosen on validation beats, never on the test part.
    from .data import validation_mask
    from .train import TrainConfig
    d = TrainConfig()
    train_part, _ = load_split(args.split, args.data, cache_dir=args.cache_dir)
    val = train_part.take(validation_mask(args.split, train_part, fraction=d.val_fraction,
                                          seed=args.seed))
    evaluations = [evaluate_beats(m, val, args.split) for m in models]
    paths = write_sweep(evaluations, out, title)
    print(format_sweep(sweep_rows(evaluations)))
    print(f"wrote {paths['table']}, {paths['json']} and {paths['plot']}")
    return 0


def cmd_cv(args) -> int:
    from .crossval import choose_offsets, cross_validate, write_cross_validation
    config = _config(args, args.timesteps)
    cv = cross_validate(config, args.folds, data_dir=args.data, cache_dir=args.cache_dir)
    offsets = choose_offsets(cv.logits, cv.labels)
    path = write_cross_validation(cv, offsets, args.out)
    d = cv.to_dict(offsets)
    for key, title in (("pooled_without_offsets", "without offsets"),
                       ("pooled_with_offsets", "with offsets")):
        t = d[key]["target_figures"]
        print(f"out-of-fold, {title}: accuracy {t['accuracy'] * 100:.2f} %, S Se "
              f"{t['S_se'] * 100:.1f} % +P {t['S_ppv'] * 100:.1f} %, V Se "
              f"{t['V_se'] * 100:.1f} % +P {t['V_ppv'] * 100:.1f} %; N-S-V F1 "
              f"{d[key]['nsv_f1'] * 100:.2f} %")
    print("score offsets (logit units, N S V F Q): "
          + " ".join(f"{o:g}" for o in offsets))
    print(f"wrote {path}")
    return 0


def cmd_report(args) -> int:
    from .report import write_example_metrics
    path = write_example_metrics(args.dir, args.out, data_dir=args.data,
                                 cache_dir=args.cache_dir)
    print(f"wrote {path}")
    return 0


def cmd_readme(args) -> int:
    from .readme import write_readme
    print(f"wrote {write_readme(args.dir, args.out)}")
    return 0


def register_cli(subparsers) -> argparse.ArgumentParser:
    """Add the ``ecg`` command group (data, train, cv, evaluate, sweep, report, readme) to
    ``subparsers`` (what ``ArgumentParser.add_subparsers()`` returns). Each leaf sets
    ``func``."""
    ecg = subparsers.add_parser("ecg", help="MIT-BIH ECG application: data, training, "
                                "cross-validation, evaluation, T sweep",
                                description=_DESCRIPTION)
    add_subcommands(ecg.add_subparsers(dest="ecg_command", required=True,
                                       metavar="SUBCOMMAND"))
    ecg.set_defaults(prog="sparrow ecg")
    return ecg


_DESCRIPTION = ("MIT-BIH beat classifier: data, training, cross-validation by patient, "
                "evaluation with the golden model, T sweep")


def add_subcommands(sub) -> None:
    """The leaves of the ``ecg`` group: data, train, cv, evaluate, sweep, report, readme."""

    p = sub.add_parser("data", help="check, download and cache the MIT-BIH beats; print "
                       "class counts and split sizes")
    _common(p)
    p.add_argument("--download", metavar="DIR",
                   help="first download the 48 records from PhysioNet into DIR (needs network)")
    p.set_defaults(func=cmd_data)

    p = sub.add_parser("train", help="train, quantize and export a model (needs torch: "
                       "./setup.sh train)")
    _common(p)
    _train_args(p)
    p.add_argument("--timesteps", type=int, default=15, help="T (default: 15)")
    p.add_argument("--out", default="runs/ecg/ecg.toml",
                   help="descriptor to write (.toml or .json; weights and <stem>.train.json "
                   "beside it; default: runs/ecg/ecg.toml)")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("cv", help="k-fold cross-validation by patient on the training "
                       "records of the inter split: out-of-fold figures and class score "
                       "offsets (needs torch)")
    _common(p)
    _train_args(p)
    p.set_defaults(split="inter")
    p.add_argument("--timesteps", type=int, default=15, help="T (default: 15)")
    p.add_argument("--folds", type=int, default=5, help="folds (default: 5)")
    p.add_argument("--out", required=True, help="cross-validation JSON to write")
    p.set_defaults(func=cmd_cv)

    p = sub.add_parser("evaluate", help="accuracy, Se, +P, confusion matrix, spike rate and "
                       "synaptic ops of a descriptor (golden model)")
    _common(p)
    _split_arg(p)
    p.add_argument("model", help="descriptor (.toml or .json)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("sweep", help="T sweep on the validation beats: accuracy, spike rate, "
                       "synaptic ops vs T (table, JSON, PNG)")
    _common(p)
    _train_args(p)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--models", nargs="+", metavar="FILE",
                     help="evaluate these descriptors")
    src.add_argument("--timesteps", nargs="+", type=int, metavar="T",
                     help="train one model per T (one float phase, QAT per T), then evaluate")
    p.add_argument("--out-dir", required=True, help="folder for sweep.md/json/png "
                   "(and the trained models)")
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser("report", help="write the metrics JSON of an example folder (its "
                       "models on annotated and detected beats, robustness, detector, sweep)")
    _common(p)
    p.add_argument("--dir", default="examples/ecg", help="folder with ecg.toml, ecg_ds1.toml, "
                   "ecg_rr.toml, ecg_rr_ds1.toml (default: examples/ecg)")
    p.add_argument("--out", help="metrics JSON to write (default: DIR/metrics.json)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("readme", help="render DIR/README.md from DIR/metrics.json")
    p.add_argument("--dir", default="examples/ecg", help="example folder (default: "
                   "examples/ecg)")
    p.add_argument("--out", help="README to write (default: DIR/README.md)")
    p.set_defaults(func=cmd_readme)

