"""Shared by the flow tests: locations of the shared reference data, a small clock-gated
design with its self-checking testbench, and an independent VCD toggle counter."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"
POWER_REFERENCE = SHARED / "power-reference"
PDK_README = SHARED / "pdk" / "README.md"

# The five libraries every multi-library test runs on (the default + the four shared ones).
LIBRARIES = ("osu018", "sky130hd", "gf180mcu_7t5v0", "ihp_sg13g2", "asap7_rvt")

# A free-running counter and a counter in a clock-gated block: with en = 0 the gated block
# must see no clock edge at all and hold its value.
CG_COUNTER = """
module cg_counter (input clk, input rst, input en, output [7:0] gated, output [7:0] free);
  wire gclk;
  sparrow_clock_gate u_cg (.clk(clk), .en(en | rst), .gclk(gclk));
  cg_block u_gated (.clk(gclk), .rst(rst), .q(gated));
  reg [7:0] f;
  always @(posedge clk) if (rst) f <= 8'd0; else f <= f + 8'd3;
  assign free = f;
endmodule
module cg_block (input clk, input rst, output reg [7:0] q);
  always @(posedge clk) if (rst) q <= 8'd0; else q <= q + 8'd1;
endmodule
"""

# 10 ns clock, rising edges at 5 + 10 k ns. Inputs change on falling edges. Cycles 30..69
# (t = 320 .. 720 ns) run with en = 0: the idle window.
CG_TESTBENCH = """
`timescale 1ns/1ps
module tb;
  reg clk = 1'b0, rst = 1'b1, en = 1'b0;
  wire [7:0] gated, free;
  reg  [7:0] m_g, m_f;
  integer i, errors = 0, seed = 7;
  cg_counter dut (.clk(clk), .rst(rst), .en(en), .gated(gated), .free(free));
  always #5 clk = ~clk;
  initial begin
    @(negedge clk); @(negedge clk);
    rst = 1'b0; m_g = 8'd0; m_f = 8'd0;
    for (i = 0; i < 120; i = i + 1) begin
      en = (i >= 30 && i < 70) ? 1'b0 : $random(seed);
      @(posedge clk);
      if (en) m_g = m_g + 8'd1;
      m_f = m_f + 8'd3;
      @(negedge clk);
      if (gated !== m_g || free !== m_f) begin
        errors = errors + 1;
        if (errors < 5) $display("MISMATCH cycle %0d: gated %h/%h free %h/%h", i, gated, m_g, free, m_f);
      end
    end
    if (errors == 0) $display("PASS 120 cycles"); else $display("FAIL %0d errors", errors);
    $finish;
  end
endmodule
"""
IDLE_WINDOW_NS = (330.0, 710.0)   # inside the en = 0 cycles; clk rises 38 times in it
IDLE_CLOCK_EDGES = 76             # clk transitions in the idle window


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def vcd_toggles(path: Path, t_from: float = 0.0, t_to: float = float("inf")) -> dict[str, int]:
    """Transitions per variable (full dotted name) with time in [t_from, t_to] (VCD time
    units); the initial $dumpvars values and everything from a $dumpoff on are not counted."""
    names: dict[str, list[str]] = defaultdict(list)
    scope: list[str] = []
    value: dict[str, str] = {}
    counts: dict[str, int] = defaultdict(int)
    t = 0
    off = False
    with open(path) as f:
        for line in f:
            if line.startswith("$scope"):
                scope.append(line.split()[2])
            elif line.startswith("$upscope"):
                scope.pop()
            elif line.startswith("$var"):
                parts = line.split()
                names[parts[3]].append(".".join(scope + [parts[4]]))
            elif line.startswith("#"):
                t = int(line[1:])
            elif line.startswith("$dumpoff"):
                off = True
            elif line and line[0] in "01xzbBrR" and not off:
                if line[0] in "bBrR":
                    val, code = line[1:].split()
                else:
                    val, code = line[0], line[1:].strip()
                old = value.get(code)
                value[code] = val
                if old is not None and old != val and t_from <= t <= t_to:
                    counts[code] += 1
    return {n: counts.get(code, 0) for code, ns in names.items() for n in ns}


# The check design of ../shared/pdk/README.md ("The check design and the commands").
PDK_CHECK_DESIGN = """
module x(input clk, input rst, input [7:0] a, input [7:0] b,
         output reg [3:0] cnt, output reg [8:0] s);
  always @(posedge clk) begin
    if (rst) cnt <= 4'd0; else cnt <= cnt + 4'd1;
    s <= a + b;
  end
endmodule
"""
_README_ROWS = {"sky130hd": "sky130hd", "gf180 7t 5.0 V": "gf180mcu_7t5v0",
                "gf180 7t 3.3 V": "gf180mcu_7t5v0_3v3", "ihp sg13g2": "ihp_sg13g2",
                "asap7 RVT": "asap7_rvt"}


def pdk_readme_figures() -> dict[str, dict[str, float]]:
    """The README's table of the check design per library: NAND2 area (µm²), cells, area
    (µm²) and worst setup slack at a 10 ns clock (ns)."""
    out = {}
    for line in PDK_README.read_text().splitlines():
        cols = [c.strip() for c in line.strip().strip("|").split("|")]
        if cols and cols[0] in _README_ROWS and len(cols) >= 7:
            slack = float(cols[6].split()[0])
            if cols[6].endswith("ps"):
                slack /= 1000.0
            elif not cols[6].endswith("ns"):
                continue
            out[_README_ROWS[cols[0]]] = {"nand2_area": float(cols[2]), "cells": int(cols[3]),
                                          "area": float(cols[4]), "slack_ns": slack}
    return out


def block_of(instance: str) -> str:
    """The hierarchy path of a flattened instance name (``core.lanes.x`` -> ``core.lanes``;
    ``""`` for top-level cells)."""
    return instance.rpartition(".")[0]


def cg_handoff(buffer_cell: str, buffer_in: str, buffer_out: str, depth: int) -> str:
    """A register on the free clock and one behind a clock gate whose enable is the first
    register's bit 0, so the gate opens every other cycle and the gated register captures
    the odd values from before each edge. The gate's clock comes through a chain of
    ``depth`` kept library buffers, as a clock tree puts them in front of a gate; the
    enable's flop has the clock directly."""
    taps = ["clk"] + [f"c[{k}]" for k in range(depth)]
    chain = "\n".join(f"  (* keep *) {buffer_cell} u_b{k} (.{buffer_in}({taps[k]}), "
                      f".{buffer_out}({taps[k + 1]}));" for k in range(depth))
    return f"""
module cg_handoff (input clk, input rst, output reg [7:0] free, output reg [7:0] gated);
  wire gclk;
  wire [{depth - 1}:0] c;
{chain}
  sparrow_clock_gate u_cg (.clk({taps[-1]}), .en(free[0] | rst), .gclk(gclk));
  always @(posedge clk) if (rst) free <= 8'd0; else free <= free + 8'd1;
  always @(posedge gclk) if (rst) gated <= 8'd0; else gated <= free;
endmodule
"""


# 10 ns clock; checked at every falling edge after reset, and what a process reads right at
# a rising edge must be the value from before it (as at RTL, and as the cocotb monitors read
# results and counters).
CG_HANDOFF_TESTBENCH = """
`timescale 1ns/1ps
module tb;
  reg clk = 1'b0, rst = 1'b1;
  wire [7:0] free, gated;
  reg [7:0] before, at_edge, expected;
  integer i, errors = 0;
  cg_handoff dut (.clk(clk), .rst(rst), .free(free), .gated(gated));
  always #5 clk = ~clk;
  initial begin
    @(negedge clk); @(negedge clk); rst = 1'b0;
    @(negedge clk); @(negedge clk); @(negedge clk);
    for (i = 0; i < 20; i = i + 1) begin
      before = free;
      @(posedge clk) at_edge = free;
      @(negedge clk);
      expected = (free - 8'd1) & 8'd1 ? free - 8'd1 : free - 8'd2;
      if (gated !== expected || at_edge !== before) begin
        errors = errors + 1;
        if (errors < 5) $display("MISMATCH cycle %0d: free %h gated %h (expected %h) at edge %h before %h",
                                 i, free, gated, expected, at_edge, before);
      end
    end
    if (errors == 0) $display("PASS handoff"); else $display("FAIL %0d errors", errors);
    $finish;
  end
endmodule
"""


def idle_moving_nets(run_dir: Path) -> dict[str, int]:
    """The nets that toggle in a flow run's idle window (name -> transitions), after checking
    that each is a clock net (the root, the trees' buffers above the gates, the gates'
    inverted clocks) moving twice a cycle: between inferences nothing else may move."""
    from sparrow.flow.steps.simulation import IDLE_CYCLES
    from sparrow.power import Activity

    idle = Activity.from_counts(Path(run_dir) / "06-cocotb-gate_sim" / "idle_activity.tsv")
    moving = {name: int(idle.transitions[i]) for name, i in idle.names.items()
              if idle.transitions[i]}
    assert "clk" in moving and len(moving) > 1
    for name, n in moving.items():
        assert name == "clk" or name.startswith("sparrow_cts.") or "clock_gate." in name, name
        assert n == 2 * IDLE_CYCLES, name
    return moving
