"""``sparrow flow`` end to end on the tiny example: every level bit-exact with the golden
model, energy figures consistent, resumable steps, clear errors; timed activity
(``--timed-activity``: the netlist also simulated with OpenSTA's cell delays, glitches
counted)."""

from __future__ import annotations

import dataclasses
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from flow_helpers import idle_moving_nets
from sparrow.errors import SparrowError
from sparrow.flow import FLOW_STEPS, FlowOptions, Progress, run_flow
from sparrow.flow.energy import average_power_w
from sparrow.flow.steps.simulation import IDLE_CYCLES
from sparrow.hw.plan import plan_core
from sparrow.hw.schedule import inference_counters
from sparrow.library import get_library
from sparrow.model import load_model, run
from sparrow.model.inputs import random_inputs
from sparrow.netlist import read_netlist
from sparrow.power import Activity, compute_power, load_liberty
from sparrow.power.annotate import annotate
from sparrow.power.link import link_design
from sparrow.report import write_report
from sparrow.sim.icarus import run_icarus
from sparrow.sim.sdf import (SDF_BUILD_ARGS, annotation_problems, fine_cell_models,
                              timed_netlist)

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "examples" / "tiny" / "tiny.toml"
BLOCKS = ("controller", "weight buffer", "lanes", "neurons", "activation buffers",
          "input buffer", "argmax", "clock gates")


def _flow(run_dir: Path, options: FlowOptions, **kwargs):
    x = random_inputs(load_model(TINY), 3, 7)
    state = run_flow(TINY, run_dir, x, options, inputs_described="3 random inputs (seed 7)",
                     progress=Progress(tool_lines=False), **kwargs)
    write_report(run_dir)
    return state


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("flow") / "tiny"
    options = FlowOptions(lanes=4)
    return run_dir, options, _flow(run_dir, options)


def _doc(run_dir: Path) -> dict:
    return json.loads((run_dir / "metrics.json").read_text())


def test_every_level_matches_the_golden_model(tiny_run):
    run_dir, options, state = tiny_run
    model = load_model(TINY)
    x = np.load(run_dir / "inputs.npy")
    golden = run(model, x, lanes=options.lanes)
    for step in ("02-cocotb-rtl_sim", "06-cocotb-gate_sim"):
        seen = json.loads((run_dir / step / "results.json").read_text())["observed"]
        assert len(seen) == len(x) == 3
        for i, o in enumerate(seen):
            assert o["scores"] == [int(v) for v in golden.scores[i]], (step, i)
            assert o["cls"] == int(golden.predictions[i]), (step, i)
    counters = inference_counters(plan_core(model, lanes=options.lanes), x, golden.activations)
    for step in ("02-cocotb-rtl_sim", "06-cocotb-gate_sim"):
        seen = json.loads((run_dir / step / "results.json").read_text())["observed"]
        for i, o in enumerate(seen):
            assert o["perf"] == {k: int(v[i]) for k, v in counters.as_dict().items()}, (step, i)
            assert o["perf"]["weight_reads"] <= int(golden.weight_reads), (step, i)
    m = state.metrics
    assert m["inference__weight_reads"] == int(counters.weight_reads[-1])
    assert m["inference__cycles"] <= m["inference__cycles__planned"]
    assert m["inference__cycles"] == int(counters.cycles[-1])
    assert m["inference__synops"] == int(counters.synops[-1])
    assert m["gatesim__inferences"] == m["inference__count"] == 3


def test_energy_is_power_times_time(tiny_run):
    """Two computations: power from transition densities (per second) x inference time, and
    the sum of per-transition energies from transition counts, plus leakage."""
    m = tiny_run[2].metrics
    assert m["inference__energy"] > 0
    from_power = m["power__total"] * m["inference__time"]
    assert from_power == pytest.approx(m["inference__energy"], rel=0.01)
    window_s = (m["gatesim__window__end"] - m["gatesim__window__start"]) * 1e-9
    assert m["inference__time"] == pytest.approx(window_s / 3, rel=1e-12)
    # The window covers the input stream and the computation, at the clock period.
    cycles = window_s / (tiny_run[1].clock_period_ns * 1e-9)
    assert m["inference__cycles"] * 3 < cycles < (m["inference__cycles"] + 400) * 3


def test_average_power_closed_form(tiny_run):
    m = tiny_run[2].metrics
    rate = m["inference__rate"]
    idle_s = 1 - rate * m["inference__time"]
    # Clock running (the default): the measured idle power between inferences.
    expected = rate * m["inference__energy"] + m["power__idle__total"] * idle_s
    assert m["power__average"] == pytest.approx(expected, rel=1e-9)
    stopped = rate * m["inference__energy"] + m["power__leakage__total"] * idle_s
    assert m["power__average__clock_stopped"] == pytest.approx(stopped, rel=1e-9)
    assert "clock keeps running" in m["power__average__assumption"]
    assert rate == pytest.approx(72 / 60)
    with pytest.raises(ValueError, match="inferences per second"):
        average_power_w(energy_per_inference_j=1e-9, inference_time_s=1.0, idle_power_w=0.0,
                        rate_hz=2.0)


def test_idle_window_toggles_only_the_clock_network(tiny_run):
    """Between inferences only the clock network up to the closed gates toggles: every net
    that moves is a clock net (the root, the trees' buffers above the gates, the gates'
    inverted clocks) and moves twice a cycle; its power lies between the leakage and the
    power of the inference window."""
    run_dir, options, state = tiny_run
    m = state.metrics
    idle = Activity.from_counts(run_dir / "06-cocotb-gate_sim" / "idle_activity.tsv")
    assert idle.window_s == pytest.approx(IDLE_CYCLES * options.clock_period_ns * 1e-9,
                                          abs=1e-15)
    assert m["gatesim__idle__window__end"] - m["gatesim__idle__window__start"] == \
        pytest.approx(IDLE_CYCLES * options.clock_period_ns)
    idle_moving_nets(run_dir)
    assert m["power__leakage__total"] < m["power__idle__total"] < m["power__total"]
    # The step links the netlist once for all its windows (compute_powers); on its own,
    # compute_power gives the same idle power and the same inference-window power.
    netlist = run_dir / "04-sparrow-repair" / "netlist.v"
    alone = [compute_power(netlist, get_library("osu018").sta_liberty, "sparrow_tiny",
                           activity=Activity.from_counts(run_dir / "06-cocotb-gate_sim" / name),
                           clock_period_ns=options.clock_period_ns, propagated_clock=True)
             for name in ("idle_activity.tsv", "activity.tsv")]
    assert alone[0].total_w == pytest.approx(m["power__idle__total"], rel=1e-12)
    assert alone[1].total_w == pytest.approx(m["power__total"], rel=1e-12)


def test_idle_clock_stopped_takes_the_leakage(tiny_run, tmp_path):
    run_dir, options, first = tiny_run
    copy = tmp_path / "tiny"
    shutil.copytree(run_dir, copy)
    state = _flow(copy, dataclasses.replace(options, idle_clock="stopped"),
                  from_step="sparrow.power")
    m = state.metrics
    assert m["power__average"] == m["power__average__clock_stopped"] == \
        first.metrics["power__average__clock_stopped"]
    assert "clock is stopped" in m["power__average__assumption"]
    assert "clock is stopped" in (copy / "report.md").read_text()


def test_power_breakdowns_add_up(tiny_run):
    m = tiny_run[2].metrics
    blocks = {k.split(":", 1)[1]: v for k, v in m.items() if k.startswith("power__total__block:")}
    assert set(BLOCKS) <= set(blocks)
    assert sum(blocks.values()) == pytest.approx(m["power__total"], rel=1e-9)
    assert blocks.get("other", 0.0) < 0.2 * m["power__total"]
    leakage = {k.split(":", 1)[1]: v for k, v in m.items()
               if k.startswith("power__leakage__block:")}
    assert leakage.keys() == blocks.keys()
    assert sum(leakage.values()) == pytest.approx(m["power__leakage__total"], rel=1e-9)
    assert all(0 <= leakage[b] <= blocks[b] for b in blocks)
    groups = [v for k, v in m.items() if k.startswith("power__total__group:")]
    assert sum(groups) == pytest.approx(m["power__total"], rel=1e-9)
    assert m["power__annotated__fraction"] > 0.95
    assert m["power__known__fraction"] == 1.0


def test_metrics_and_report(tiny_run):
    run_dir = tiny_run[0]
    doc = _doc(run_dir)
    for name in ("design__instance__count", "design__instance__area", "timing__setup__ws",
                 "power__internal__total", "power__switching__total", "power__leakage__total",
                 "power__total", "inference__cycles", "inference__energy",
                 "inference__weight_reads", "power__activity_source", "power__average"):
        assert name in doc["metrics"], name
        assert name in doc["units"] and name in doc["sources"], name
    assert doc["units"]["inference__energy"] == "J"
    assert doc["units"]["power__average"] == "W"
    report = (run_dir / "report.md").read_text()
    assert "Energy per inference" in report and "SparrowSNN (published): 22 nm" in report
    assert (run_dir / "plots" / "power_block.png").is_file()
    assert [s["dir"] for s in doc["steps"]] == [
        f"{i:02d}-{s.id.replace('.', '-')}" for i, s in enumerate(FLOW_STEPS, 1)]


def test_rerun_reuses_unchanged_steps_and_from_reruns(tiny_run, tmp_path):
    run_dir, options, first = tiny_run
    copy = tmp_path / "tiny"
    shutil.copytree(run_dir, copy)
    again = _flow(copy, options)
    assert {s["status"] for s in _doc(copy)["steps"]} == {"reused"}
    assert again.metrics["inference__energy"] == first.metrics["inference__energy"]
    _flow(copy, options, from_step="sparrow.power")
    statuses = {s["id"]: s["status"] for s in _doc(copy)["steps"]}
    assert statuses["sparrow.power"] == "ran"
    assert statuses["yosys.synthesis"] != "ran"


def test_toggle_counts_equal_the_vcd_of_the_same_run(tiny_run, tmp_path):
    """The gate-level step counts toggles while it simulates (a VPI module) instead of writing
    a VCD; asked to keep the VCD too, the same run gives both: per net, per cell pin (as the
    power engine uses them) and in energy they agree value by value with the VCD reader."""
    run_dir, options, first = tiny_run
    gate = Path(first.views["activity"]).parent
    assert not list(gate.rglob("*.vcd")), "the default run keeps no VCD"
    assert (gate / "activity.tsv").stat().st_size < 2e6
    copy = tmp_path / "tiny"
    shutil.copytree(run_dir, copy)
    state = _flow(copy, dataclasses.replace(options, keep_vcd=True), from_step="cocotb.gate_sim")
    m = state.metrics
    window_ns = (m["gatesim__window__start"], m["gatesim__window__end"])
    gate = Path(state.views["activity"]).parent
    assert gate.name == Path(first.views["activity"]).parent.name
    top, period_ns = "sparrow_tiny", options.clock_period_ns
    counts = Activity.from_counts(gate / "activity.tsv")
    vcd = Activity.from_vcd(gate / "activity.vcd", top,
                            window_s=(window_ns[0] * 1e-9, window_ns[1] * 1e-9))
    # Every net: at least one per cell (its output) besides the ports.
    cells = len(read_netlist(state.views["netlist"]).instances)
    assert counts.names.keys() == vcd.names.keys() and len(counts.names) > cells > 1000
    rows = [counts.names[n] for n in vcd.names]
    assert counts.window_s == vcd.window_s
    np.testing.assert_array_equal(counts.transitions[rows], vcd.transitions)
    np.testing.assert_array_equal(counts.duty[rows], vcd.duty)
    assert vcd.transitions.sum() > 1e5 and 0 < vcd.duty.mean() < 1

    netlist = Path(state.views["netlist"])   # the one simulated (repaired)
    liberty = load_liberty(get_library(options.library).sta_liberty)
    design = link_design(read_netlist(netlist, top), liberty)
    pins_counted = annotate(design, counts, period_ns * 1e-9)
    pins_vcd = annotate(design, vcd, period_ns * 1e-9)
    assert pins_counted.annotated.mean() > 0.95
    np.testing.assert_array_equal(pins_counted.annotated, pins_vcd.annotated)
    np.testing.assert_array_equal(pins_counted.transitions, pins_vcd.transitions)
    np.testing.assert_array_equal(pins_counted.duty, pins_vcd.duty)

    from_counts = compute_power(netlist, liberty, top, activity=counts, clock_period_ns=period_ns,
                                propagated_clock=True)
    from_vcd = compute_power(netlist, liberty, top, vcd=gate / "activity.vcd", scope=top,
                             clock_period_ns=period_ns, window_ns=window_ns,
                             propagated_clock=True)
    assert from_counts.energy_j == from_vcd.energy_j
    assert m["inference__energy"] == from_counts.energy_j / 3
    # The simulation is deterministic: the same counts as the run without a VCD.
    assert (gate / "activity.tsv").read_bytes() == \
        Path(first.views["activity"]).read_bytes()
    assert m["inference__energy"] == first.metrics["inference__energy"]


def _sparrow(*args, env=None, cwd=REPO):
    return subprocess.run([sys.executable, "-m", "sparrow.cli", *args], capture_output=True,
                          text=True, cwd=cwd, env=env)


def test_missing_tool_names_the_fix_and_leaves_no_half_step(tiny_run, tmp_path):
    copy = tmp_path / "tiny"
    shutil.copytree(tiny_run[0], copy)
    shutil.rmtree(copy / "03-yosys-synthesis")
    env = dict(os.environ, PATH=str(Path(sys.executable).parent))   # no /usr/bin: no yosys
    proc = _sparrow("flow", str(TINY), "-o", str(copy), "--random", "3", "--seed", "7",
                    "--lanes", "4", "--from", "yosys.synthesis", "-q", env=env)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "yosys" in proc.stderr and "apt-get install yosys" in proc.stderr
    assert not (copy / "03-yosys-synthesis").exists()
    assert not list(copy.glob(".*.tmp"))
    assert not (copy / "metrics.json").exists() or "yosys.synthesis" not in \
        {s["id"] for s in _doc(copy)["steps"] if s["status"] == "ran"}


@pytest.mark.parametrize("args, message", [
    (["flow", str(TINY)], "give --inputs FILE.npy or --random N"),
    (["flow", str(TINY), "--random", "1", "--from", "nonsense"], "nonsense"),
    (["flow", "no/such/model.toml"], "not found"),
    (["flow", str(TINY), "--inputs", "no/such/inputs.npy"], "no/such/inputs.npy"),
])
def test_bad_input_gets_one_clear_line(tmp_path, args, message):
    proc = _sparrow(*args, "-o", str(tmp_path / "run"))
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert message in proc.stderr
    assert not list((tmp_path / "run").glob("0*")) if (tmp_path / "run").exists() else True


def test_a_second_flow_in_a_busy_run_folder_stops_at_once(tmp_path):
    """While another process holds the run folder (as a running flow does), ``sparrow flow``
    there says so in one line, naming that process, and touches nothing."""
    run_dir = tmp_path / "busy"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time\nfrom sparrow.flow.lock import run_folder_lock\n"
         f"with run_folder_lock({str(run_dir)!r}):\n"
         "    print('held', flush=True)\n    sys.stdin.readline()\n"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        (run_dir / "marker").write_text("first run")
        proc = _sparrow("flow", str(TINY), "-o", str(run_dir), "--random", "1", "-q")
        assert proc.returncode == 1
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and f"in use by another flow (pid {holder.pid})" in lines[0]
        assert sorted(p.name for p in run_dir.iterdir()) == [".sparrow.lock", "marker"]
        assert (run_dir / "marker").read_text() == "first run"
    finally:
        holder.communicate("\n", timeout=30)
    # Released: the folder can be locked again.
    from sparrow.flow.lock import run_folder_lock
    with run_folder_lock(run_dir):
        assert (run_dir / ".sparrow.lock").read_text().strip() == str(os.getpid())


def test_a_run_that_fails_timing_says_so_first(tmp_path):
    """At 1 ns (1 GHz) the tiny core misses setup: metrics.json carries flow__signoff false
    with the slack as the reason, the summary's first line and the report's verdict say so,
    and --strict exits 1 with one line."""
    run_dir = tmp_path / "fast"
    proc = _sparrow("flow", str(TINY), "-o", str(run_dir), "--random", "2", "--lanes", "4",
                    "--clock-period", "1", "-q")
    assert proc.returncode == 0, proc.stderr
    m = _doc(run_dir)["metrics"]
    assert m["timing__setup__ws"] < 0
    assert m["flow__signoff"] is False
    reason = f"setup slack {m['timing__setup__ws']:.3f} ns at a 1 ns clock"
    assert reason in m["flow__signoff__reasons"]
    assert proc.stdout.splitlines()[0].startswith("NOT A SIGN-OFF RESULT") and \
        reason in proc.stdout.splitlines()[0]
    assert "NOT A SIGN-OFF RESULT" in (run_dir / "report.md").read_text().split("\n## ")[0]
    strict = _sparrow("flow", str(TINY), "-o", str(run_dir), "--random", "2", "--lanes", "4",
                      "--clock-period", "1", "-q", "--strict", "--from", "sparrow.signoff")
    assert strict.returncode == 1
    lines = strict.stderr.strip().splitlines()
    assert lines[-1].startswith("sparrow: error:") and reason in lines[-1]
    assert "Traceback" not in strict.stderr


@pytest.mark.parametrize("library", ["sky130hd", "ihp_sg13g2"])
def test_other_libraries_are_repaired_clean_and_bit_exact(library, tmp_path):
    """The tiny core on two of the shared open libraries: repaired to their own limits,
    checked clean with propagated clocks, every gate-level inference equal to the golden
    model, power read within the tables."""
    run_dir = tmp_path / library
    state = _flow(run_dir, FlowOptions(lanes=4, library=library))
    m = state.metrics
    assert m["flow__signoff"] is True, m["flow__signoff__reasons"]
    assert m["design__max_slew_violation__count"] == m["design__max_cap_violation__count"] \
        == m["design__max_fanout_violation__count"] == 0
    assert m["timing__max_slew_violation__count__opensta"] == 0
    # There was work to do: the synthesized netlist broke at least one of the library's rules.
    assert sum(m[f"design__max_{rule}_violation__count__before"]
               for rule in ("slew", "cap", "fanout")) > 0
    assert m["timing__clock__propagated"] and m["timing__hold__ws"] >= 0
    assert m["design__instance__count__clock_buffer"] > 0
    assert m["power__extrapolated__fraction"] == 0.0
    golden = run(load_model(TINY), np.load(run_dir / "inputs.npy"), lanes=4)
    seen = json.loads((run_dir / "06-cocotb-gate_sim" / "results.json").read_text())["observed"]
    assert [o["scores"] for o in seen] == golden.scores.tolist()


INVERTER = """
module top(input A, output Y);
  INVX1 u (.A(A), .Y(Y));
endmodule
module tb;
  reg a = 0; wire y; real t0;
  top dut(.A(a), .Y(y));
  initial begin
    $sdf_annotate("delays.sdf", dut);
    #10 a = 1; t0 = $realtime;
    @(y); $display("fall %0.4f", $realtime - t0);
    #10 a = 0; t0 = $realtime;
    @(y); $display("rise %0.4f", $realtime - t0);
    $finish;
  end
endmodule
"""
SDF = """(DELAYFILE (SDFVERSION "3.0") (DESIGN "top") (DIVIDER /) (TIMESCALE 1ns)
 (CELL (CELLTYPE "INVX1") (INSTANCE u)
  (DELAY (ABSOLUTE (IOPATH A Y (1.234::1.234) (2.345::2.345))))))
"""


def test_icarus_applies_opensta_style_triples(tmp_path):
    """OpenSTA writes (min::max) with no typical value; Icarus keeps the cell model's own
    delay for an undefined one without a word, so the build selects max: the inverter's
    rise and fall delays are then the SDF's, not OSU018's specparams (0.06 ns), to the fs
    (the cell models' own 10 ps precision would round them)."""
    (tmp_path / "delays.sdf").write_text(SDF)
    tb = tmp_path / "tb.v"
    tb.write_text("`timescale 1ns/1fs\n" + INVERTER)
    models = fine_cell_models(get_library("osu018").cell_models, tmp_path / "cells")
    result = run_icarus([tb, *models], tmp_path,
                        flags=SDF_BUILD_ARGS, expect="rise")
    assert "fall 2.3450" in result.output and "rise 1.2340" in result.output
    assert annotation_problems(result.output) == []


def test_timed_activity_in_the_flow(tiny_run, tmp_path):
    run_dir, options, first = tiny_run
    copy = tmp_path / "tiny"
    shutil.copytree(run_dir, copy)
    state = _flow(copy, dataclasses.replace(options, timed_activity=True),
                  from_step="cocotb.gate_sim")
    m = state.metrics
    # Both runs bit-exact (the step fails otherwise), over the same inputs.
    assert m["gatesim__timed__inferences"] == m["gatesim__inferences"] == 3
    zero_counts, timed_counts = state.views["activity"]
    assert (zero_counts.name, timed_counts.name) == ("activity.tsv", "activity_timed.tsv")
    # Every cell of the netlist has timing arcs in OSU018 (no fill or tie cells): Icarus
    # annotated each one, and every IOPATH of the SDF but those of pins sharing a net.
    netlist = read_netlist(state.views["netlist"])
    assert m["gatesim__sdf__cells"] == len(netlist.instances) == \
        m["design__instance__count"] > 1000
    with gzip.open(state.views["sdf"], "rt") as f:
        iopaths = len(re.findall(r"\(IOPATH ", f.read()))
    assert m["gatesim__sdf__arcs"] + m["gatesim__sdf__shared_input_arcs"] == iopaths
    sequential = sum(i.cell in ("DFFPOSX1", "LATCH") for i in netlist.instances)
    assert m["gatesim__sdf__hold_wrapped"] == sequential
    # The zero-delay figures are the plain run's; the timed ones differ (glitches).
    assert m["power__activity__timed"] is True
    assert m["inference__energy__zero_delay"] == first.metrics["inference__energy"]
    assert m["inference__energy"] != m["inference__energy__zero_delay"]
    assert m["power__glitch__fraction"] == pytest.approx(
        1 - m["inference__energy__zero_delay"] / m["inference__energy"])
    lanes = "power__glitch__fraction__block:lanes"
    assert m[lanes] == pytest.approx(1 - m["inference__energy__zero_delay__block:lanes"]
                                     / m["inference__energy__block:lanes"])
    report = (copy / "report.md").read_text()
    assert "### Zero-delay vs timed energy" in report and "| whole core |" in report
    doc = json.loads((copy / "metrics.json").read_text())
    assert doc["units"]["inference__energy__zero_delay"] == "J"


def test_bad_sdf_is_one_clear_error(tiny_run, tmp_path):
    run_dir, _, state = tiny_run
    netlist, sdf = state.views["netlist"], state.views["sdf"]
    with gzip.open(sdf, "rt") as f:
        text = f.read()
    junk = tmp_path / "junk.sdf"
    junk.write_text("not an sdf\n")
    with pytest.raises(SparrowError, match=r"not an SDF file"):
        timed_netlist(netlist, junk, "sparrow_tiny", tmp_path / "a", {})
    with pytest.raises(SparrowError, match=r"written for design 'sparrow_tiny', not 'other'"):
        timed_netlist(netlist, sdf, "other", tmp_path / "b", {})
    stranger = tmp_path / "stranger.sdf"
    stranger.write_text(re.sub(r"\(INSTANCE (\S)", r"(INSTANCE nowhere_\1", text, count=1))
    with pytest.raises(SparrowError, match=r"instance nowhere_\S+ is not in netlist.v"):
        timed_netlist(netlist, stranger, "sparrow_tiny", tmp_path / "c", {})
    wire = tmp_path / "wire.sdf"
    wire.write_text(re.sub(r"(\(INTERCONNECT \S+ \S+ )\(0\.0+::0\.0+\)", r"\1(0.5::0.5)", text,
                           count=1))
    with pytest.raises(SparrowError, match=r"non-zero INTERCONNECT delay"):
        timed_netlist(netlist, wire, "sparrow_tiny", tmp_path / "d", {})
