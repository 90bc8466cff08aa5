"""MIT-BIH Arrhythmia beats: reading, segmentation, AAMI labels, 8-bit quantization, splits.

Source: the 48 records of the MIT-BIH Arrhythmia Database (PhysioNet ``mitdb`` 1.0.0, WFDB
format, 360 Hz, 11-bit ADC, 200 adu/mV), read with the ``wfdb`` package from a folder. The
folder is, in order of precedence: the ``data_dir`` argument, the environment variable
``SPARROW_MITDB``, or ``../shared/data/mitdb`` relative to the repository root.
:func:`download` fetches the same files from PhysioNet for users with network access.

Beats. Every reference annotation (``.atr``) whose symbol is a beat in the AAMI EC57 sense is
one example; its class is N (N, L, R, e, j), S (A, a, J, S), V (V, E), F (F) or Q (/, f, Q).
Other symbols (rhythm changes, noise, flutter waves, non-conducted P waves...) are not beats.
The lead is MLII; records 102 and 104 have no MLII (their leads are V5 and V2), so their
first lead (V5) is used, as is customary. The window is the ``WINDOW_BEFORE`` samples before
the annotated R peak and the ``WINDOW_AFTER`` samples from it on (90 + 90 = 180 samples,
0.5 s); beats whose window does not fit in the record are dropped (a handful at the ends).

Quantization (:func:`quantize_windows`) is a pure integer function of the ADC codes of the
window, the same a sensor front end would compute: with ``a[0..179]`` the codes (adu)::

    m    = floor(sum(a) / 180)                         # offset removal: the window's mean
    q[i] = clamp((a[i] - m) >> shift, -128, 127)       # arithmetic shift (floor), 8-bit signed

With the default ``shift = 3`` one step is 8 adu = 0.04 mV and the range is -5.12..+5.08 mV
around the mean (over all 48 records fewer than 1 sample in a million clips). No other
normalization happens anywhere: the network is trained on exactly these integers.

Rhythm and template. Every beat also carries its RR-interval features (:mod:`sparrow.ecg.rr`),
computed from the positions of all beat annotations of its record, its beat-to-template
features (:mod:`sparrow.ecg.template`: distance to the running average of the record's
regular beats), and the raw ADC codes of a window
``MARGIN`` samples wider on each side (for shift augmentation in training; codes past the
record's ends repeat its first or last sample).

Splits (AAMI EC57: the paced records 102, 104, 107 and 217 are excluded). *Intra-patient*
(``intra``): all beats of the 44 non-paced records, split per AAMI class at random
(stratified, fixed seed) into 80 % training and 20 % test. ``intra48``: the same over all 48
records, paced ones included (the split the first reference model ``ecg.toml`` was trained
on; its figure is reported beside, labelled). *Inter-patient* (``inter``): de Chazal et al.
(IEEE TBME 51(7), 2004): train on DS1, test on DS2, 22 records each. Validation data for
choosing epochs and settings: for ``inter``, the DS1 records :data:`VALIDATION_RECORDS` (held
out by patient); for the intra splits, a stratified random part of the training beats.

Cache: the segmented, quantized beats of each record are kept in an ``.npz`` under the cache
folder (``cache_dir`` argument, ``SPARROW_CACHE_DIR``, ``$XDG_CACHE_HOME/sparrow`` or
``~/.cache/sparrow``), keyed by the SHA-256 of the record's files and the segmentation and
quantization parameters. Nothing is ever written into the data folder.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import SparrowError
from ..fileio import atomic_write
from ..resources import shared_path
from .rr import PRE_OVER_LOCAL, RR_FEATURES, rr_features
from .template import TEMPLATE_FEATURES, template_features

RECORDS = (
    "100", "101", "102", "103", "104", "105", "106", "107", "108", "109", "111", "112",
    "113", "114", "115", "116", "117", "118", "119", "121", "122", "123", "124", "200",
    "201", "202", "203", "205", "207", "208", "209", "210", "212", "213", "214", "215",
    "217", "219", "220", "221", "222", "223", "228", "230", "231", "232", "233", "234",
)
PACED_RECORDS = ("102", "104", "107", "217")
# de Chazal, O'Dwyer, Reilly, IEEE TBME 51(7):1196-1206, 2004.
DS1 = ("101", "106", "108", "109", "112", "114", "115", "116", "118", "119", "122", "124",
       "201", "203", "205", "207", "208", "209", "215", "220", "223", "230")
DS2 = ("100", "103", "105", "111", "113", "117", "121", "123", "200", "202", "210", "212",
       "213", "214", "219", "221", "222", "228", "231", "232", "233", "234")
NON_PACED_RECORDS = tuple(r for r in RECORDS if r not in PACED_RECORDS)
# DS1 records held out of inter-patient training for validation (chosen from the DS1 class
# counts only: about a quarter of DS1's S and V beats, some F).
VALIDATION_RECORDS = ("106", "118", "220", "223")

CLASSES = ("N", "S", "V", "F", "Q")
AAMI_SYMBOLS = {
    "N": ("N", "L", "R", "e", "j"),
    "S": ("A", "a", "J", "S"),
    "V": ("V", "E"),
    "F": ("F",),
    "Q": ("/", "f", "Q"),
}
SYMBOL_CLASS = {s: CLASSES.index(c) for c, syms in AAMI_SYMBOLS.items() for s in syms}

SAMPLE_RATE_HZ = 360
WINDOW_BEFORE = 90
WINDOW_AFTER = 90
WINDOW = WINDOW_BEFORE + WINDOW_AFTER
MARGIN = 8                  # extra raw samples on each side of a window (shift augmentation)
DEFAULT_SHIFT = 3
LEAD = "MLII"
INTRA_TEST_FRACTION = 0.2
INTRA_SEED = 20240606

PHYSIONET_URL = "https://physionet.org/content/mitdb/1.0.0/"
_CACHE_VERSION = 3
# The aux vector of every beat: its RR features, then its beat-to-template features.
AUX_FEATURES = RR_FEATURES + TEMPLATE_FEATURES
DEFAULT_DATA_DIR = shared_path("data", "mitdb")


@dataclass(frozen=True)
class BeatSet:
    """Segmented, quantized beats with their labels and where they come from.

    ``x``: (N, 1, 180) int8 quantized samples (the model input); ``y``: (N,) int64 AAMI class
    index into :data:`CLASSES`; ``record``: (N,) int64 record number; ``sample``: (N,) int64
    sample index (at 360 Hz) of the R peak in its record; ``aux``: (N, 11) int64 features
    :data:`AUX_FEATURES`, the RR-interval features (:mod:`sparrow.ecg.rr`) then the
    beat-to-template features (:mod:`sparrow.ecg.template`); ``raw``: (N, 180 + 2 * MARGIN)
    int16 ADC codes of the window widened by ``MARGIN`` samples on each side.
    """

    x: np.ndarray
    y: np.ndarray
    record: np.ndarray
    sample: np.ndarray
    aux: np.ndarray | None = None
    raw: np.ndarray | None = None

    _FIELDS = ("x", "y", "record", "sample", "aux", "raw")

    def __len__(self) -> int:
        return len(self.y)

    def take(self, index: np.ndarray) -> "BeatSet":
        """The beats at ``index`` (an integer index array or a boolean mask)."""
        return BeatSet(*(None if getattr(self, f) is None else getattr(self, f)[index]
                         for f in self._FIELDS))

    def class_counts(self) -> dict[str, int]:
        counts = np.bincount(self.y, minlength=len(CLASSES))
        return {c: int(n) for c, n in zip(CLASSES, counts)}

    @staticmethod
    def concatenate(parts: list["BeatSet"]) -> "BeatSet":
        def joined(f: str):
            arrays = [getattr(p, f) for p in parts]
            return None if any(a is None for a in arrays) else np.concatenate(arrays)
        return BeatSet(*(joined(f) for f in BeatSet._FIELDS))


# ---------------------------------------------------------------------------------------------
# Locating, checking and downloading the data


_WHERE_TO_GET = (f"give its folder with --data DIR (or data_dir=...) or the environment variable "
                 f"SPARROW_MITDB, or download it (about 100 MB) from PhysioNet ({PHYSIONET_URL}) "
                 f"with `python -m sparrow.ecg data --download DIR`")


def resolve_data_dir(data_dir: str | os.PathLike | None = None,
                     records: tuple[str, ...] = RECORDS) -> Path:
    """The MIT-BIH folder to read (argument, ``SPARROW_MITDB``, or the default), checked to
    hold the ``.hea``, ``.dat`` and ``.atr`` files of ``records``."""
    if data_dir is None:
        data_dir = os.environ.get("SPARROW_MITDB") or DEFAULT_DATA_DIR
    path = Path(data_dir)
    if not path.is_dir():
        raise SparrowError(f"the MIT-BIH Arrhythmia Database was not found at {path}: "
                           + _WHERE_TO_GET)
    missing = [f"{r}{ext}" for r in records for ext in (".hea", ".dat", ".atr")
               if not (path / f"{r}{ext}").is_file()]
    if missing:
        shown = ", ".join(missing[:6]) + (f" and {len(missing) - 6} more" if len(missing) > 6
                                          else "")
        raise SparrowError(f"{path} is not a complete copy of the MIT-BIH Arrhythmia Database "
                           f"(missing {shown}); " + _WHERE_TO_GET)
    return path


def download(dest: str | os.PathLike) -> Path:
    """Download the 48 MIT-BIH records from PhysioNet into ``dest`` (needs network)."""
    wfdb = _wfdb()
    dest = Path(dest)
    try:
        dest.mkdir(parents=True, exist_ok=True)
        wfdb.dl_database("mitdb", str(dest), records=list(RECORDS),
                         annotators=["atr"], overwrite=False)
    except Exception as e:  # network and HTTP errors come in many types from wfdb/requests
        raise SparrowError(f"downloading mitdb from PhysioNet into {dest} failed: "
                           f"{type(e).__name__}: {e}") from None
    return resolve_data_dir(dest)


# ---------------------------------------------------------------------------------------------
# Reading one record


def _wfdb():
    # wfdb 4.3 uses a pandas call that pandas 3 deprecates (at import and in rdann); the
    # warning is not the user's to act on.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The inplace keyword")
        import wfdb
    return wfdb


def _read_annotations(base: str):
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The inplace keyword")
        return _wfdb().rdann(base, "atr")


@dataclass(frozen=True)
class RecordSignal:
    """One record's chosen lead (ADC codes, adu) and its reference annotations."""

    name: str
    lead: str
    adc: np.ndarray          # (samples,) int64 ADC codes of the lead
    ann_sample: np.ndarray   # (annotations,) int64 sample index
    ann_symbol: np.ndarray   # (annotations,) str annotation symbol

    @property
    def beat_samples(self) -> np.ndarray:
        """Sample positions of the annotations that are beats (any AAMI class)."""
        return self.ann_sample[beat_labels(self.ann_symbol) >= 0]

    def vf_episodes(self) -> list[tuple[int, int]]:
        """(start, end) samples of ventricular flutter/fibrillation episodes (annotations
        ``[`` and ``]``; an episode still open at the end runs to the record's end)."""
        episodes, start = [], None
        for pos, sym in zip(self.ann_sample.tolist(), self.ann_symbol.tolist()):
            if sym == "[":
                start = pos
            elif sym == "]" and start is not None:
                episodes.append((start, pos))
                start = None
        if start is not None:
            episodes.append((start, len(self.adc)))
        return episodes


# Records whose MLII is missing in the database (their first lead, V5, is used instead).
_LEAD_EXCEPTIONS = ("102", "104")


def read_record(data_dir: Path, name: str) -> RecordSignal:
    """Read the lead MLII (V5 for 102 and 104) as raw ADC codes, and the ``atr`` annotations.

    Raises SparrowError naming the record and the problem: unreadable signal files, no MLII
    lead, a signal shorter than one beat window, or an unreadable or inconsistent annotation
    file (positions outside the signal or out of order).
    """
    wfdb = _wfdb()
    base = str(Path(data_dir) / name)
    try:
        rec = wfdb.rdrecord(base, physical=False)
    except Exception as e:  # wfdb raises assorted types for truncated or corrupt files
        raise SparrowError(f"record {name} in {data_dir}: the signal cannot be read "
                           f"({type(e).__name__}: {e}); re-download it from {PHYSIONET_URL}"
                           ) from None
    try:
        ann = _read_annotations(base)
    except Exception as e:  # as above, for the .atr file
        raise SparrowError(f"record {name} in {data_dir}: the annotation file {name}.atr is "
                           f"corrupt or unreadable ({type(e).__name__}: {e}); re-download it "
                           f"from {PHYSIONET_URL}") from None
    names = list(rec.sig_name or [])
    if LEAD in names:
        channel = names.index(LEAD)
    elif name in _LEAD_EXCEPTIONS and names:
        channel = 0
    else:
        raise SparrowError(f"record {name} in {data_dir}: no lead {LEAD} (its leads: "
                           f"{', '.join(names) or 'none'})")
    if rec.d_signal is None or rec.d_signal.ndim != 2 or len(rec.d_signal) < WINDOW:
        length = 0 if rec.d_signal is None else len(rec.d_signal)
        raise SparrowError(f"record {name} in {data_dir}: {length} samples "
                           f"({length / SAMPLE_RATE_HZ:.2f} s), shorter than one beat window "
                           f"({WINDOW} samples)")
    adc = np.asarray(rec.d_signal[:, channel], dtype=np.int64)
    samples = np.asarray(ann.sample, dtype=np.int64)
    if samples.size and (samples.min() < 0 or samples.max() >= len(adc)):
        raise SparrowError(f"record {name} in {data_dir}: corrupt annotation file {name}.atr: "
                           f"positions {int(samples.min())}..{int(samples.max())} fall outside "
                           f"the signal (0..{len(adc) - 1})")
    if np.any(np.diff(samples) < 0):
        raise SparrowError(f"record {name} in {data_dir}: corrupt annotation file {name}.atr: "
                           f"positions are not in time order")
    return RecordSignal(name=name, lead=names[channel], adc=adc, ann_sample=samples,
                        ann_symbol=np.asarray(ann.symbol))


def beat_labels(symbols: np.ndarray) -> np.ndarray:
    """AAMI class index per annotation symbol; -1 for symbols that are not beats."""
    return np.array([SYMBOL_CLASS.get(str(s), -1) for s in symbols], dtype=np.int64)


def annotation_class_counts(data_dir: str | os.PathLike | None = None,
                            records: tuple[str, ...] = RECORDS) -> dict[str, int]:
    """Annotated beats per AAMI class over ``records`` (before any window is dropped)."""
    path = resolve_data_dir(data_dir, records)
    counts = np.zeros(len(CLASSES), dtype=np.int64)
    for name in records:
        try:
            ann = _read_annotations(str(path / name))
        except Exception as e:  # as in read_record
            raise SparrowError(f"annotations of record {name} in {path} cannot be read "
                               f"({type(e).__name__}: {e})") from None
        labels = beat_labels(np.asarray(ann.symbol))
        counts += np.bincount(labels[labels >= 0], minlength=len(CLASSES))
    return {c: int(n) for c, n in zip(CLASSES, counts)}


# ---------------------------------------------------------------------------------------------
# Segmentation and quantization


def quantize_windows(adc: np.ndarray, shift: int = DEFAULT_SHIFT) -> np.ndarray:
    """8-bit front-end quantization of ADC windows (..., W) -> int8 (..., W).

    ``q = clamp((a - floor(sum(a) / W)) >> shift, -128, 127)``: the window's integer mean is
    removed, then an arithmetic right shift by ``shift`` bits (floor division by 2**shift).
    """
    a = np.asarray(adc, dtype=np.int64)
    if shift < 0:
        raise SparrowError(f"quantization shift must be >= 0, got {shift}")
    mean = np.floor_divide(a.sum(axis=-1, keepdims=True), a.shape[-1])
    return np.clip((a - mean) >> shift, -128, 127).astype(np.int8)


def wide_windows(adc: np.ndarray, r_peaks: np.ndarray, margin: int = MARGIN) -> np.ndarray:
    """(N, WINDOW + 2 * margin) int16 ADC codes around each R peak (codes past the record's
    ends repeat its first or last sample)."""
    offsets = np.arange(-WINDOW_BEFORE - margin, WINDOW_AFTER + margin)
    idx = np.clip(np.asarray(r_peaks, dtype=np.int64)[:, None] + offsets[None, :], 0,
                  len(adc) - 1)
    return adc[idx].astype(np.int16)


def beats_at(adc: np.ndarray, r_peaks: np.ndarray, labels: np.ndarray, record: int,
             shift: int = DEFAULT_SHIFT) -> BeatSet:
    """Beats of one record at the R peaks ``r_peaks`` (annotated or detected, increasing):
    RR features from all of them; windows, quantized, for those whose window fits, and
    their template features (the template runs over these beats in order)."""
    r = np.asarray(r_peaks, dtype=np.int64)
    aux = rr_features(r)
    fits = (r >= WINDOW_BEFORE) & (r + WINDOW_AFTER <= len(adc))
    r, labels, aux = r[fits], np.asarray(labels, dtype=np.int64)[fits], aux[fits]
    raw = wide_windows(adc, r)
    x = quantize_windows(raw[:, MARGIN:MARGIN + WINDOW], shift)[:, None, :]
    aux = np.concatenate([aux, template_features(x[:, 0], aux[:, PRE_OVER_LOCAL])], axis=1)
    return BeatSet(x=x, y=labels, record=np.full(len(r), record, dtype=np.int64), sample=r,
                   aux=aux, raw=raw)


def with_windows(beats: BeatSet, x: np.ndarray) -> BeatSet:
    """``beats`` with the quantized windows ``x`` (N, 1, 180) instead of theirs (as a front
    end would see them with a shifted fiducial point or a noisy signal) and their template
    features recomputed from those windows, record by record in the beats' order. That is
    the front end's computation when ``beats`` holds every beat of its records that has a
    window (as the inter-patient test part does); for a subset of a record it is not."""
    aux = beats.aux.copy()
    rr = len(RR_FEATURES)
    for r in np.unique(beats.record):
        m = beats.record == r
        aux[m, rr:] = template_features(x[m, 0], aux[m, PRE_OVER_LOCAL])
    return BeatSet(x=np.asarray(x, dtype=np.int8), y=beats.y, record=beats.record,
                   sample=beats.sample, aux=aux, raw=beats.raw)


def segment(signal: RecordSignal, shift: int = DEFAULT_SHIFT) -> BeatSet:
    """Beats of one record: windows around every AAMI beat annotation, quantized, with RR
    features from the annotated beat positions."""
    labels = beat_labels(signal.ann_symbol)
    beat = labels >= 0
    return beats_at(signal.adc, signal.ann_sample[beat], labels[beat], int(signal.name), shift)


# ---------------------------------------------------------------------------------------------
# Cache


def default_cache_dir() -> Path:
    """``SPARROW_CACHE_DIR``, else ``$XDG_CACHE_HOME/sparrow``, else ``~/.cache/sparrow``."""
    if os.environ.get("SPARROW_CACHE_DIR"):
        return Path(os.environ["SPARROW_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "sparrow"


def _record_key(data_dir: Path, name: str, shift: int) -> str:
    h = hashlib.sha256()
    params = {"version": _CACHE_VERSION, "lead": LEAD, "before": WINDOW_BEFORE,
              "after": WINDOW_AFTER, "margin": MARGIN, "shift": shift, "classes": AAMI_SYMBOLS,
              "aux": AUX_FEATURES}
    h.update(json.dumps(params, sort_keys=True).encode())
    for ext in (".hea", ".dat", ".atr"):
        h.update(ext.encode())
        h.update(hashlib.sha256((data_dir / f"{name}{ext}").read_bytes()).digest())
    return h.hexdigest()[:20]


def _load_cached(path: Path) -> BeatSet | None:
    try:
        with np.load(path, allow_pickle=False) as z:
            return BeatSet(**{f: z[f] for f in BeatSet._FIELDS})
    except (OSError, KeyError, ValueError, EOFError):
        return None   # absent or unreadable: rebuild it


def _store(path: Path, beats: BeatSet) -> None:
    buf = io.BytesIO()
    np.savez(buf, **{f: getattr(beats, f) for f in BeatSet._FIELDS})
    try:
        atomic_write(path, lambda f: f.write(buf.getvalue()), binary=True)
    except OSError as e:
        raise SparrowError(f"cannot write the beat cache {path} ({e.strerror}); give a writable "
                           f"folder with --cache-dir DIR or SPARROW_CACHE_DIR") from None


def load_beats(data_dir: str | os.PathLike | None = None, *,
               records: tuple[str, ...] = RECORDS, shift: int = DEFAULT_SHIFT,
               cache_dir: str | os.PathLike | None = None, use_cache: bool = True) -> BeatSet:
    """All beats of ``records`` (in record order, then time order), from the cache if there."""
    unknown = [r for r in records if r not in RECORDS]
    if unknown:
        raise SparrowError(f"unknown MIT-BIH record(s) {', '.join(unknown)} "
                           f"(the 48 records are 100..234, see data.RECORDS)")
    path = resolve_data_dir(data_dir, records)
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    parts = []
    for name in records:
        file = cache / "ecg" / f"mitdb-{name}-{_record_key(path, name, shift)}.npz"
        beats = _load_cached(file) if use_cache else None
        if beats is None:
            beats = segment(read_record(path, name), shift)
            if use_cache:
                _store(file, beats)
        parts.append(beats)
    return BeatSet.concatenate(parts)


# ---------------------------------------------------------------------------------------------
# Splits


def intra_patient_split(beats: BeatSet, *, test_fraction: float = INTRA_TEST_FRACTION,
                        seed: int = INTRA_SEED) -> tuple[np.ndarray, np.ndarray]:
    """Stratified random split: (train indices, test indices), both sorted.

    In each class, ``round(test_fraction * n)`` beats chosen with ``numpy.random.
    default_rng(seed)`` go to the test split, the rest to training.
    """
    if not 0 < test_fraction < 1:
        raise SparrowError(f"test fraction must be in (0, 1), got {test_fraction}")
    rng = np.random.default_rng(seed)
    test = []
    for c in range(len(CLASSES)):
        idx = np.flatnonzero(beats.y == c)
        test.append(rng.permutation(idx)[:int(round(test_fraction * len(idx)))])
    test_idx = np.sort(np.concatenate(test))
    train_mask = np.ones(len(beats), dtype=bool)
    train_mask[test_idx] = False
    return np.flatnonzero(train_mask), test_idx


def inter_patient_split(beats: BeatSet) -> tuple[np.ndarray, np.ndarray]:
    """de Chazal split: (indices of DS1 beats, indices of DS2 beats); paced records in neither."""
    ds1 = np.isin(beats.record, [int(r) for r in DS1])
    ds2 = np.isin(beats.record, [int(r) for r in DS2])
    return np.flatnonzero(ds1), np.flatnonzero(ds2)


SPLITS = ("intra", "inter", "intra48")
SPLIT_LABELS = {
    "intra": "intra-patient, 44 non-paced records (AAMI EC57), stratified 80/20",
    "inter": "inter-patient, de Chazal DS1 -> DS2 (paced records excluded)",
    "intra48": "intra-patient, all 48 records incl. the 4 paced ones (not EC57), "
               "stratified 80/20",
}


def split_records(split: str) -> tuple[str, ...]:
    """Records a split reads: the 44 non-paced (intra), all 48 (intra48), DS1 + DS2 (inter)."""
    if split == "intra":
        return NON_PACED_RECORDS
    if split == "intra48":
        return RECORDS
    if split == "inter":
        return tuple(sorted(DS1 + DS2))
    raise SparrowError(f"unknown split {split!r} (known: {', '.join(SPLITS)})")


def validation_mask(split: str, train: BeatSet, *, fraction: float = 0.1,
                    seed: int = 0) -> np.ndarray:
    """Boolean mask of the training beats held out for validation: the DS1 records
    :data:`VALIDATION_RECORDS` for ``inter`` (by patient), a stratified random ``fraction``
    of the beats for the intra splits."""
    if split == "inter":
        return np.isin(train.record, [int(r) for r in VALIDATION_RECORDS])
    rng = np.random.default_rng(seed)
    mask = np.zeros(len(train), dtype=bool)
    for c in np.unique(train.y):
        idx = np.flatnonzero(train.y == c)
        mask[rng.permutation(idx)[:int(round(fraction * len(idx)))]] = True
    return mask


def patient_folds(beats: BeatSet, k: int) -> dict[int, int]:
    """Fold (0..k-1) of each record of ``beats``, for k-fold cross-validation by patient.

    The records are ordered by their beat counts of the rare classes first (S, then V, F,
    N, most first; record number on a tie) and dealt to the folds in a snake order (0, 1,
    .., k-1, k-1, .., 0, 0, 1, ..), so every fold gets some of the S-rich and V-rich
    patients and the fold sizes differ by at most one record."""
    records = np.unique(beats.record)
    if not 2 <= k <= len(records):
        raise SparrowError(f"cross-validation needs 2..{len(records)} folds (one record at "
                           f"least per fold), got {k}")
    counts = np.array([np.bincount(beats.y[beats.record == r], minlength=len(CLASSES))
                       for r in records])
    order = sorted(range(len(records)), key=lambda i: (-counts[i, 1], -counts[i, 2],
                                                       -counts[i, 3], -counts[i, 0],
                                                       records[i]))
    folds = {}
    for n, i in enumerate(order):
        f = n % (2 * k)
        folds[int(records[i])] = f if f < k else 2 * k - 1 - f
    return folds


def load_split(split: str, data_dir: str | os.PathLike | None = None, *,
               shift: int = DEFAULT_SHIFT, cache_dir: str | os.PathLike | None = None,
               records: tuple[str, ...] | None = None) -> tuple[BeatSet, BeatSet]:
    """(training beats, test beats) of ``split`` ("intra" or "inter").

    ``records`` restricts the beats to a subset of the split's records (small smoke runs).
    """
    wanted = split_records(split)
    if records is not None:
        wanted = tuple(r for r in wanted if r in set(records))
        if not wanted:
            raise SparrowError(f"none of the records {', '.join(records)} is in the {split} "
                               f"split")
    beats = load_beats(data_dir, records=wanted, shift=shift, cache_dir=cache_dir)
    train, test = (inter_patient_split(beats) if split == "inter"
                   else intra_patient_split(beats))
    return beats.take(train), beats.take(test)


def intra_test_beats(data_dir: str | os.PathLike | None = None, *,
                     cache_dir: str | os.PathLike | None = None
                     ) -> tuple[np.ndarray, np.ndarray]:
    """The test split of the reference model ``ecg.toml`` (``intra48``) as (x, y): x (N, 1,
    180) int64 quantized samples in -128..127 (the chip's input), y (N,) int64 AAMI class
    index (0..4 = N, S, V, F, Q)."""
    _, test = load_split("intra48", data_dir, cache_dir=cache_dir)
    return test.x.astype(np.int64), test.y.astype(np.int64)
