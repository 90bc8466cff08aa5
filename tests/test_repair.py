"""Netlist repair on a netlist built to break the rules: a 500-fanout net and a clock gate
(latch + AND) driving 300 flip-flops. After repair, every limit is checked with OpenSTA
(transition, setup and hold with propagated clocks) and Sparrow's checker (capacitance and
fanout, which Debian's OpenSTA cannot check; its transition count must equal OpenSTA's), the
clock tree is balanced, and the repaired netlist computes exactly what the original does,
cycle by cycle, in gate-level simulation."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from flow_helpers import write
from sparrow.errors import SparrowError
from sparrow.library import custom_library, get_library
from sparrow.netlist import read_netlist
from sparrow.power import load_liberty
from sparrow.repair import repair_netlist
from sparrow.repair.cells import LibraryCells
from sparrow.sim.gatesim import run_gatesim
from sparrow.sta import run_sta
from sparrow.sta.design_rules import check_design_rules, library_rules

GATED, FAN = 300, 500
PERIOD_NS = 20.0


def fan_netlist() -> str:
    """OSU018 cells: ``sel`` drives 500 XORs; a latch + AND clock gate drives 300 flops."""
    lines = ["module fan(clk, en, sel, d, q, t);",
             "  input clk, en, sel;", f"  input [{GATED - 1}:0] d;",
             f"  output [{GATED - 1}:0] q;", f"  output [{FAN - 1}:0] t;",
             "  wire clk_n, en_l, gclk;",
             "  INVX1 cg_inv (.A(clk), .Y(clk_n));",
             "  LATCH cg_latch (.CLK(clk_n), .D(en), .Q(en_l));",
             "  AND2X1 cg_and (.A(clk), .B(en_l), .Y(gclk));"]
    for i in range(GATED):
        lines.append(f"  DFFPOSX1 g{i} (.CLK(gclk), .D(d[{i}]), .Q(q[{i}]));")
    for i in range(FAN):
        lines.append(f"  wire x{i};")
        lines.append(f"  XOR2X1 xor{i} (.A(sel), .B(q[{i % GATED}]), .Y(x{i}));")
        lines.append(f"  DFFPOSX1 f{i} (.CLK(clk), .D(x{i}), .Q(t[{i}]));")
    lines.append("endmodule")
    return "\n".join(lines) + "\n"


TESTBENCH = f"""
`timescale 1ns/1ps
module tb;
  reg clk = 0, en = 1, sel = 0;
  reg [{GATED - 1}:0] d = 0;
  wire [{GATED - 1}:0] q;
  wire [{FAN - 1}:0] t;
  integer i, k, f, seed = 11;
  fan dut (.clk(clk), .en(en), .sel(sel), .d(d), .q(q), .t(t));
  always #{PERIOD_NS / 2} clk = ~clk;
  initial begin
    f = $fopen("trace.txt", "w");
    for (i = 0; i < 80; i = i + 1) begin
      @(negedge clk);
      $fwrite(f, "%0d %h %h\\n", i, q, t);
      en = (i < 3) || ($random(seed) & 1);
      sel = $random(seed) & 1;
      for (k = 0; k < {GATED}; k = k + 32) d[k +: 32] = $random(seed);
    end
    $fclose(f);
    $display("PASS traced");
    $finish;
  end
endmodule
"""


@pytest.fixture(scope="module")
def repaired(tmp_path_factory):
    root = tmp_path_factory.mktemp("repair")
    netlist = write(root, "fan.v", fan_netlist())
    result = repair_netlist(netlist, "fan", "osu018", root / "out", clock_period_ns=PERIOD_NS,
                            input_delay_ns=0.2 * PERIOD_NS, output_delay_ns=0.2 * PERIOD_NS)
    return root, netlist, result


def test_the_netlist_breaks_the_rules_before(repaired):
    _, netlist, result = repaired
    loads = Counter(net for inst in read_netlist(netlist, "fan").instances
                    for pin, net in inst.pins.items() if pin not in ("Y", "Q"))
    source = read_netlist(netlist, "fan")
    named = {names[0]: i for i, names in enumerate(source.net_names)}
    assert loads[named["sel"]] == FAN and loads[named["gclk"]] == GATED
    assert loads[named["clk"]] == FAN + 2           # the free flops, the gate's INV and AND
    assert result.before.fanout == 3 and result.before.worst_fanout == FAN + 2
    # Ports are ideal drivers (no load limit, transition 0): only the gate's AND is over its
    # load, and every pin of gclk (the AND's output and 300 clock pins) over the transition.
    assert result.before.capacitance == 1 and result.before.transition == GATED + 1


def test_every_limit_holds_after_repair(repaired, tmp_path):
    _, _, result = repaired
    library = get_library("osu018")
    liberty = load_liberty(library.sta_liberty)
    rules = library_rules(liberty)
    check = check_design_rules(read_netlist(result.netlist, "fan"), liberty, rules,
                               clock_port="clk")
    assert check.clean, check.examples
    sta = run_sta(result.netlist, "fan", library, tmp_path, clock_period_ns=PERIOD_NS,
                  input_delay_ns=0.2 * PERIOD_NS, output_delay_ns=0.2 * PERIOD_NS,
                  propagated_clock=True, max_fanout=rules.max_fanout,
                  max_transition_ns=rules.max_transition_s * 1e9)
    assert sta.max_transition_violators == 0
    assert sta.setup_ws_ns > 0 and sta.hold_ws_ns >= 0 and not sta.hold_violators
    assert sta.unclocked_pins == 0
    # The sign-off run reports the trees' skew; the repair's hold rounds leave it out (slow).
    assert sta.skew_setup_ns >= 0 and sta.skew_hold_ns >= 0
    assert result.timing.skew_setup_ns is None and result.timing.skew_hold_ns is None
    # Sparrow's transition count agrees with OpenSTA's on the unrepaired netlist too.
    raw = run_sta(repaired[1], "fan", library, tmp_path / "raw", clock_period_ns=PERIOD_NS,
                  propagated_clock=True, max_transition_ns=rules.max_transition_s * 1e9,
                  skew=False)
    assert raw.max_transition_violators == result.before.transition
    assert "report_clock_skew" not in (tmp_path / "raw" / "sta.tcl").read_text()


def test_clock_trees_are_balanced(repaired):
    _, _, result = repaired
    netlist = read_netlist(result.netlist, "fan")
    driver, loads = {}, {}
    for inst in netlist.instances:
        for pin, net in inst.pins.items():
            if isinstance(net, int):
                if pin in ("Y", "Q"):
                    driver[net] = inst
                else:
                    loads.setdefault(net, []).append(inst)
    gate = next(i for i in netlist.instances if i.name == "cg_and")
    assert len(loads[gate.pins["Y"]]) <= 10             # a tree, not 300 clock pins

    def depth(inst) -> int:
        """Buffers between a gated flop's clock pin and the gate's output."""
        n, net = 0, inst.pins["CLK"]
        while driver[net] is not gate:
            n += 1
            net = driver[net].pins["A"]
        return n
    depths = Counter(depth(i) for i in netlist.instances if i.name.startswith("g"))
    assert sum(depths.values()) == GATED and len(depths) == 1
    # 300 pins, 10 per driver: the gate drives 3 buffers, each 10, each 10 flops: 2 levels.
    assert next(iter(depths)) == math.ceil(math.log(GATED, 10)) - 1
    tree = result.clock_tree
    spread = max(tree.latency_after.values()) - min(tree.latency_after.values())
    assert spread < 0.15e-9


def test_repaired_netlist_computes_the_same(repaired, tmp_path):
    root, original, result = repaired
    tb = write(root, "tb.v", TESTBENCH)
    traces = []
    for name, netlist in (("original", original), ("repaired", result.netlist)):
        sim = run_gatesim(netlist, [tb], "osu018", tmp_path / name, expect="^PASS traced")
        traces.append((sim.log.parent / "trace.txt").read_text())
    assert traces[0].count("\n") == 80
    assert traces[0] == traces[1]


def test_a_library_without_a_buffer_is_named(tmp_path):
    """A liberty with no buffer cell: one clear message naming what is missing."""
    osu = get_library("osu018")
    text = osu.sta_liberty[0].read_text()
    for cell in ("BUFX2", "BUFX4", "CLKBUF1", "CLKBUF2", "CLKBUF3"):
        start = text.index(f"cell ({cell})") if f"cell ({cell})" in text else \
            text.index(f"cell({cell})")
        depth, i = 0, text.index("{", start)
        while True:
            depth += (text[i] == "{") - (text[i] == "}")
            i += 1
            if depth == 0:
                break
        text = text[:start] + text[i:]
    lib = write(tmp_path, "nobuf.lib", text)
    with pytest.raises(SparrowError, match="has no buffer cell"):
        LibraryCells(load_liberty(lib))
    library = custom_library(name="nobuf", liberty=[lib], cell_models=osu.cell_models,
                             nand2_cell="NAND2X1")
    netlist = write(tmp_path, "fan.v", fan_netlist())
    with pytest.raises(SparrowError, match="has no buffer cell"):
        repair_netlist(netlist, "fan", library, tmp_path / "out", clock_period_ns=PERIOD_NS)
    assert not (tmp_path / "out" / "netlist.v").exists()
