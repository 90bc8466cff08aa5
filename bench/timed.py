"""Zero-delay vs timed gate-level activity: ``sparrow flow --timed-activity`` on one model, and
the energy per inference of both simulations side by side, whole core and by block, with the
glitch share (timed minus zero-delay, over timed), the SDF annotation counts and the wall time
of each simulation.

Both simulations run the same netlist on the same inputs in the same gate-level step (the
zero-delay one with the cell models' functions only, the timed one with OpenSTA's cell
delays through ``$sdf_annotate``), both bit-exact against the golden model; the power step
computes both from their toggle counts with the same engine.

The tiny example by default (4 lanes, 2 random inputs, seed 7; about a minute); ``--ecg``
runs the ECG example on one MIT-BIH beat (8 lanes).

Run: .venv/bin/python bench/timed.py [--ecg] [--out DIR] [--lanes P]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from sparrow.flow import FlowOptions, Progress, run_flow
from workload import bench_workload


def _nj(joules: float) -> str:
    return f"{joules * 1e9:,.2f} nJ"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ecg", action="store_true", help="the ECG example on one MIT-BIH beat")
    p.add_argument("--out", type=Path, help="run folder (default: a temporary one, removed)")
    p.add_argument("--lanes", type=int, help="PE lanes (default 4 tiny, 8 ECG)")
    args = p.parse_args()
    model_path, model, lanes, x, described = bench_workload(
        ecg=args.ecg, random_count=2, lanes=args.lanes)
    out = args.out or Path(tempfile.mkdtemp(prefix="sparrow-timed-")) / model.name
    t0 = time.perf_counter()
    state = run_flow(model_path, out, x, FlowOptions(lanes=lanes, timed_activity=True),
                     inputs_described=described, progress=Progress(tool_lines=False))
    wall = time.perf_counter() - t0
    m = state.metrics
    print(f"{model.name}, {lanes} lanes, {described}; flow {wall:.0f} s "
          f"(gate-level step {m['flow__wall_time__step:cocotb.gate_sim']:.0f} s, "
          f"of it the timed run {m['gatesim__timed__run_time']:.0f} s)")
    print(f"both simulations bit-exact: {m['gatesim__inferences']} + "
          f"{m['gatesim__timed__inferences']} inferences equal to the golden model")
    print(f"SDF: {m['gatesim__sdf__cells']:,} cells and {m['gatesim__sdf__arcs']:,} arcs "
          f"annotated ({m['gatesim__sdf__shared_input_arcs']} arcs of pins sharing a net), "
          f"{m['gatesim__sdf__hold_wrapped']:,} cells with hold windows")
    print(f"\n{'block':<22}{'zero delay':>14}{'timed':>14}{'glitch share':>14}")
    print(f"{'whole core':<22}{_nj(m['inference__energy__zero_delay']):>14}"
          f"{_nj(m['inference__energy']):>14}{m['power__glitch__fraction']:>13.1%}")
    zero = {k.partition(":")[2]: v for k, v in m.items()
            if k.startswith("inference__energy__zero_delay__block:")}
    for block in sorted(zero, key=lambda b: -m[f"inference__energy__block:{b}"]):
        glitch = m.get(f"power__glitch__fraction__block:{block}")
        print(f"{block:<22}{_nj(zero[block]):>14}"
              f"{_nj(m[f'inference__energy__block:{block}']):>14}"
              f"{'' if glitch is None else f'{glitch:.1%}':>14}")
    print(f"\naverage power at {m['inference__rate']:g} Hz: {m['power__average'] * 1e6:.3f} µW "
          f"(timed)" + ("" if args.out is None else f"; run folder {out}"))
    if args.out is None:
        shutil.rmtree(out.parent, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
