"""The energy study measured: a sweep of the three twins (ssf, qnn, if) over T and threshold
scale, every point through the whole flow, then the study of it (measured break-even spike rate
per T, the analytical model calibrated on the smallest T and checked on the others).

    .venv/bin/python bench/study.py                  # tiny model, T 5 and 10, 5 scales (30 points)
    .venv/bin/python bench/study.py --full           # T 1 2 3 5 7 10 15 x 3 scales x 3 twins
    .venv/bin/python bench/study.py --out runs/study --workers 2

Resumable: points already measured in --out are not run again. Printed: energy per point with
the ratio to the qnn twin at the same T and scale (the baseline, measured in the same sweep),
the break-even lines and the model's error; the study's files are in <out>/study/.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "examples" / "tiny" / "tiny.toml"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=str(TINY), help="descriptor (default the tiny model)")
    ap.add_argument("--full", action="store_true",
                    help="T 1 2 3 5 7 10 15 x scales 0.5 1 2 x ssf qnn if (63 points)")
    ap.add_argument("--out", default="runs/study", help="sweep folder (default runs/study)")
    ap.add_argument("--workers", type=int, default=2, help="Dask worker processes")
    ap.add_argument("--random", type=int, default=4, help="random inputs per point")
    ap.add_argument("--lanes", type=int, default=4)
    args = ap.parse_args()
    from sparrow.cli import main as sparrow
    ts, scales = (["1", "2", "3", "5", "7", "10", "15"], ["0.5", "1", "2"]) if args.full \
        else (["5", "10"], ["0.25", "1", "2", "4", "8"])
    code = sparrow(["sweep", args.model, "-o", args.out, "--timesteps", *ts, "--scales",
                    *scales, "--variants", "ssf", "qnn", "if", "--random", str(args.random),
                    "--lanes", str(args.lanes), "--workers", str(args.workers)])
    if code:
        return code
    from sparrow.study.measured import load_sweep
    sweep = load_sweep(args.out)
    qnn = {(p.point.timesteps, p.point.scale): p.energy for p in sweep.points
           if p.point.variant == "qnn"}
    print(f"\n{'point':<16}{'spike rate':>11}{'energy (nJ)':>13}{'cycles':>8}{'vs qnn':>9}")
    for p in sorted(sweep.points, key=lambda p: (p.point.timesteps, p.point.variant,
                                                 -p.spike_rate)):
        base = qnn.get((p.point.timesteps, p.point.scale))
        ratio = f"{p.energy / base:.3f}x" if base else "-"
        print(f"{p.point.name:<16}{p.spike_rate:>11.2%}{p.energy * 1e9:>13.2f}{p.cycles:>8}"
              f"{ratio:>9}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
