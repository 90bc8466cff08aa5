"""Structural Verilog reading (escaped names, selects, assigns, constants, hierarchy) and
attribution of power to blocks."""

import re
from pathlib import Path

import pytest

from sparrow.errors import NetlistError
from sparrow.power import Vectorless, compute_power, load_liberty, read_netlist
from sparrow.power.link import link_design

REFERENCE = Path(__file__).resolve().parents[1] / ".." / "shared" / "power-reference"

FLAT = r"""
/* a comment */ module top(clk, a, y, z);
  input clk;
  input [1:0] a;
  output [1:0] y;
  output z;
  wire [1:0] \u0.n ;
  wire _1_;
  wire [3:0] bus;
  INVX1 _2_ (.A(a[0]), .Y(\u0.n [0]));
  INVX1 \u0.inv1  (.A(a[1]), .Y(\u0.n [1]));
  NAND2X1 _3_ (.A(\u0.n [0]), .B(bus[2]), .Y(_1_));
  DFFPOSX1 _4_ (.CLK(clk), .D(_1_), .Q(z));
  NAND2X1 _5_ (.A(1'h1), .B(a[0]), .Y(y[1]));
  assign { bus[3:2], y[0] } = { \u0.n [1], 1'b0, _1_ };
  assign bus[1:0] = 2'bx1;
endmodule
"""

HIER = r"""
module cellpair(i, o, clk);
  input i, clk;
  output o;
  wire m;
  INVX1 g1 (.A(i), .Y(m));
  DFFPOSX1 r (.CLK(clk), .D(m), .Q(o));
endmodule
module top(clk, a, y);
  input clk;
  input a;
  output y;
  wire t;
  cellpair u0 (.i(a), .o(t), .clk(clk));
  cellpair u1 (.i(t), .o(y), .clk(clk));
endmodule
"""

HIER_FLAT = r"""
module top(clk, a, y);
  input clk;
  input a;
  output y;
  wire t, m0, m1;
  INVX1 g1a (.A(a), .Y(m0));
  DFFPOSX1 ra (.CLK(clk), .D(m0), .Q(t));
  INVX1 g1b (.A(t), .Y(m1));
  DFFPOSX1 rb (.CLK(clk), .D(m1), .Q(y));
endmodule
"""


def test_flat_netlist_nets_assigns_and_constants(tmp_path):
    path = tmp_path / "flat.v"
    path.write_text(FLAT)
    netlist = read_netlist(path)
    assert netlist.top == "top"
    names = {inst.name: inst for inst in netlist.instances}
    assert set(names) == {"_2_", "u0.inv1", "_3_", "_4_", "_5_"}

    def net_of(name):
        return next(i for i, n in enumerate(netlist.net_names) if name in n)

    # assign {bus[3:2], y[0]} = {u0.n[1], 1'b0, _1_}: bus[3] = u0.n[1], bus[2] = 0, y[0] = _1_
    assert net_of("bus[3]") == net_of("u0.n[1]")
    assert net_of("y[0]") == net_of("_1_")
    assert netlist.net_constant[net_of("bus[2]")] == "0"
    assert netlist.net_constant[net_of("bus[0]")] == "1"      # 2'bx1: bit 0 is 1, bit 1 x
    assert net_of("bus[1]") not in netlist.net_constant
    assert names["_5_"].pins["A"] == "1"
    assert names["_3_"].pins["B"] == net_of("bus[2]")
    ports = {p.name: p.direction for p in netlist.ports}
    assert ports == {"clk": "input", "a[1]": "input", "a[0]": "input", "y[1]": "output",
                     "y[0]": "output", "z": "output"}
    design = link_design(netlist, load_liberty())
    assert design.clock_port == "clk"
    # NAND2 with B tied to 0 through bus[2] is the constant 1 (OpenSTA's Sim does the same).
    assert design.net_constant[net_of("_1_")] == 1


def test_hierarchy_is_flattened_like_the_flat_equivalent(tmp_path):
    (tmp_path / "hier.v").write_text(HIER)
    (tmp_path / "flat.v").write_text(HIER_FLAT)
    netlist = read_netlist(tmp_path / "hier.v")
    assert netlist.top == "top"
    assert sorted(i.name for i in netlist.instances) == ["u0/g1", "u0/r", "u1/g1", "u1/r"]
    library = load_liberty()
    spec = Vectorless(0.2, 0.5, "input")
    hier = compute_power(tmp_path / "hier.v", library, activity=spec, clock_period_ns=100)
    flat = compute_power(tmp_path / "flat.v", library, activity=spec, clock_period_ns=100)
    assert hier.total_w == pytest.approx(flat.total_w, rel=1e-12)
    assert hier.internal_total_w == pytest.approx(flat.internal_total_w, rel=1e-12)
    blocks = hier.by_block({"first": ["u0/"], "second": ["u1/"]})
    assert blocks["first"].instances == 2 and blocks["second"].instances == 2
    assert blocks["other"].instances == 0


def test_blocks_partition_the_total():
    case = REFERENCE / "case_array4"
    report = compute_power(case / "netlist.v", activity=Vectorless(0.1, 0.5, "global"),
                           clock_period_ns=250)
    blocks = report.by_block({"u0": ["u0."], "u1": ["u1."], "u2": ["u2."],
                              "u3": [re.compile(r"^u3\.")]})
    assert sum(b.total_w for b in blocks.values()) == pytest.approx(report.total_w, rel=1e-12)
    assert sum(b.instances for b in blocks.values()) == len(report.instances)
    # Each neuron owns at least its 16 x 8 weight flip-flops (outputs u<i>.mem[...]).
    for name in ("u0", "u1", "u2", "u3"):
        assert blocks[name].instances >= 128
    with pytest.raises(ValueError):
        report.by_block({"other": ["x"]})


def test_instance_table_is_written_atomically(tmp_path):
    case = REFERENCE / "case_small"
    report = compute_power(case / "netlist.v", activity=Vectorless(0.1, 0.5, "global"),
                           clock_period_ns=250)
    path = tmp_path / "instances.tsv"
    report.write_instance_table(path)
    lines = path.read_text().splitlines()
    assert lines[0].split("\t") == ["instance", "cell", "group", "internal_W", "switching_W",
                                    "leakage_W", "total_W"]
    assert len(lines) == 1 + len(report.instances)
    total = sum(float(line.split("\t")[-1]) for line in lines[1:])
    assert total == pytest.approx(report.total_w, rel=1e-5)
    assert [p.name for p in tmp_path.iterdir()] == ["instances.tsv"]


GATED = r"""
module top(clk, en, d, q);
  input clk, en, d;
  output q;
  wire clk_n, en_l, gclk;
  INVX1 inv (.A(clk), .Y(clk_n));
  LATCH lat (.CLK(clk_n), .D(en), .Q(en_l));
  AND2X1 gate (.A(clk), .B(en_l), .Y(gclk));
  DFFPOSX1 r (.CLK(gclk), .D(d), .Q(q));
endmodule
"""


def test_clock_gate_cells_form_the_clock_group(tmp_path):
    """A latch + AND clock gate: the inverter and the AND drive only clock nets (OpenSTA's
    Clock group); clock-network pins have the ideal clock's slew (0) for power."""
    (tmp_path / "gated.v").write_text(GATED)
    library = load_liberty()
    report = compute_power(tmp_path / "gated.v", library, activity=Vectorless(0.1, 0.5),
                           clock_period_ns=250)
    group = dict(zip(report.instances, report.groups_of))
    assert group == {"inv": "Clock", "gate": "Clock", "lat": "Sequential", "r": "Sequential"}
    assert report.groups["Clock"].internal_w > 0
    from sparrow.power.slew import compute_slews
    design = link_design(read_netlist(tmp_path / "gated.v"), library)
    slews = compute_slews(design)
    by_label = {design.pin_label(p): slews.pin[p] for p in range(design.pin_count)}
    assert list(by_label["r/CLK"]) == [0.0, 0.0]
    assert list(by_label["gate/B"]) != [0.0, 0.0]       # the latched enable is data


def test_comments_attributes_and_spaced_constants_change_nothing(tmp_path):
    """The tokenizer drops comments and ``(* attributes *)`` wherever they stand, and a sized
    constant may have spaces around its base (``2 'b x1``)."""
    (tmp_path / "plain.v").write_text(FLAT)
    noisy = (FLAT.replace("INVX1 _2_ (", "(* keep *) INVX1 _2_ /* inline */ (")
             .replace(".B(bus[2])", ". B ( bus [ 2 ] ) // trailing\n")
             .replace("2'bx1", "2 'b x1"))
    assert noisy != FLAT
    (tmp_path / "noisy.v").write_text(noisy)
    plain, other = read_netlist(tmp_path / "plain.v"), read_netlist(tmp_path / "noisy.v")
    assert other.net_names == plain.net_names
    assert other.net_constant == plain.net_constant
    assert other.instances == plain.instances


def test_errors_name_the_line_of_the_statement(tmp_path):
    """Errors found while flattening point at the statement's line."""
    path = tmp_path / "bad.v"
    path.write_text("module top(a, y);\n  input [1:0] a;\n  output y;\n  /* a\n comment */\n"
                    "  INVX1 u (.A(a[5]), .Y(y));\nendmodule\n")
    with pytest.raises(NetlistError, match=r"bad\.v:6: a\[5\] is outside the declared range"):
        read_netlist(path)
