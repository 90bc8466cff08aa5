"""Run a generated core under cocotb (Icarus or Verilator) against the golden model: its
RTL, or its synthesized netlist with the library's cell models (gate level).

The testbench is ``sparrow.sim.tb`` (test module ``test_core`` with the driver, monitors and
scoreboard beside it); this module prepares its job (inputs, the golden model's expected
values, config writes, stall patterns), builds and runs it through ``cocotb_tools.runner``,
and reads back what the testbench observed.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from cocotb_tools.runner import Icarus, Runner, get_runner

from ..errors import SparrowError
from ..hw.expected import expected_run
from ..hw.generate import GeneratedDesign
from ..model.golden import check_aux, check_input
from .counter import COUNT_MODULE, CountedScope, counter_module, iverilog_flags
from .icarus import DUMP_MODULE, VcdDump
from .sdf import SDF_BUILD_ARGS, annotation_problems
from .simulators import simulator_env
from .tb.job import TbJob

TEST_MODULE = "sparrow.sim.tb.test_core"
SDF_MODULE = "sparrow_sdf_annotate"


class IcarusKeepingDumps(Icarus):
    """cocotb's Icarus runner without waves passes ``vvp -none``, which silences every
    ``$dumpfile``; this one asks for VCD instead, for Sparrow's dumper module."""

    def _test_command(self):
        return [["-vcd" if a == "-none" else a for a in cmd] for cmd in super()._test_command()]


@dataclass
class CoreSimResult:
    """What a cocotb run saw: per inference class, scores and counters; any mismatches."""

    simulator: str
    inferences: int
    observed: list[dict] = field(repr=False)
    errors: list[str]
    diagnosis: list[str]
    tests_passed: list[str]
    tests_failed: list[str]
    build_seconds: float
    run_seconds: float
    log: Path
    window_ns: tuple[float, float] | None = None   # first sample offered .. last result (ns)
    idle_window_ns: tuple[float, float] | None = None   # the idle window counted, if any (ns)
    sdf_problems: list[str] = field(default_factory=list)   # SDF entries Icarus did not apply

    @property
    def passed(self) -> bool:
        return not self.errors and not self.tests_failed and bool(self.tests_passed)

    @property
    def predictions(self) -> list[int]:
        return [o["cls"] for o in self.observed]


@contextlib.contextmanager
def _environ(env: dict[str, str]):
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def write_expected(path: Path, design: GeneratedDesign, x: np.ndarray,
                   aux: np.ndarray | None = None) -> Path:
    """The golden model's values for the testbench: scores, classes, the hardware counters of
    every inference and the activations written (``sparrow.hw.expected``, by the variant);
    ``aux``: the aux values of a model with an aux input."""
    expected = expected_run(design.plan, x, aux)
    arrays = {"scores": expected.scores, "predictions": expected.predictions,
              **expected.counters.as_dict()}
    for i, act in enumerate(expected.activations):
        arrays[f"act_{i}"] = act
    np.savez(path, **arrays)
    return path


def run_core_sim(design: GeneratedDesign, inputs, *, aux=None, simulator: str = "icarus",
                 work_dir: str | os.PathLike, sample_stall=(1,), result_stall=(1,),
                 config_stall=(1,), reset_mid_inference: bool = False,
                 clock_period_ns: float = 10.0, sources=None, build_args=(),
                 vcd: str | os.PathLike | None = None,
                 sdf: str | os.PathLike | None = None,
                 activity: str | os.PathLike | None = None,
                 idle: tuple[str | os.PathLike, int] | None = None,
                 runner: Runner | None = None) -> CoreSimResult:
    """Simulate ``design`` on ``inputs`` ((N, C, L) raw samples) and, for a model with an aux
    input, ``aux`` ((N, features) raw integers, driven on the core's aux stream before each
    inference's samples), and compare every inference with the golden model. Stall patterns
    are cycled (1 = offer/accept, 0 = stall; the sample pattern paces the aux stream too).

    ``clock_period_ns`` is the simulation clock period (ns): it sets the time axis of the
    VCD and of ``CoreSimResult.window_ns``. ``sources`` replaces the design's RTL (e.g. a
    synthesized netlist and its library's cell models for gate-level simulation; Icarus
    only, unless a ``runner`` is given); ``build_args`` are added to the simulator's; ``vcd`` (Icarus only) records every
    signal below the top module into that file for the whole run; ``activity`` (Icarus
    only) counts the toggles and time at 1 of every net of the top module over the
    inference window (``CoreSimResult.window_ns``) into that file, without a waveform
    (``sparrow.sim.counter``; ``sparrow.power.Activity.from_counts`` reads it). ``sdf`` (Icarus
    only, with cell models that have ``specify`` blocks): annotate the cells with these
    delays, so the simulation is timed and glitches happen as the delays make them (the
    counts and the VCD then count them); ``sparrow.sim.sdf.timed_netlist`` makes a netlist
    and OpenSTA's SDF of it readable for Icarus; the entries Icarus could not apply
    (``SDF WARNING``/``SDF ERROR`` lines of its log) are ``CoreSimResult.sdf_problems``
    (``TimedNetlist.check_annotation`` judges them). ``idle`` (with ``activity``): ``(file,
    cycles)``: after the last result, count that many cycles of the core waiting (clock
    running, nothing offered) into that file (``CoreSimResult.idle_window_ns``). ``runner``:
    a cocotb runner of ``simulator`` to build and run with instead of the default one (other
    build or run arguments, e.g. ``bench/gatesim.py``'s Verilator netlist runner).
    """
    x = check_input(design.plan.model, inputs)
    if len(x) == 0:
        raise SparrowError("inputs: no inference to simulate (empty array)")
    aux = check_aux(design.plan.model, aux, len(x))
    if (vcd is not None or sdf is not None or activity is not None or
            (sources is not None and runner is None)) and simulator != "icarus":
        raise SparrowError("gate-level sources, VCD dumps, SDF delays and toggle counts are "
                           "supported on Icarus only")
    env = simulator_env(simulator)
    work = Path(work_dir).resolve()   # the simulator runs in another folder
    work.mkdir(parents=True, exist_ok=True)
    np.save(work / "inputs.npy", x)
    if aux is not None:
        np.save(work / "aux.npy", aux)
    write_expected(work / "expected.npz", design, x, aux)
    config = None
    if design.plan.mode == "loadable":
        config = work / "config_writes.npy"
        np.save(config, np.array(design.plan.config_writes(), dtype=np.int64).reshape(-1, 2))
    results = work / f"results_{simulator}.json"
    results.unlink(missing_ok=True)
    module = counter_module() if activity is not None else None
    if activity is not None:
        activity = Path(activity).resolve()
        activity.unlink(missing_ok=True)
    if idle is not None:
        if activity is None or idle[1] < 1:
            raise SparrowError("an idle window needs toggle counting (activity) and at least "
                               "one cycle")
        idle = (Path(idle[0]).resolve(), int(idle[1]))
        idle[0].unlink(missing_ok=True)
    job = TbJob(manifest=str(Path(design.manifest).resolve()),
                inputs=str(work / "inputs.npy"),
                expected=str(work / "expected.npz"), results=str(results),
                config_writes=str(config) if config else None,
                aux=str(work / "aux.npy") if aux is not None else None,
                sample_stall=list(sample_stall), result_stall=list(result_stall),
                config_stall=list(config_stall), clock_period_ns=clock_period_ns,
                trace_on_mismatch=sources is None,
                activity_counter=str(module) if module else None,
                idle_counts=str(idle[0]) if idle else None, idle_cycles=idle[1] if idle else 0)
    job_path = job.save(work / f"job_{simulator}.json")

    build_dir = work / f"build_{simulator}"
    log = work / f"{simulator}.log"
    if simulator == "verilator":
        args = ["-Wno-fatal", "-Wno-WIDTH", "-Wno-UNOPTFLAT", "-Wno-LATCH"]
    else:
        # Yosys' Verilog wakes its `always @*` blocks at time 0 through a `reg x = 0`
        # initializer, an event in Verilog-2005 but not in SystemVerilog (cocotb's -g2012).
        args = ["-g2005"]
    args += list(build_args)
    sources = [Path(p).resolve() for p in (design.rtl_sources if sources is None else sources)]
    if vcd is not None:
        # Level 1 of the (flat) netlist's top module: every net, not the cell models' insides.
        dump = VcdDump(design.top, file=str(Path(vcd).resolve()), depth=1)
        dumper = work / f"{DUMP_MODULE}.v"
        dumper.write_text(dump.verilog())
        sources.append(dumper)
        args += ["-s", DUMP_MODULE]
    if sdf is not None:
        annotate = work / f"{SDF_MODULE}.v"
        annotate.write_text(f"module {SDF_MODULE};\n  initial $sdf_annotate("
                            f"\"{Path(sdf).resolve()}\", {design.top});\nendmodule\n")
        sources.append(annotate)
        args += [*SDF_BUILD_ARGS, "-s", SDF_MODULE]
    if module is not None:
        counted = work / f"{COUNT_MODULE}.v"
        counted.write_text(CountedScope(design.top, str(activity)).verilog())
        sources.append(counted)
        args += ["-s", COUNT_MODULE, *iverilog_flags(module)]
    # A timed run needs a finer time step than 1 ps: rounding each annotated delay to the
    # step accumulates along a clock tree of tens of cells into races that the static timing
    # (a few ps of hold slack) says are not there.
    timescale = ("1ns", "1fs" if sdf is not None else "1ps")
    testcases = ["inferences_match_golden"] + (["reset_mid_inference"]
                                               if reset_mid_inference else [])
    extra_env = {"SPARROW_TB_JOB": str(job_path)}
    if simulator == "icarus":
        extra_env["COCOTB_TRUST_INERTIAL_WRITES"] = "1"
    with _environ(env):
        if runner is None:
            runner = IcarusKeepingDumps() if vcd is not None else get_runner(simulator)
        t0 = time.perf_counter()
        try:
            runner.build(sources=[str(p) for p in sources], hdl_toplevel=design.top,
                         build_dir=build_dir, build_args=args, always=True,
                         timescale=timescale, log_file=work / f"{simulator}_build.log")
        except (SystemExit, Exception) as e:
            raise SparrowError(f"{simulator} build of {design.top} failed ({e}); log: "
                               f"{work / f'{simulator}_build.log'}") from None
        t1 = time.perf_counter()
        xml = runner.test(test_module=TEST_MODULE, hdl_toplevel=design.top, test_dir=work,
                          build_dir=build_dir, extra_env=extra_env, testcase=testcases,
                          results_xml=str(work / f"results_{simulator}.xml"), log_file=log,
                          timescale=timescale)
        t2 = time.perf_counter()
    problems = annotation_problems(log.read_text(errors="replace")) \
        if sdf is not None and log.is_file() else []
    passed, failed = _read_xml(Path(xml))
    seen = json.loads(results.read_text()) if results.exists() else \
        {"observed": [], "errors": [f"the testbench wrote no results; see {log}"],
         "diagnosis": []}
    for counts in (activity, idle[0] if idle else None):
        if counts is not None and not counts.is_file():
            seen["errors"].append(f"the toggle counter wrote no {counts.name}; see {log}")
    return CoreSimResult(simulator=simulator, inferences=len(x), observed=seen["observed"],
                        errors=seen["errors"], diagnosis=seen["diagnosis"],
                        tests_passed=passed, tests_failed=failed, build_seconds=t1 - t0,
                        run_seconds=t2 - t1, log=log,
                        window_ns=tuple(seen["window_ns"]) if seen.get("window_ns") else None,
                        idle_window_ns=(tuple(seen["idle_window_ns"])
                                        if seen.get("idle_window_ns") else None),
                        sdf_problems=problems)


def _read_xml(path: Path) -> tuple[list[str], list[str]]:
    passed, failed = [], []
    for case in ET.parse(path).getroot().iter("testcase"):
        bad = case.find("failure") is not None or case.find("error") is not None
        (failed if bad else passed).append(case.get("name"))
    return passed, failed
