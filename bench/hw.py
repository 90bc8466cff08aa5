"""Hardware figures of the ECG core: lane utilization, cycles per inference, simulation speed.

For P = 1, 2, 4, 8, 16 lanes (every count plan_core accepts) it generates the core for the
bundled ECG model and simulates it under Verilator (cocotb testbench ``sim/test_core.py``,
through sparrow.sim.runner.run_core_sim) on N random inputs, and prints:

* cycles per inference from the plan (HardwarePlan.cycles_per_inference) and as measured by the
  core's ``perf__cycles`` counter (read by the testbench with every result): they must agree;
* lane utilization from the plan (useful MACs / (P x cycles)) and measured from the counters
  (``perf__weight_reads`` / (P x ``perf__cycles``)); the SSF core reads each weight once per
  use, so its weight-read counter counts the useful MACs;
* the ideal cycles MACs / P (closed form from the layer shapes, checked against Model.macs) and
  the ratio measured / ideal;
* the ratio to SparrowSNN's published ~20.6k cycles per inference (5.15 ms at 4 MHz; Yan et al.,
  arXiv 2406.06543; ../shared/DESIGN.md section 1). That figure is the paper's, for its own
  network on its own architecture: a scale reference, not a like-for-like comparison.

Then simulation throughput on the same N inputs: the golden model (sparrow.model.run, numpy)
against Verilator and Icarus RTL simulation (cocotb), with build time apart from run time and
rates as ratios to the golden model timed in this run. Every simulated inference is compared
bit-exactly with the golden model (scores, class and counters: CoreSimResult.passed); the script
exits with status 1 on any mismatch or disagreement, 2 if a simulator cannot build or run.

    .venv/bin/python bench/hw.py [--quick] [--model examples/ecg/ecg.toml] [--inputs N]
                                 [--lanes 1 2 4 8 16] [--icarus-lanes 8] [--work DIR]
                                 [--seed 0]

The default run (5 Verilator builds, one Icarus run) takes about 3-8 minutes on 2 cores;
``--quick`` does P = 8 only on 2 inputs (about a minute). Without ``--work`` everything is
built in a temporary folder that is removed at the end.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sparrow.errors import SparrowError
from sparrow.hw.generate import generate
from sparrow.hw.plan import HardwareLimitError, plan_core
from sparrow.model import load_model, run
from sparrow.sim.runner import CoreSimResult, run_core_sim
from sparrow.sim.simulators import simulator_env

REPO = Path(__file__).resolve().parents[1]
LANES = (1, 2, 4, 8, 16)
SPARROWSNN_CYCLES = 20_600     # ~5.15 ms per inference at 4 MHz (paper's own architecture)
SPARROWSNN_SOURCE = "SparrowSNN (arXiv 2406.06543): ~5.15 ms at 4 MHz per inference"
CLOCK_NS = 10.0                # simulation clock period (only the time axis of window_ns)


def machine() -> str:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = " / ".join(f"{v:.2f}" for v in os.getloadavg())
    return (f"machine: {os.cpu_count()} cores ({usable} usable), load average {load} "
            f"(1/5/15 min): wall-clock figures below depend on it")


def closed_form_macs(model) -> list[int]:
    """Synaptic ops (MACs) per inference of each layer, from its shapes alone: a conv1d output
    position q meets the kernel taps that fall inside the input (padding taps excluded)."""
    macs = []
    for layer in model.layers:
        if layer.kind == "conv1d":
            k, s, p, n = layer.kernel, layer.stride, layer.padding, layer.in_length
            taps = sum(min(q * s - p + k, n) - max(q * s - p, 0)
                       for q in range(layer.out_length))
            macs.append(layer.out_channels * layer.in_channels * taps)
        elif layer.kind == "dense":
            macs.append(layer.out_channels * layer.in_channels * layer.in_length)
        else:
            macs.append(0)
    return macs


def random_inputs(model, n: int, rng: np.random.Generator) -> np.ndarray:
    """Uniform over the whole sample range (the SSF schedule does not depend on the data)."""
    return rng.integers(model.input.min_value, model.input.max_value + 1,
                        size=(n, *model.input.shape))


def testcase_seconds(xml: Path, name: str = "inferences_match_golden") -> float | None:
    """Wall time of one cocotb test case (reset + the inferences), from cocotb's results XML:
    the simulator's start-up and cocotb's import time are not in it."""
    try:
        for case in ET.parse(xml).getroot().iter("testcase"):
            if case.get("name") == name:
                return float(case.get("time"))
    except (OSError, ET.ParseError, TypeError, ValueError):
        pass
    return None


@dataclass
class SimRun:
    simulator: str
    lanes: int
    generate_seconds: float
    result: CoreSimResult | None
    test_seconds: float | None = None
    failure: str | None = None

    @property
    def n(self) -> int:
        return self.result.inferences if self.result else 0

    @property
    def window_cycles(self) -> float | None:
        """Simulated clock cycles from the first sample offered to the last result taken."""
        if self.result is None or self.result.window_ns is None:
            return None
        start, end = self.result.window_ns
        return (end - start) / CLOCK_NS


def simulate(model, lanes: int, simulator: str, x: np.ndarray, work: Path,
             designs: dict) -> SimRun:
    start = time.perf_counter()
    if lanes not in designs:
        designs[lanes] = (generate(model, work / f"p{lanes}" / "design", lanes=lanes),
                          time.perf_counter() - start)
    design, gen_s = designs[lanes]
    sim_work = work / f"p{lanes}" / simulator
    try:
        result = run_core_sim(design, x, simulator=simulator, work_dir=sim_work,
                             clock_period_ns=CLOCK_NS)
    except SparrowError as e:
        return SimRun(simulator, lanes, gen_s, None, failure=str(e))
    finally:
        build = sim_work / f"build_{simulator}"
        if build.is_dir() and not os.environ.get("SPARROW_BENCH_KEEP_BUILDS"):
            shutil.rmtree(build, ignore_errors=True)       # ~150 MB per Verilator build
    return SimRun(simulator, lanes, gen_s, result,
                  testcase_seconds(sim_work / f"results_{simulator}.xml"))


def golden_seconds(model, x: np.ndarray, lanes: int, min_repeat: int = 20,
                   min_seconds: float = 1.0) -> tuple[float, int]:
    """Median wall time of run(model, x): repeated at least ``min_repeat`` times and for at
    least ``min_seconds``; returns (seconds, repeats)."""
    run(model, x, lanes=lanes)                     # warm-up: imports, BLAS threads
    times: list[float] = []
    begin = time.perf_counter()
    while len(times) < min_repeat or time.perf_counter() - begin < min_seconds:
        t0 = time.perf_counter()
        run(model, x, lanes=lanes)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), len(times)


def fmt(v: float | None, spec: str) -> str:
    return "n/a" if v is None else format(v, spec)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=str(REPO / "examples" / "ecg" / "ecg.toml"))
    ap.add_argument("--quick", action="store_true",
                    help="P = 8 only, 2 inputs (about a minute)")
    ap.add_argument("--inputs", type=int, default=None,
                    help="random inputs per simulation (default 8; --quick 2)")
    ap.add_argument("--lanes", type=int, nargs="+", default=None,
                    help=f"lane counts simulated under Verilator (default "
                         f"{' '.join(map(str, LANES))}; --quick 8)")
    ap.add_argument("--icarus-lanes", type=int, nargs="*", default=[8],
                    help="lane counts also simulated under Icarus (default 8; slow: about "
                         "0.5 ms of wall time per simulated cycle)")
    ap.add_argument("--work", default=None,
                    help="work folder (kept); default: a temporary folder, removed at the end")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    n = args.inputs or (2 if args.quick else 8)
    lanes_list = args.lanes or ([8] if args.quick else list(LANES))
    if n < 1:
        ap.error("--inputs must be at least 1")

    bench_start = time.perf_counter()
    model = load_model(args.model)
    shown_model = Path(args.model).resolve()
    shown_model = shown_model.relative_to(REPO) if shown_model.is_relative_to(REPO) \
        else shown_model
    macs_layers = closed_form_macs(model)
    macs = sum(macs_layers)
    print(machine())
    print(f"model: {model.name} ({shown_model}), T = {model.timesteps}, input "
          f"{model.input.channels} x {model.input.length} samples, {len(model.layers)} layers")
    print(f"synaptic ops (MACs) per inference, closed form from the layer shapes: {macs:,} "
          f"(" + " + ".join(f"{l.name} {m:,}" for l, m in zip(model.layers, macs_layers) if m)
          + f"); Model.macs = {model.macs:,}: {'agree' if macs == model.macs else 'DISAGREE'}")
    try:
        flags = simulator_env("verilator").get("MAKEFLAGS", "")
        simulator_env("icarus")
    except SparrowError as e:
        print(f"bench: {e}", file=sys.stderr)
        return 2
    print(f"Verilator C++ build flags (sparrow.verify.tools.simulator_env): {flags}")
    problems: list[str] = []
    if macs != model.macs:
        problems.append(f"closed-form MACs {macs} != Model.macs {model.macs}")

    plans = {}
    for p in lanes_list:
        try:
            plans[p] = plan_core(model, lanes=p)
        except HardwareLimitError as e:
            print(f"P = {p}: plan_core refuses it ({e}); skipped")
    if not plans:
        print("bench: no lane count to simulate", file=sys.stderr)
        return 2

    rng = np.random.default_rng(args.seed)
    x = random_inputs(model, n, rng)
    tmp = None
    if args.work:
        work = Path(args.work).resolve()
        work.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.mkdtemp(prefix="sparrow-bench-hw.")
        work = Path(tmp)
    print(f"inputs: {n} random (uniform over the sample range, seed {args.seed}); work folder "
          f"{work}{'' if args.work else ' (temporary)'}")
    print()

    designs: dict = {}
    runs: list[SimRun] = []
    try:
        jobs = [(p, "verilator") for p in plans] + \
               [(p, "icarus") for p in args.icarus_lanes if p in plans or _plannable(model, p)]
        for p, sim in jobs:
            t0 = time.perf_counter()
            print(f"  simulating P = {p:>2} under {sim:<9} ...", end="", flush=True)
            r = simulate(model, p, sim, x, work, designs)
            runs.append(r)
            status = "FAILED TO RUN" if r.failure else \
                ("bit-exact" if r.result.passed else "MISMATCH")
            print(f" {status} ({time.perf_counter() - t0:.0f} s)")
        golden_s, repeats = golden_seconds(model, x, lanes=max(plans))
        big = random_inputs(model, 10_000, rng)
        golden_big_s, big_repeats = golden_seconds(model, big, lanes=max(plans), min_repeat=3)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)

    # ---- correctness of every run -----------------------------------------------------------
    for r in runs:
        label = f"{r.simulator} P = {r.lanes}"
        if r.failure:
            problems.append(f"{label}: could not build or run: {r.failure}")
            continue
        res = r.result
        if not res.passed:
            problems.append(f"{label}: not bit-exact against the golden model "
                            f"({len(res.errors)} errors; tests failed: {res.tests_failed})")
            for line in res.diagnosis + res.errors[:5]:
                problems.append(f"    {line}")
        if len(res.observed) != n:
            problems.append(f"{label}: {len(res.observed)} results observed for {n} inputs")

    # ---- 1. cycles and lane utilization -----------------------------------------------------
    print()
    print("1. cycles per inference and lane utilization (Verilator RTL simulation, "
          f"{n} inferences per P)")
    head = (f"  {'P':>3} {'plan':>8} {'measured':>15} {'agree':>5} {'util plan':>9} "
            f"{'util meas':>9} {'ideal':>8} {'meas/ideal':>10} {'/SparrowSNN':>11} "
            f"{'end-to-end':>10}")
    units = (f"  {'lanes':>3} {'cycles':>8} {'cycles (min-max)':>15} {'':>5} {'%':>9} "
             f"{'%':>9} {'cycles':>8} {'x':>10} {'x':>11} {'cycles':>10}")
    print(head)
    print(units)
    for p, plan in plans.items():
        r = next((r for r in runs if r.simulator == "verilator" and r.lanes == p), None)
        ideal = macs / p
        if r is None or r.failure or not r.result.observed:
            print(f"  {p:>3} {plan.cycles_per_inference:>8,} {'n/a':>15}")
            continue
        perf = [o["perf"] for o in r.result.observed]
        cyc = [q["cycles"] for q in perf]
        util = [q["weight_reads"] / (p * q["cycles"]) if q["cycles"] else 0.0 for q in perf]
        agree = all(c == plan.cycles_per_inference for c in cyc) and \
            all(math.isclose(u, plan.lane_utilization, rel_tol=1e-12) for u in util)
        if not agree:
            problems.append(f"P = {p}: perf__cycles {sorted(set(cyc))} or measured utilization "
                            f"{sorted(set(util))} differ from the plan's "
                            f"{plan.cycles_per_inference} cycles, {plan.lane_utilization:.6f}")
        if not math.isclose(plan.ideal_cycles, ideal):
            problems.append(f"P = {p}: plan.ideal_cycles {plan.ideal_cycles} != MACs/P {ideal}")
        measured = f"{min(cyc):,}-{max(cyc):,}" if min(cyc) != max(cyc) else f"{cyc[0]:,}"
        e2e = r.window_cycles / n if r.window_cycles is not None else None
        print(f"  {p:>3} {plan.cycles_per_inference:>8,} {measured:>15} "
              f"{'yes' if agree else 'NO':>5} {plan.lane_utilization * 100:>9.2f} "
              f"{statistics.mean(util) * 100:>9.2f} {ideal:>8,.0f} {max(cyc) / ideal:>10.3f} "
              f"{max(cyc) / SPARROWSNN_CYCLES:>11.3f} {fmt(e2e, '>10,.0f')}")
    load_cycles = next(iter(plans.values())).load_cycles
    print(f"""  sources:
    plan        HardwarePlan.cycles_per_inference (sparrow.hw.plan.plan_core): first compute
                cycle to result.valid
    measured    the core's perf__cycles counter, read by the testbench with each result
                (CoreSimResult.observed[i]["perf"]["cycles"]), over the {n} inferences
    util plan   HardwarePlan.lane_utilization = MACs / (P x plan cycles)
    util meas   perf__weight_reads / (P x perf__cycles), from the counters (mean over the
                inferences); the SSF core reads each weight once per use, so the weight-read
                counter counts the useful MACs
    ideal       closed-form MACs / P = {macs:,} / P (no overhead, every lane busy every cycle)
    meas/ideal  measured cycles / ideal cycles (>= 1; 1 / lane utilization)
    /SparrowSNN measured cycles / {SPARROWSNN_CYCLES:,} cycles, the figure of
                {SPARROWSNN_SOURCE},
                for its own network on its own architecture: a scale reference, not a
                like-for-like comparison
    end-to-end  simulated time from the first sample offered to the last result taken
                (CoreSimResult.window_ns / {CLOCK_NS:g} ns clock) / {n} inferences: includes
                streaming the {load_cycles} input samples in (one per cycle) and the result
                handshake, which perf__cycles does not count""")

    # ---- 2. simulation throughput -------------------------------------------------------------
    golden_rate = n / golden_s
    print()
    print(f"2. simulation throughput on the same {n} inputs (wall clock, "
          f"time.perf_counter)")
    print(f"  {'simulator':<22} {'P':>5} {'generate':>8} {'build':>6} {'run':>7} {'test':>7} "
          f"{'inf/s':>8} {'inf/s':>8} {'golden/this':>11} {'golden/this':>11} {'sim speed':>9}")
    print(f"  {'':<22} {'lanes':>5} {'s':>8} {'s':>6} {'s':>7} {'s':>7} {'(test)':>8} "
          f"{'(run)':>8} {'(test), x':>11} {'(run), x':>11} {'cycles/s':>9}")
    print(f"  {'golden model (numpy)':<22} {'any':>5} {'-':>8} {'-':>6} {golden_s:>7.4f} "
          f"{golden_s:>7.4f} {golden_rate:>8,.1f} {golden_rate:>8,.1f} {1:>11.0f} {1:>11.0f} "
          f"{'-':>9}")
    for r in sorted(runs, key=lambda r: (r.simulator != "verilator", r.lanes)):
        if r.failure:
            print(f"  {r.simulator + ' (cocotb)':<22} {r.lanes:>5} failed to build or run")
            continue
        res = r.result
        rate_test = n / r.test_seconds if r.test_seconds else None
        rate_run = n / res.run_seconds
        speed = r.window_cycles / r.test_seconds if r.test_seconds and r.window_cycles else None
        mark = "" if res.passed else "  MISMATCH"
        print(f"  {r.simulator + ' (cocotb)':<22} {r.lanes:>5} {r.generate_seconds:>8.1f} "
              f"{res.build_seconds:>6.1f} {res.run_seconds:>7.1f} {fmt(r.test_seconds, '>7.1f')} "
              f"{fmt(rate_test, '>8.3f')} {rate_run:>8.3f} "
              f"{fmt(golden_rate / rate_test if rate_test else None, '>11,.0f')} "
              f"{golden_rate / rate_run:>11,.0f} {fmt(speed, '>9,.0f')}{mark}")
    print(f"  {'golden, 10,000 inputs':<22} {'any':>5} {'-':>8} {'-':>6} {golden_big_s:>7.3f} "
          f"{golden_big_s:>7.3f} {10_000 / golden_big_s:>8,.0f} {10_000 / golden_big_s:>8,.0f}"
          f"   (context only: other inputs, batch rate)")
    print(f"""  sources:
    golden      median wall time of sparrow.model.run(model, x) on the same {n} inputs
                ({repeats} timed calls after a warm-up); it is one numpy batch, so at this N
                its rate is mostly per-call overhead (the 10,000-input row: {big_repeats} calls)
    generate    sparrow.hw.generate (Amaranth elaboration + Verilog), once per P, shared by
                both simulators (timed with the first of them)
    build       CoreSimResult.build_seconds: Verilator = verilate + C++ compile (with the
                MAKEFLAGS printed at the top; with ccache, a build whose objects are already
                cached, e.g. by an earlier run, takes seconds instead of ~30-60 s); Icarus =
                iverilog
    run         CoreSimResult.run_seconds: the whole simulator process (start-up, cocotb import,
                reset, {n} inferences)
    test        wall time of the test case inferences_match_golden from cocotb's results XML
                (reset + {n} inferences, no start-up); inf/s (test) = {n} / test
    golden/this golden inf/s / simulator inf/s, on the test and on the run time: how many
                times faster the golden model is, both measured in this run
    sim speed   simulated clock cycles (CoreSimResult.window_ns / {CLOCK_NS:g} ns) per wall second
                of the test case""")

    # ---- verdict ----------------------------------------------------------------------------
    print()
    checked = sum(r.result.inferences for r in runs if r.result)
    exact = sum(r.result.inferences for r in runs if r.result and r.result.passed)
    print(f"bit-exact against the golden model (scores, class, counters): {exact} of {checked} "
          f"simulated inferences in {len(runs)} runs")
    print(f"bench wall time: {time.perf_counter() - bench_start:.0f} s")
    if problems:
        print("\nPROBLEMS:")
        for line in problems:
            print(f"  {line}")
        return 2 if any(r.failure for r in runs) else 1
    print("all checks passed")
    return 0


def _plannable(model, lanes: int) -> bool:
    try:
        plan_core(model, lanes=lanes)
        return True
    except HardwareLimitError as e:
        print(f"P = {lanes}: plan_core refuses it ({e}); no Icarus run")
        return False


if __name__ == "__main__":
    sys.exit(main())
