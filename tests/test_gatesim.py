"""Gate-level simulation with Icarus: the power-reference testbenches on their netlists
reproduce the reference VCDs byte for byte (after Icarus's date header), Sparrow's own VCD
dumper records the requested scope and window, and failures are reported clearly."""

from __future__ import annotations

import gzip
import hashlib
import json

import pytest

from flow_helpers import CG_COUNTER, CG_TESTBENCH, POWER_REFERENCE, vcd_toggles, write
from sparrow.errors import SparrowError, ToolError
from sparrow.power import Activity
from sparrow.sim.counter import counter_module, iverilog_flags
from sparrow.sim.gatesim import run_gatesim
from sparrow.sim.icarus import VcdDump, run_icarus
from sparrow.synth import run_synthesis
from sparrow.resources import BEHAVIOURAL_CLOCK_GATE


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    return run_reference("case_small", tmp_path_factory.mktemp("small"))


def run_reference(case: str, tmp_path):
    ref = json.loads((POWER_REFERENCE / case / "case.json").read_text())
    result = run_gatesim(POWER_REFERENCE / case / "netlist.v", [POWER_REFERENCE / case / "tb.v"],
                         "osu018", tmp_path, top=ref["testbench"]["top"],
                         vcd_file="activity.vcd", expect=r"errors=0\b")
    return ref, result


@pytest.mark.parametrize("case", ["case_small", "case_array4",
                                  pytest.param("case_array16", marks=pytest.mark.slow)])
def test_reference_testbench_reproduces_the_reference_vcd(case, tmp_path, small_run):
    ref, result = small_run if case == "case_small" else run_reference(case, tmp_path)
    assert ref["testbench"]["result_line"] in result.output
    body = result.vcd.read_bytes().split(b"\n", 3)[3]       # after the 3-line $date header
    assert hashlib.sha256(body).hexdigest() == ref["vcd"]["sha256_without_date_header"]
    assert result.vcd_end_ns == ref["vcd"]["t_max_ns"]


def test_toggle_counter_agrees_with_the_reference_pin_activity(small_run):
    """The tests' VCD reader (used for the clock-gate checks) counts what OpenSTA counted."""
    _, result = small_run
    toggles = vcd_toggles(result.vcd)
    with gzip.open(POWER_REFERENCE / "case_small" / "pin_activity.tsv.gz", "rt") as f:
        rows = [line.rstrip("\n").split("\t") for line in f][1:]
    pins = [(r[0], int(r[2])) for r in rows if r[1] in ("input", "output")]
    assert len(pins) == 1241 + 549
    for pin, transitions in pins:
        inst, port = pin.split("/")
        assert toggles[f"tb.dut.{inst}.{port}"] == transitions, pin


def test_sparrow_dump_records_the_scope_over_the_window(tmp_path):
    src = write(tmp_path, "cg.v", CG_COUNTER)
    tb = write(tmp_path, "tb.v", CG_TESTBENCH)
    result = run_icarus([src, BEHAVIOURAL_CLOCK_GATE, tb], tmp_path / "sim",
                        dump=VcdDump("tb/dut", start_ns=100, stop_ns=200), expect="^PASS")
    text = result.vcd.read_text()
    stamps = [int(line[1:]) for line in text.splitlines() if line.startswith("#")]
    assert stamps[0] == 100_000 and stamps[-1] == 200_000          # 1 ps resolution
    assert "$dumpoff" in text
    toggles = vcd_toggles(result.vcd)
    assert all(name.startswith("tb.dut.") for name in toggles)    # only the scope asked for
    assert toggles["tb.dut.clk"] == 19       # edges strictly inside (100, 200) ns
    with pytest.raises(SparrowError, match="window .* is empty"):
        run_icarus([src, BEHAVIOURAL_CLOCK_GATE, tb], tmp_path / "bad",
                   dump=VcdDump("tb.dut", start_ns=50, stop_ns=50))


def test_a_failing_testbench_is_a_tool_error_naming_the_log(tmp_path):
    src = write(tmp_path, "cg.v", CG_COUNTER)
    syn = run_synthesis([src], "cg_counter", "osu018", tmp_path / "syn")
    # a testbench expecting the wrong model: the counter counts by 3, it claims 2
    wrong = write(tmp_path, "tb.v", CG_TESTBENCH.replace("m_f + 8'd3", "m_f + 8'd2"))
    with pytest.raises(ToolError, match=r"reported a failure: MISMATCH cycle 0.*log: .*vvp\.log"):
        run_gatesim(syn.netlist, [wrong], "osu018", tmp_path / "sim")
    silent = write(tmp_path, "silent.v", "module tb; initial $finish; endmodule\n")
    with pytest.raises(ToolError, match=r"did not report success \(expected /PASS/"):
        run_gatesim(syn.netlist, [silent], "osu018", tmp_path / "sim2", expect="PASS")
    broken = write(tmp_path, "broken.v", "module tb; initial begin $finish endmodule\n")
    with pytest.raises(ToolError, match=r"Icarus compile failed.*log: .*iverilog\.log"):
        run_gatesim(syn.netlist, [broken], "osu018", tmp_path / "sim3")
    forever = write(tmp_path, "forever.v", "module tb; reg c = 0; always #1 c = ~c; endmodule\n")
    with pytest.raises(ToolError, match=r"did not finish within 1 s"):
        run_gatesim(syn.netlist, [forever], "osu018", tmp_path / "sim4", timeout_s=1)


COUNTING = """
`timescale 1ns/1ps
module counting;
  initial begin
    $sparrow_activity(tb.dut, "counts.tsv");
    #(WINDOW_START) $sparrow_activity_open;
    #(WINDOW_END - WINDOW_START) $sparrow_activity_close;
  end
endmodule
"""


@pytest.mark.parametrize("window", [(332, 708), (42, 1198)])
def test_toggle_counter_counts_what_the_vcd_records(window, tmp_path):
    """The VPI toggle counter (the default gate-level activity source) against the tests'
    own VCD toggle counter on the same run of a clock-gated design: the idle window (the
    gated block sees no clock edge) and a busy one, no change at either window edge."""
    src = write(tmp_path, "cg.v", CG_COUNTER)
    tb = write(tmp_path, "tb.v", CG_TESTBENCH)
    counting = write(tmp_path, "counting.v", COUNTING.replace("WINDOW_START", str(window[0]))
                     .replace("WINDOW_END", str(window[1])))
    result = run_icarus([src, BEHAVIOURAL_CLOCK_GATE, tb, counting], tmp_path / "sim",
                        top="tb", flags=["-s", "counting", *iverilog_flags(counter_module())],
                        dump=VcdDump("tb/dut", depth=1), expect="^PASS")
    counts = Activity.from_counts(tmp_path / "sim" / "counts.tsv")
    assert counts.window_s == pytest.approx((window[1] - window[0]) * 1e-9, abs=1e-18)
    # Every bit, against the power engine's VCD reader ...
    read = Activity.from_vcd(result.vcd, "tb/dut", window_s=(window[0] * 1e-9, window[1] * 1e-9))
    assert counts.names.keys() == read.names.keys()
    rows = [counts.names[n] for n in read.names]
    assert list(counts.transitions[rows]) == list(read.transitions)
    assert list(counts.duty[rows]) == list(read.duty)
    # ... and the one-bit signals against the tests' own line-by-line counter.
    toggles = vcd_toggles(result.vcd, window[0] * 1000, window[1] * 1000)
    for name in ("clk", "gclk", "en", "rst"):
        assert counts.transitions[counts.names[name]] == toggles[f"tb.dut.{name}"], name
    edges = (window[1] - window[0]) // 5        # clk toggles every 5 ns, none at the edges
    assert counts.transitions[counts.names["clk"]] == edges
    assert counts.duty[counts.names["clk"]] == pytest.approx(0.5, abs=5 / (window[1] - window[0]))
    assert (counts.transitions[counts.names["gclk"]] == 0) == (window == (332, 708))


def test_toggle_counter_window_misuse_stops_the_simulation(tmp_path):
    src = write(tmp_path, "cg.v", CG_COUNTER)
    tb = write(tmp_path, "tb.v", CG_TESTBENCH)
    bad = write(tmp_path, "bad.v", "module counting;\n  initial #50 $sparrow_activity_close;\n"
                "endmodule\n")
    with pytest.raises(ToolError, match=r"\$sparrow_activity_close: the window is not open"):
        run_icarus([src, BEHAVIOURAL_CLOCK_GATE, tb, bad], tmp_path / "sim", top="tb",
                   flags=["-s", "counting", *iverilog_flags(counter_module())], expect="^PASS")
