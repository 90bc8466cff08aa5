"""MIT-BIH data pipeline: class counts against the database README and de Chazal's tables,
windows against the raw WFDB samples, the quantization formula, splits, cache, errors."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sparrow.ecg import data
from sparrow.errors import SparrowError

MITDB = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "mitdb"
REPO = Path(__file__).resolve().parents[1]
# wfdb 4.3 calls a pandas API that pandas 3 deprecates (not Sparrow's to fix).
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword")
wfdb = data._wfdb()


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("ecg-cache")


@pytest.fixture(scope="module")
def beats(cache):
    return data.load_beats(MITDB, cache_dir=cache)


def readme_counts() -> dict[str, int]:
    """Per-class beat counts as the database's README states them (independent source)."""
    text = (MITDB / "README.md").read_text()
    line = re.search(r"Beats per AAMI class over all 48 records:(.*?)\(total", text, re.S).group(1)
    return {c: int(n.replace(",", "")) for c, n in re.findall(r"([NSVFQ]) ([\d,]+)", line)}


def test_annotation_counts_match_database_readme():
    expected = readme_counts()
    assert set(expected) == set(data.CLASSES)
    assert data.annotation_class_counts(MITDB) == expected


def test_de_chazal_ds1_ds2_counts():
    # Beat counts published by de Chazal et al. (IEEE TBME 2004, table I).
    assert data.annotation_class_counts(MITDB, records=data.DS1) == \
        {"N": 45866, "S": 944, "V": 3788, "F": 415, "Q": 8}
    assert data.annotation_class_counts(MITDB, records=data.DS2) == \
        {"N": 44259, "S": 1837, "V": 3221, "F": 388, "Q": 7}


def test_segmented_beats_are_the_annotated_beats_whose_window_fits(beats):
    expected = dict.fromkeys(data.CLASSES, 0)
    aami = {"N": "NLRej", "S": "AaJS", "V": "VE", "F": "F", "Q": "/fQ"}
    for name in data.RECORDS:
        length = wfdb.rdheader(str(MITDB / name)).sig_len
        ann = wfdb.rdann(str(MITDB / name), "atr")
        for s, sym in zip(ann.sample, ann.symbol):
            cls = next((c for c, syms in aami.items() if sym in syms), None)
            if cls is not None and 90 <= s <= length - 90:
                expected[cls] += 1
    assert beats.class_counts() == expected
    assert len(beats) > 0.999 * sum(readme_counts().values())


def test_shapes_dtypes_and_range(beats):
    n = len(beats)
    assert beats.x.shape == (n, 1, 180) and beats.x.dtype == np.int8
    assert beats.y.shape == beats.record.shape == beats.sample.shape == (n,)
    assert beats.y.min() >= 0 and beats.y.max() <= 4
    assert set(np.unique(beats.record).tolist()) == {int(r) for r in data.RECORDS}
    # The quantized windows use (nearly) the full 8-bit range and are centred on zero.
    assert int(beats.x.min()) >= -128 and int(beats.x.max()) <= 127
    assert abs(float(beats.x.mean())) < 8


@pytest.mark.parametrize("record", ["100", "114", "102", "208"])
def test_windows_are_the_quantized_raw_samples(beats, record):
    """Recompute a few windows from wfdb's raw ADC codes with Python integers."""
    rec = wfdb.rdrecord(str(MITDB / record), physical=False)
    # MLII; 114 stores it second; 102 has none (V5 first).
    channel = {"114": 1, "102": 0}.get(record, 0)
    assert rec.sig_name[channel] == ("V5" if record == "102" else "MLII")
    sel = np.flatnonzero(beats.record == int(record))
    for i in sel[:: max(1, len(sel) // 7)]:
        r = int(beats.sample[i])
        adc = [int(v) for v in rec.d_signal[r - 90:r + 90, channel]]
        mean = sum(adc) // 180
        expected = [min(127, max(-128, (a - mean) // 8)) for a in adc]
        assert beats.x[i, 0].tolist() == expected


def test_quantization_formula_closed_form():
    const = np.full((1, 180), 1500)
    assert not data.quantize_windows(const).any()
    # Deviations sum to 0, so the mean is 1000 exactly; +80 adu -> 10 steps, -1 adu ->
    # floor(-1/8) = -1, -8 -> -1, -9 -> -2, +1 -> 0, +9 -> 1.
    w = np.full(180, 1000)
    w[:10] += [80, -1, -8, -9, 0, -80, 1, 8, 9, 0]
    q = data.quantize_windows(w[None])[0]
    assert q[:10].tolist() == [10, -1, -1, -2, 0, -10, 0, 1, 1, 0]
    # Clamping: a 4000-adu spike saturates at 127, a deep negative one at -128.
    spike = np.zeros(180, dtype=np.int64)
    spike[0], spike[1] = 4000, -4000
    assert data.quantize_windows(spike[None])[0, :2].tolist() == [127, -128]
    # The mean is floored: sum 179 -> mean 0 (not 1).
    ones = np.ones(180, dtype=np.int64)
    ones[0] = 0
    assert data.quantize_windows(ones[None], shift=0)[0, :2].tolist() == [0, 1]


def test_inter_patient_records():
    assert len(data.DS1) == len(data.DS2) == 22
    assert not set(data.DS1) & set(data.DS2)
    assert set(data.DS1) | set(data.DS2) | {"102", "104", "107", "217"} == set(data.RECORDS)
    assert set(data.PACED_RECORDS) == {"102", "104", "107", "217"}


def test_inter_patient_split(beats):
    ds1, ds2 = data.inter_patient_split(beats)
    assert not set(ds1) & set(ds2)
    assert set(np.unique(beats.record[ds1])) == {int(r) for r in data.DS1}
    assert set(np.unique(beats.record[ds2])) == {int(r) for r in data.DS2}
    paced = np.isin(beats.record, [102, 104, 107, 217])
    assert len(ds1) + len(ds2) + int(paced.sum()) == len(beats)


def test_intra_patient_split_is_stratified_and_seeded(beats):
    train, test = data.intra_patient_split(beats)
    assert not set(train) & set(test)
    assert len(train) + len(test) == len(beats)
    for c in range(5):
        n = int((beats.y == c).sum())
        assert int((beats.y[test] == c).sum()) == round(0.2 * n)
    train2, test2 = data.intra_patient_split(beats)
    assert np.array_equal(test, test2) and np.array_equal(train, train2)
    _, other = data.intra_patient_split(beats, seed=1)
    assert not np.array_equal(test, other)


def test_intra_test_beats_for_the_hardware_flow(cache, beats):
    x, y = data.intra_test_beats(MITDB, cache_dir=cache)
    _, test = data.intra_patient_split(beats)
    assert x.shape == (len(test), 1, 180) and y.shape == (len(test),)
    assert x.dtype == np.int64 and y.dtype == np.int64
    assert np.array_equal(x, beats.x[test]) and np.array_equal(y, beats.y[test])


def test_cache_is_reused_and_rebuilt_when_corrupt(tmp_path):
    first = data.load_beats(MITDB, records=("100", "101"), cache_dir=tmp_path)
    files = sorted((tmp_path / "ecg").glob("*.npz"))
    assert len(files) == 2
    files[0].write_bytes(b"not an npz")
    again = data.load_beats(MITDB, records=("100", "101"), cache_dir=tmp_path)
    for f in ("x", "y", "record", "sample"):
        assert np.array_equal(getattr(first, f), getattr(again, f))
    # Different quantization parameters get their own cache entries.
    data.load_beats(MITDB, records=("100",), cache_dir=tmp_path, shift=2)
    assert len(list((tmp_path / "ecg").glob("*.npz"))) == 3


def test_missing_data_path_is_a_clear_error(tmp_path, monkeypatch):
    with pytest.raises(SparrowError, match="not found at .*physionet.*sparrow.ecg data "
                       "--download"):
        data.resolve_data_dir(tmp_path / "nowhere")
    monkeypatch.setenv("SPARROW_MITDB", str(tmp_path / "elsewhere"))
    with pytest.raises(SparrowError, match="elsewhere"):
        data.load_beats(cache_dir=tmp_path)
    (tmp_path / "partial").mkdir()
    (tmp_path / "partial" / "100.hea").write_text("100 2 360 650000\n")
    with pytest.raises(SparrowError, match=r"not a complete copy .*missing 100\.dat, 100\.atr"):
        data.resolve_data_dir(tmp_path / "partial", records=("100",))


def test_corrupt_record_is_a_clear_error(tmp_path):
    for ext in (".hea", ".atr"):
        (tmp_path / f"100{ext}").write_bytes((MITDB / f"100{ext}").read_bytes())
    (tmp_path / "100.dat").write_bytes(b"\x00" * 10)
    with pytest.raises(SparrowError, match="record 100 .* cannot be read"):
        data.load_beats(tmp_path, records=("100",), cache_dir=tmp_path / "cache")


def test_cli_missing_data_prints_one_line(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "sparrow.ecg", "data", "--data",
                           str(tmp_path / "none"), "--cache-dir", str(tmp_path)],
                          capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sparrow ecg: error:")
    assert "physionet.org" in lines[0]
