"""Gate-level activity: wall and CPU time per phase and per approach, on the ECG netlist (one
MIT-BIH beat) and the tiny one (3 random inputs), with ratios against the path the flow took
before toggle counting (Icarus writing a VCD, the power engine reading it), measured in the
same run.

Approaches (the same inferences on the same netlist; every one checked against the golden
model by the testbench, so a wrong simulation fails here):

  icarus+vcd     Icarus writes a VCD of every net for the whole run; power reads it over the
                 inference window (the flow before; now GATESIM_KEEP_VCD)
  icarus         no activity recorded: the floor of an Icarus run
  icarus+fst     Icarus writes FST (vvp -fst) instead of VCD: simulation only, Sparrow has no
                 FST reader (pywellen 0.25.7's Python API hands every change to a callback)
  icarus+counts  the VPI module counts toggles over the window during the run; power reads
                 the counts (the flow's default)
  verilator+vcd  (--verilator) Verilator 5.48 with cell models written from the liberty by
                 Yosys, only the top's ports public, a VCD trace of the top's nets; power
                 reads the VCD. The library's own models with their specify blocks stripped
                 build but compute wrong results: Verilator evaluates their flip-flop UDPs as
                 soon as the clock changes, so flip-flops behind a clock gate (clocked one
                 gate later in the same time step) see data already updated.

Phases: build (compile the simulation), run (simulate), power (activity in, energy out:
netlist, slews, activity, power), artifact (file size). CPU time is the simulator's and its
compilers' (children of this process) plus this process's for the power phase: the machine's
2 cores may be shared, CPU time is steadier than wall time.

Run: .venv/bin/python bench/gatesim.py [--ecg-run DIR] [--tiny-run DIR] [--verilator]
     [--approaches a,b,...]   (a run folder holds the netlist the flow simulates, repaired:
     without one the bench runs ``sparrow flow --to sparrow.repair`` first, a few minutes for
     the ECG model)
"""

from __future__ import annotations

import argparse
import re
import resource
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from cocotb_tools.runner import Verilator

from sparrow.ecg.inputs import flow_beats
from sparrow.flow import FlowOptions, Progress, run_flow
from sparrow.flow.state import State
from sparrow.hw.generate import load_design
from sparrow.library import get_library
from sparrow.library.registry import Library
from sparrow.model import load_model
from sparrow.model.inputs import random_inputs
from sparrow.power import Activity, compute_power, load_liberty
from sparrow.sim import runner as sim_runner
from sparrow.sim.runner import run_core_sim
from sparrow.tools import run_tool

REPO = Path(__file__).resolve().parents[1]
MODELS = {"ecg": REPO / "examples" / "ecg" / "ecg.toml",
          "tiny": REPO / "examples" / "tiny" / "tiny.toml"}
APPROACHES = ("icarus+vcd", "icarus", "icarus+fst", "icarus+counts", "verilator+vcd")
CLOCK_NS = 250.0


@dataclass
class Measured:
    approach: str
    build_s: float
    run_s: float
    sim_cpu_s: float
    power_s: float | None
    power_cpu_s: float | None
    artifact_bytes: int | None
    energy_j: float | None


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class IcarusFst(sim_runner.IcarusKeepingDumps):
    """Icarus writing FST for the dumper module (``vvp -fst``)."""

    def _test_command(self):
        return [["-fst" if a == "-vcd" else a for a in cmd] for cmd in super()._test_command()]


class VerilatorNetlist(Verilator):
    """cocotb's Verilator runner for a flat netlist: only the top's ports public (through a
    control file; ``--public-flat-rw`` keeps every net of every cell and multiplies the C++),
    and a VCD trace of the top's nets (``_``-names included: Yosys names most nets ``_123_``)
    written to ``trace``."""

    def __init__(self, control: Path, trace: Path):
        super().__init__()
        self.control, self.trace = control, trace

    def _build_command(self):
        cmds = super()._build_command()
        cmds[0] = [a for a in cmds[0] if a != "--public-flat-rw"]
        cmds[0][1:1] = [str(self.control), "--trace-vcd", "--trace-depth", "1",
                        "--trace-underscore"]
        cmds[1] = [a.replace("VM_TRACE=0", "VM_TRACE=1") for a in cmds[1]]
        return cmds

    def _test_command(self):
        cmds = super()._test_command()
        cmds[0] += ["--trace", "--trace-file", str(self.trace)]
        return cmds


def liberty_cell_models(library: Library, folder: Path) -> Path:
    """Verilog of every cell from the liberty's function/ff/latch groups (Yosys
    ``read_liberty``: flip-flops become non-blocking always blocks, which Verilator schedules
    like RTL). Cells without a function on some output (statetable clock gates) get no
    driver: a netlist using one fails the testbench's checks."""
    out = folder / f"{library.name}_liberty_models.v"
    run_tool(["yosys", "-q", "-p", f'read_liberty -ignore_miss_func "{library.yosys_liberty}"; '
              f'write_verilog -noattr "{out}"'], log=folder / "liberty_models.log", cwd=folder,
             what="Yosys cell models from the liberty")
    return out


def _top_ports(netlist: Path, top: str) -> list[str]:
    with open(netlist) as f:
        head = f.read(1 << 20)
    match = re.search(rf"module\s+{re.escape(top)}\s*\(([^)]*)\)", head)
    if not match:
        raise SystemExit(f"{netlist}: module {top} not found")
    return [p.strip() for p in match.group(1).split(",") if p.strip()]


def _simulated_netlist(run_dir: Path) -> Path | None:
    """The netlist the flow simulates at gate level: the repaired one, else the synthesized."""
    for step in ("sparrow-repair", "yosys-synthesis"):
        for saved in sorted(run_dir.glob(f"*-{step}/state_out.json")):
            return Path(State.load(saved, run_dir).views["netlist"])
    return None


def ensure_netlist(name: str, run_dir: Path | None, work: Path
                   ) -> tuple[Path, Path, np.ndarray]:
    """A run folder of model ``name`` with the netlist the flow simulates, that netlist and
    the run's inputs."""
    model = load_model(MODELS[name])
    if run_dir is not None and (netlist := _simulated_netlist(run_dir)) is not None:
        return run_dir, netlist, np.load(run_dir / "inputs.npy")
    run_dir = work / f"{name}-run"
    if name == "ecg":
        x, _, described = flow_beats(model, 1)
        options = FlowOptions()
    else:
        x, described = random_inputs(model, 3, 7), "3 random inputs (seed 7)"
        options = FlowOptions(lanes=4)
    print(f"[{name}] synthesizing and repairing into {run_dir} (sparrow flow --to "
          "sparrow.repair) ...", flush=True)
    state = run_flow(MODELS[name], run_dir, x, options, inputs_described=described,
                     to_step="sparrow.repair", progress=Progress(tool_lines=False))
    return run_dir, Path(state.views["netlist"]), np.load(run_dir / "inputs.npy")


def measure(name: str, approach: str, run_dir: Path, netlist: Path, x: np.ndarray,
            work: Path) -> Measured:
    model = load_model(MODELS[name])
    design = load_design(run_dir / "01-sparrow-generate", model)
    library = get_library("osu018")
    folder = work / f"{name}-{approach.replace('+', '-')}"
    folder.mkdir(parents=True, exist_ok=True)
    sources = [netlist, *library.cell_models]
    kwargs: dict = {"build_args": list(library.iverilog_flags)}
    artifact = None
    saved = sim_runner.IcarusKeepingDumps
    if approach == "icarus+vcd":
        artifact = kwargs["vcd"] = folder / "activity.vcd"
    elif approach == "icarus+fst":
        artifact = kwargs["vcd"] = folder / "activity.fst"
        sim_runner.IcarusKeepingDumps = IcarusFst
    elif approach == "icarus+counts":
        artifact = kwargs["activity"] = folder / "activity.tsv"
    elif approach == "verilator+vcd":
        artifact = folder / "activity.vcd"
        control = folder / "ports.vlt"
        control.write_text("`verilator_config\n" + "".join(
            f'public_flat_rw -module "{design.top}" -var "{p}"\n'
            for p in _top_ports(netlist, design.top)))
        sources = [netlist, liberty_cell_models(library, folder)]
        kwargs = {"build_args": ["-Wno-fatal", "-Wno-lint", "-Wno-style"],
                  "runner": VerilatorNetlist(control, artifact)}
    cpu0 = _children_cpu()
    try:
        result = run_core_sim(design, x, simulator=approach.split("+")[0], work_dir=folder,
                              sources=sources, clock_period_ns=CLOCK_NS, **kwargs)
    finally:
        sim_runner.IcarusKeepingDumps = saved
    sim_cpu = _children_cpu() - cpu0
    if not result.passed:
        raise SystemExit(f"[{name}] {approach}: the netlist does not match the golden model: "
                         f"{(result.errors or result.tests_failed)[:3]}; log: {result.log}")
    power_s = power_cpu = energy = None
    if approach in ("icarus+vcd", "icarus+counts", "verilator+vcd"):
        liberty = load_liberty(library.sta_liberty)
        t0, c0 = time.perf_counter(), _self_cpu()
        if approach == "icarus+counts":
            report = compute_power(netlist, liberty, design.top,
                                   activity=Activity.from_counts(artifact),
                                   clock_period_ns=CLOCK_NS, propagated_clock=True)
        else:
            report = compute_power(netlist, liberty, design.top, vcd=artifact, scope=design.top,
                                   clock_period_ns=CLOCK_NS, window_ns=result.window_ns,
                                   propagated_clock=True)
        power_s, power_cpu = time.perf_counter() - t0, _self_cpu() - c0
        energy = report.energy_j / len(x)
    size = artifact.stat().st_size if artifact is not None and artifact.is_file() else None
    return Measured(approach, result.build_seconds, result.run_seconds, sim_cpu, power_s,
                    power_cpu, size, energy)


def _fmt(value: float | None, unit: str = "s", width: int = 9) -> str:
    return f"{'-':>{width}}" if value is None else f"{value:>{width - len(unit) - 1}.1f} {unit}"


def report(name: str, rows: list[Measured]) -> None:
    base = next((r for r in rows if r.approach == "icarus+vcd"), None)
    print(f"\n[{name}] gate-level activity, OSU 0.18 µm, {CLOCK_NS:g} ns clock "
          "(wall time; CPU = simulator + compilers, and this process for power)")
    print(f"  {'approach':<15}{'build':>9}{'run':>9}{'sim CPU':>10}{'power':>9}"
          f"{'pow CPU':>10}{'total':>9}{'CPU':>9}{'artifact':>11}{'vs before':>11}")
    for r in rows:
        total = r.build_s + r.run_s + (r.power_s or 0.0)
        cpu = r.sim_cpu_s + (r.power_cpu_s or 0.0)
        ratio = "" if base is None else \
            f"{cpu / (base.sim_cpu_s + (base.power_cpu_s or 0.0)):>10.2f}x"
        size = "-" if r.artifact_bytes is None else f"{r.artifact_bytes / 1e6:.1f} MB"
        print(f"  {r.approach:<15}{_fmt(r.build_s)}{_fmt(r.run_s)}{_fmt(r.sim_cpu_s, 's', 10)}"
              f"{_fmt(r.power_s)}{_fmt(r.power_cpu_s, 's', 10)}{_fmt(total)}{_fmt(cpu)}"
              f"{size:>11}{ratio}")
    energies = {r.approach: r.energy_j for r in rows if r.energy_j is not None}
    for approach, energy in energies.items():
        print(f"  energy per inference from {approach:<14} {energy * 1e9:.6f} nJ")
    if "icarus+vcd" in energies and "icarus+counts" in energies and \
            energies["icarus+vcd"] != energies["icarus+counts"]:
        raise SystemExit(f"[{name}] the toggle counts and the VCD of Icarus disagree")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ecg-run", type=Path, help="run folder with the ECG netlist")
    p.add_argument("--tiny-run", type=Path, help="run folder with the tiny netlist")
    p.add_argument("--models", default="tiny,ecg", help="comma-separated: tiny, ecg")
    p.add_argument("--approaches", default=",".join(a for a in APPROACHES
                                                    if not a.startswith("verilator")))
    p.add_argument("--verilator", action="store_true",
                   help="also Verilator (its C++ build takes minutes on the ECG netlist)")
    p.add_argument("--keep", action="store_true", help="keep the work folder")
    args = p.parse_args()
    approaches = [a for a in args.approaches.split(",") if a]
    if args.verilator and "verilator+vcd" not in approaches:
        approaches.append("verilator+vcd")
    unknown = set(approaches) - set(APPROACHES)
    if unknown:
        raise SystemExit(f"unknown approaches {sorted(unknown)}; choose from {APPROACHES}")
    work = Path(tempfile.mkdtemp(prefix="sparrow-bench-gatesim-"))
    runs = {"ecg": args.ecg_run, "tiny": args.tiny_run}
    try:
        for name in [m for m in args.models.split(",") if m]:
            run_dir, netlist, x = ensure_netlist(name, runs[name], work)
            rows = []
            for approach in approaches:
                print(f"[{name}] {approach} ...", flush=True)
                rows.append(measure(name, approach, run_dir, netlist, x, work))
            report(name, rows)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"work folder kept: {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
