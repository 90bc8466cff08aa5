"""Yosys synthesis: the power-reference designs map to exactly the cells and area their
case.json records (made with the same Yosys sequence, ../shared/power-reference/*/synth.ys),
hierarchical names survive in keep_names mode, and bad input fails clearly."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from flow_helpers import POWER_REFERENCE, block_of, write
from sparrow.errors import SparrowError, ToolError
from sparrow.library import get_library
from sparrow.synth import run_synthesis


@pytest.mark.parametrize("case", ["case_small", "case_array4",
                                  pytest.param("case_array16", marks=pytest.mark.slow)])
def test_reference_designs_synthesize_to_the_recorded_cells_and_area(case, tmp_path):
    ref = json.loads((POWER_REFERENCE / case / "case.json").read_text())
    # the reference script flattens before synthesis: the same order here
    assert "synth -flatten" in (POWER_REFERENCE / case / "synth.ys").read_text()
    result = run_synthesis([POWER_REFERENCE / case / "rtl.v"], ref["top"], "osu018", tmp_path,
                           hierarchy="flatten")
    assert dict(result.cell_counts) == ref["cell_types"]
    assert result.cells == ref["cells"]
    assert result.area_um2 == pytest.approx(ref["area_um2"], abs=1e-6)
    # kGE from the OSU NAND2X1 (24 µm² in the liberty)
    assert result.kge == pytest.approx(ref["area_um2"] / 24.0 / 1000.0)
    flops = sum(n for cell, n in ref["cell_types"].items() if cell.startswith("DFF"))
    assert result.flipflops == flops and result.latches == 0 and result.clock_gates == 0
    metrics = result.metrics()
    assert metrics["design__instance__count__cell:DFFPOSX1"] == ref["cell_types"]["DFFPOSX1"]
    assert metrics["design__instance__area__cell:DFFPOSX1"] == 96.0 * ref["cell_types"]["DFFPOSX1"]
    # the netlist is one flat module the 2019 OpenSTA can parse (no concatenated assigns)
    text = result.netlist.read_text()
    assert text.count("\nmodule ") + text.startswith("module ") == 1
    assert not re.search(r"assign\s*\{", text)


def test_keep_names_attributes_every_cell_to_its_block(tmp_path):
    ref = json.loads((POWER_REFERENCE / "case_array4" / "case.json").read_text())
    result = run_synthesis([POWER_REFERENCE / "case_array4" / "rtl.v"], ref["top"], "osu018",
                           tmp_path)
    blocks = Counter(block_of(name) for name in result.instance_types)
    # rtl.v instantiates four identical neurons u0..u3 in the top module
    assert set(blocks) == {"", "u0", "u1", "u2", "u3"}
    flops = Counter(block_of(n) for n, cell in result.instance_types.items()
                    if result.library.summary.cells[cell].kind == "flipflop")
    assert flops["u0"] == flops["u1"] == flops["u2"] == flops["u3"] > 0
    assert result.flipflops == sum(flops.values()) == 564      # as in case.json
    assert sum(blocks.values()) == result.cells


def test_unmapped_latch_fails_with_a_clear_message(tmp_path):
    src = write(tmp_path, "latch.v", "module lat(input en, input d, output reg q);\n"
                                     "  always @* if (en) q = d;\nendmodule\n")
    with pytest.raises(ToolError, match=r"left unmapped cells: \$_DLATCH_P_ x1.*log: .*yosys\.log"):
        run_synthesis([src], "lat", "osu018", tmp_path / "out")


def test_unknown_module_fails_naming_it(tmp_path):
    src = write(tmp_path, "top.v", "module top(input a, output y);\n  mystery u (.a(a), .y(y));\n"
                                   "endmodule\n")
    with pytest.raises(ToolError, match=r"Yosys synthesis of top failed.*mystery"):
        run_synthesis([src], "top", "osu018", tmp_path / "out")


def test_behavioural_clock_gate_is_refused(tmp_path):
    from sparrow.resources import BEHAVIOURAL_CLOCK_GATE
    src = write(tmp_path, "top.v", "module top(input clk, en, output g);\n"
                                   "  sparrow_clock_gate u (.clk(clk), .en(en), .gclk(g));\nendmodule\n")
    with pytest.raises(SparrowError, match="RTL simulation only"):
        run_synthesis([src, BEHAVIOURAL_CLOCK_GATE], "top", "osu018", tmp_path / "out")


def test_bad_sources_and_options(tmp_path):
    with pytest.raises(SparrowError, match="not found"):
        run_synthesis([tmp_path / "nope.v"], "top", "osu018", tmp_path / "out")
    src = write(tmp_path, "a.vhd", "entity a is end;")
    with pytest.raises(SparrowError, match="cannot read"):
        run_synthesis([src], "a", "osu018", tmp_path / "out")
    src = write(tmp_path, "a.v", "module a(input x, output y); assign y = ~x; endmodule\n")
    with pytest.raises(SparrowError, match="hierarchy must be one of"):
        run_synthesis([src], "a", "osu018", tmp_path / "out", hierarchy="deep")
    with pytest.raises(SparrowError, match="has no tie cells"):
        run_synthesis([src], "a", get_library("osu018"), tmp_path / "out", tie_constants=True)


def test_tie_cells_drive_constants_when_asked(tmp_path):
    # IHP's flip-flop has an active-low reset that a plain D flop ties to 1
    src = write(tmp_path, "r.v", "module r(input clk, d, output reg q);\n"
                                 "  always @(posedge clk) q <= d;\nendmodule\n")
    plain = run_synthesis([src], "r", "ihp_sg13g2", tmp_path / "plain")
    tied = run_synthesis([src], "r", "ihp_sg13g2", tmp_path / "tied", tie_constants=True)
    assert "1'b1" in plain.netlist.read_text() and "sg13g2_tiehi" not in plain.cell_counts
    assert tied.cell_counts["sg13g2_tiehi"] == 1 and "1'b1" not in tied.netlist.read_text()


def _max_fanout(netlist) -> int:
    """Most pin connections of any net, minus its driver (clock and constants excluded)."""
    text = netlist.read_text()
    counts = Counter(m.strip() for m in re.findall(r"\.\w+\(([^()]*)\)", text))
    return max(k - 1 for n, k in counts.items() if n not in ("clk", "1'b0", "1'b1"))


def test_clock_period_buffers_high_fanout_nets(tmp_path):
    """One internal net feeding 96 gates: Yosys's area mapping leaves it on one driver; with
    a clock period ABC buffers it to at most the given fanout (and the logic is unchanged:
    the same flip-flops)."""
    src = write(tmp_path, "fan.v", """
module fan(input clk, input a, input b, input [95:0] x, output reg [95:0] y);
  wire n = ~(a & b);
  always @(posedge clk) y <= x ^ {96{n}};
endmodule
""")
    plain = run_synthesis([src], "fan", "osu018", tmp_path / "plain")
    timed = run_synthesis([src], "fan", "osu018", tmp_path / "timed", clock_period_ns=250.0,
                          max_fanout=8)
    assert _max_fanout(plain.netlist) > 16
    assert _max_fanout(timed.netlist) <= 8
    assert timed.flipflops == plain.flipflops == 96
    assert "buffer -N 8" in (tmp_path / "timed" / "abc.script").read_text()
    with pytest.raises(SparrowError, match="max fanout"):
        run_synthesis([src], "fan", "osu018", tmp_path / "bad", clock_period_ns=250.0,
                      max_fanout=1)
