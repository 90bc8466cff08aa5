"""QRS detection on the 44 non-paced MIT-BIH records: Sparrow's integer detector
(sparrow.ecg.qrs) beside wfdb's XQRS and GQRS, each scored against the reference annotations
with EC57 beat matching (150 ms, VF episodes not scored, whole records). Prints Se, +P and
wall-clock seconds per record and overall (gross).

    .venv/bin/python bench/ecg_qrs.py [--records 100 101 ...] [--no-wfdb]

XQRS is slow in pure Python (about 10-30 s per 30-minute record); --no-wfdb skips both wfdb
detectors.
"""

from __future__ import annotations

import argparse
import time
import warnings

from sparrow.ecg import data
from sparrow.ecg.matching import DetectionScore, gross, match_beats
from sparrow.ecg.qrs import detect_qrs


def _wfdb_detectors():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from wfdb import processing

    def xqrs(sig):
        return processing.xqrs_detect(sig.adc.astype(float) / 200.0, fs=data.SAMPLE_RATE_HZ,
                                      verbose=False)

    def gqrs(sig):
        return processing.gqrs_detect(d_sig=sig.adc, fs=data.SAMPLE_RATE_HZ, adc_gain=200,
                                      adc_zero=1024)
    return {"wfdb XQRS": xqrs, "wfdb GQRS": gqrs}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", nargs="+", default=list(data.NON_PACED_RECORDS))
    ap.add_argument("--no-wfdb", action="store_true")
    args = ap.parse_args()
    path = data.resolve_data_dir(None, tuple(args.records))
    detectors = {"sparrow (integer)": lambda sig: detect_qrs(sig.adc, record=sig.name)}
    if not args.no_wfdb:
        detectors.update(_wfdb_detectors())
    scores = {k: [] for k in detectors}
    seconds = dict.fromkeys(detectors, 0.0)
    print(f"{'record':<8}" + "".join(f"{k:>30}" for k in detectors))
    for name in args.records:
        sig = data.read_record(path, name)
        cells = []
        for k, detect in detectors.items():
            start = time.perf_counter()
            found = detect(sig)
            seconds[k] += time.perf_counter() - start
            m = match_beats(sig.beat_samples, found, excluded=sig.vf_episodes())
            s = DetectionScore(name, m.tp, m.fn, m.fp)
            scores[k].append(s)
            cells.append(f"Se {s.se * 100:6.2f} +P {s.ppv * 100:6.2f} ({s.fn:>3}/{s.fp:>3})")
        print(f"{name:<8}" + "".join(f"{c:>30}" for c in cells), flush=True)
    print("\ngross over the records (FN / FP in brackets):")
    for k in detectors:
        g = gross(scores[k])
        print(f"  {k:<20} Se {g.se * 100:6.3f} %  +P {g.ppv * 100:6.3f} %  ({g.tp} TP, {g.fn} FN, "
              f"{g.fp} FP)  {seconds[k]:7.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
