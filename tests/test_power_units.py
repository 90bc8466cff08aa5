"""Units and closed-form checks of the power engine.

* A synthetic liberty in ps / fF / pW with linear tables (so table interpolation is exact)
  and a two-cell netlist, against power computed by hand in this file.
* ASAP7 (ps, fF, pW) against numbers read from the liberty text with regular expressions.
* Table lookup (interpolation, linear extrapolation) and boolean probabilities against
  closed forms and brute-force enumeration.
"""

import gzip
import itertools
import re
from pathlib import Path

import numpy as np
import pytest

from sparrow.power import compute_power, load_liberty
from sparrow.power.boolean import parse_function
from sparrow.power.table import Table

PDK = Path(__file__).resolve().parents[1] / ".." / "shared" / "pdk"

UNIT_LIBERTY = """
library (unitlib) {
  delay_model : table_lookup;
  time_unit : "1ps";
  voltage_unit : "1V";
  leakage_power_unit : "1pW";
  capacitive_load_unit (1, ff);
  nom_voltage : 0.9;
  operating_conditions (tt) { process : 1; voltage : 0.7; temperature : 25; }
  default_operating_conditions : tt;
  lu_table_template (tr) {
    variable_1 : input_net_transition; variable_2 : total_output_net_capacitance;
    index_1 ("0, 100"); index_2 ("0, 10");
  }
  power_lut_template (en) {
    variable_1 : input_transition_time; variable_2 : total_output_net_capacitance;
    index_1 ("0, 100"); index_2 ("0, 10");
  }
  power_lut_template (pin_en) { variable_1 : input_transition_time; index_1 ("0, 100"); }
  cell (INV) {
    area : 1.5;
    cell_leakage_power : 100;
    pin (A) { direction : input; capacitance : 2; rise_capacitance : 2; fall_capacitance : 3; }
    pin (Y) {
      direction : output; function : "!A";
      timing () {
        related_pin : "A"; timing_sense : negative_unate;
        rise_transition (tr) { values ("10, 30", "20, 40"); }
        fall_transition (tr) { values ("5, 25", "15, 35"); }
      }
      internal_power () {
        related_pin : "A";
        rise_power (en) { values ("1, 2", "3, 4"); }
        fall_power (en) { values ("2, 4", "6, 8"); }
      }
    }
  }
  cell (BUF) {
    area : 2;
    leakage_power () { when : "A"; value : 50; }
    leakage_power () { when : "!A"; value : 150; }
    pin (A) {
      direction : input; capacitance : 4; rise_capacitance : 4; fall_capacitance : 5;
      internal_power () {
        rise_power (pin_en) { values ("0.5, 1.5"); }
        fall_power (pin_en) { values ("0.5, 1.5"); }
      }
    }
    pin (Y) {
      direction : output; function : "A";
      timing () {
        related_pin : "A"; timing_sense : positive_unate;
        rise_transition (tr) { values ("10, 30", "20, 40"); }
        fall_transition (tr) { values ("5, 25", "15, 35"); }
      }
      internal_power () {
        related_pin : "A";
        rise_power (en) { values ("1, 2", "3, 4"); }
        fall_power (en) { values ("2, 4", "6, 8"); }
      }
    }
  }
}
"""

UNIT_NETLIST = """
module top(a, y);
  input a;
  output y;
  wire n1;
  INV u1 (.A(a), .Y(n1));
  BUF u2 (.A(n1), .Y(y));
endmodule
"""


def unit_vcd() -> str:
    """a toggles at 10, 20, ..., 80 ns; n1 = !a and y = n1; window 0..100 ns. Only nets are
    dumped (no cell scopes), so pins take their net's activity."""
    lines = ["$timescale 1ns $end", "$scope module tb $end", "$scope module dut $end",
             "$var wire 1 ! a $end", "$var wire 1 \" n1 $end", "$var wire 1 # y $end",
             "$upscope $end", "$upscope $end", "$enddefinitions $end", "#0", "$dumpvars",
             "0!", "1\"", "1#", "$end"]
    for k in range(1, 9):
        a = k % 2
        lines += [f"#{10 * k}", f"{a}!", f"{1 - a}\"", f"{1 - a}#"]
    lines.append("#100")
    return "\n".join(lines) + "\n"


@pytest.fixture()
def unit_case(tmp_path, monkeypatch):
    monkeypatch.setenv("SPARROW_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "unit.lib").write_text(UNIT_LIBERTY)
    (tmp_path / "top.v").write_text(UNIT_NETLIST)
    (tmp_path / "a.vcd").write_text(unit_vcd())
    return tmp_path


def test_synthetic_fF_ps_pW_library_matches_hand_computation(unit_case):
    report = compute_power(unit_case / "top.v", [unit_case / "unit.lib"], "top",
                           vcd=unit_case / "a.vcd", scope="tb/dut", clock_period_ns=10.0)
    fJ, fF, pW = 1e-15, 1e-15, 1e-12
    volt = 0.7                       # default operating conditions, not nom_voltage
    density = 8 / 100e-9             # 8 transitions in 100 ns on every net
    # u1 drives n1, loaded by u2/A: 4 fF rising, 5 fF falling; power uses the larger.
    u1_switching = 0.5 * 5 * fF * volt ** 2 * density
    # u1 is negative unate: output rise uses the input's fall slew (0 at a primary input).
    # rise_power = 1 + 0.02 s + 0.1 c, fall_power = 2 + 0.04 s + 0.2 c (fJ, s in ps, c in fF)
    u1_energy = 0.5 * ((1 + 0.1 * 5) + (2 + 0.2 * 5)) * fJ
    u1_internal = u1_energy * density
    # n1 slews: rise 10 + 0.1*0 + 2*4 = 18 ps, fall 5 + 0.1*0 + 2*5 = 15 ps.
    u2_out_energy = 0.5 * ((1 + 0.02 * 18) + (2 + 0.04 * 15)) * fJ     # y has no load
    u2_in_energy = 0.5 * ((0.5 + 0.01 * 18) + (0.5 + 0.01 * 15)) * fJ
    u2_internal = (u2_out_energy + u2_in_energy) * density
    # duty(n1) = 0.6: leakage 50 pW when A (n1) is 1, 150 pW otherwise.
    u2_leakage = (50 * 0.6 + 150 * 0.4) * pW
    expected = {
        "internal": [u1_internal, u2_internal],
        "switching": [u1_switching, 0.0],
        "leakage": [100 * pW, u2_leakage],
    }
    for kind, values in expected.items():
        got = getattr(report, f"{kind}_w")
        assert got == pytest.approx(values, rel=1e-9, abs=1e-24), kind
    assert report.annotated_fraction == 1.0      # through the nets' signals
    window = 100e-9
    assert report.window_s == pytest.approx(window)
    assert report.energy_j == pytest.approx(
        8 * (u1_energy + u2_out_energy + u2_in_energy) + 8 * 0.5 * 5 * fF * volt ** 2
        + (100 * pW + u2_leakage) * window, rel=1e-9)
    assert report.groups["Combinational"].total_w == pytest.approx(report.total_w)


def test_synthetic_library_slews(unit_case):
    from sparrow.power.link import link_design
    from sparrow.netlist import read_netlist
    from sparrow.power.slew import compute_slews
    design = link_design(read_netlist(unit_case / "top.v"),
                         load_liberty([unit_case / "unit.lib"]))
    slews = compute_slews(design)
    by_label = {design.pin_label(p): slews.pin[p] for p in range(design.pin_count)}
    ps = 1e-12
    assert by_label["u1/A"] == pytest.approx([0.0, 0.0])
    assert by_label["u1/Y"] == pytest.approx([18 * ps, 15 * ps])
    assert by_label["u2/A"] == pytest.approx([18 * ps, 15 * ps])
    # y has no load: rise 10 + 0.1*18, fall 5 + 0.1*15 (ps)
    assert by_label["u2/Y"] == pytest.approx([11.8 * ps, 6.5 * ps])


def _asap7_simple() -> Path:
    path = PDK / "asap7_rvt" / "asap7sc7p5t_SIMPLE_RVT_TT_nldm.lib.gz"
    assert path.is_file(), f"library data missing: {path}"
    return path


def test_asap7_units_follow_the_liberty_text():
    """ASAP7 is in ps, fF and pW: values after loading equal the text's numbers x unit."""
    path = _asap7_simple()
    text = gzip.decompress(path.read_bytes()).decode()
    assert re.search(r'time_unit\s*:\s*"1ps"', text)
    assert re.search(r"capacitive_load_unit\s*\(\s*1(\.0*)?\s*,\s*\"?ff\"?\s*\)", text, re.I)
    assert re.search(r'leakage_power_unit\s*:\s*"1pW"', text)
    cell_name = "AND2x2_ASAP7_75t_R"
    body = text[text.index(f"cell ({cell_name})"):]
    body = body[:body.index("  cell (", 10)]
    pin_a = body[body.index("pin (A)"):]
    cap = float(re.search(r"\bcapacitance\s*:\s*([0-9.eE+-]+)", pin_a).group(1))
    leak = re.search(r"leakage_power\s*\(\)\s*\{\s*value\s*:\s*([0-9.eE+-]+)\s*;\s*"
                     r"when\s*:\s*\"([^\"]+)\"", body)
    first_row = r"values\s*\(\s*\\?\s*\"([^\"]+)\""
    transition = re.search(r"rise_transition\s*\(\w+\)\s*\{\s*index_1\s*\(\"([^\"]+)\"\);\s*"
                           r"index_2\s*\(\"([^\"]+)\"\);\s*" + first_row, body)
    power = re.search(r"internal_power\s*\(\)\s*\{[^{]*?rise_power\s*\(\w+\)\s*\{\s*"
                      r"index_1\s*\(\"([^\"]+)\"\);\s*index_2\s*\(\"([^\"]+)\"\);\s*"
                      + first_row, body, re.S)
    assert leak and transition and power
    when = re.sub(r"\s+", "", leak.group(2))

    library = load_liberty([path])
    assert library.time_unit_s == 1e-12
    cell = library.cell(cell_name)
    assert cell.pins["A"].capacitance_rise == pytest.approx(cap * 1e-15, rel=1e-12)
    # Each state has a VDD group (the leakage) and a VSS group (0 pW): sum them.
    states: dict[str, float] = {}
    for w, v in cell.leakage_states:
        if w is not None:
            states[re.sub(r"\s+", "", w.text)] = states.get(re.sub(r"\s+", "", w.text), 0) + v
    assert states[when] == pytest.approx(float(leak.group(1)) * 1e-12, rel=1e-12)
    arc = cell.pins["Y"].timing[0]
    first_index = [float(x) for x in transition.group(1).split(",")]
    first_row = [float(x) for x in transition.group(3).split(",")]
    table = arc.rise_transition
    slew_axis = table.axes[table.quantities.index("slew")]
    assert slew_axis == pytest.approx(np.array(first_index) * 1e-12, rel=1e-12)
    assert table.values.reshape(-1)[:len(first_row)] == pytest.approx(
        np.array(first_row) * 1e-12, rel=1e-12)
    energy = cell.pins["Y"].internal_power[0].rise
    first_power_row = [float(x) for x in power.group(3).split(",")]
    # Energy unit = capacitance unit x voltage unit squared = fF x V^2 = fJ.
    assert energy.values.reshape(-1)[:len(first_power_row)] == pytest.approx(
        np.array(first_power_row) * 1e-15, rel=1e-12)
    assert cell.pins["Y"].voltage == pytest.approx(0.7)


def test_table_interpolates_and_extrapolates_linearly():
    # f(s) = s^2 sampled at 0, 1, 2: linear inside each segment, extended from the edge.
    table = Table(quantities=("slew",), axes=(np.array([0.0, 1.0, 2.0]),),
                  values=np.array([0.0, 1.0, 4.0]))
    assert table.lookup(0.5, 0.0) == pytest.approx(0.5)
    assert table.lookup(1.5, 0.0) == pytest.approx(2.5)
    assert table.lookup(3.0, 0.0) == pytest.approx(7.0)      # 4 + (3-2) * 3, not clipped
    assert table.lookup(-1.0, 0.0) == pytest.approx(-1.0)    # 0 + (-1) * 1
    # Bilinear f = s * c is reproduced exactly, also outside the grid.
    s_axis, c_axis = np.array([1.0, 2.0, 4.0]), np.array([10.0, 20.0])
    grid = Table(quantities=("slew", "load"), axes=(s_axis, c_axis),
                 values=np.outer(s_axis, c_axis))
    s = np.array([1.5, 3.0, 5.0, 0.5])
    c = np.array([12.0, 15.0, 25.0, 5.0])
    assert grid.lookup(s, c) == pytest.approx(s * c)
    # A single-point axis does not interpolate; a scalar table is a constant.
    flat = Table(quantities=("load", "slew"), axes=(np.array([1.0]), np.array([0.0, 2.0])),
                 values=np.array([[1.0, 3.0]]))
    assert flat.lookup(1.0, 99.0) == pytest.approx(2.0)
    assert Table((), (), np.array([7.0])).lookup(5.0, 5.0) == pytest.approx(7.0)


@pytest.mark.parametrize("text", ["(A B)+C", "!(A+B)^C", "(!((S A) + (!S B)))",
                                  "A^B^C", "(A B) + (B C) + (C A)", "A'", "1", "!D&R"])
def test_probabilities_match_enumeration(text):
    function = parse_function(text)
    names = function.variables
    rng = np.random.default_rng(5)
    duty = rng.random((4, len(names)))

    def value(assign):
        expr = text
        # Evaluate through an independent Python translation of the liberty syntax.
        expr = re.sub(r"([A-Za-z_]\w*)'", r"!\1", expr)
        expr = re.sub(r"([A-Za-z_]\w*|\))\s+(?=[A-Za-z_(!])", r"\1 & ", expr)
        expr = expr.replace("!", " not ").replace("&", " and ").replace("+", " or ")
        expr = expr.replace("^", " ^ ")
        env = {n: int(v) for n, v in assign.items()}
        return bool(eval(expr, {}, env)) if expr.strip() not in ("0", "1") else expr == "1"
    for row in range(duty.shape[0]):
        p_one = 0.0
        sens = {n: 0.0 for n in names}
        for bits in itertools.product([0, 1], repeat=len(names)):
            assign = dict(zip(names, bits))
            weight = np.prod([duty[row, j] if b else 1 - duty[row, j]
                              for j, b in enumerate(bits)])
            p_one += weight * value(assign)
            for j, n in enumerate(names):
                if bits[j] == 0:
                    flipped = dict(assign, **{n: 1})
                    other = np.prod([duty[row, k] if b else 1 - duty[row, k]
                                     for k, b in enumerate(bits) if k != j])
                    sens[n] += other * (value(assign) != value(flipped))
        assert function.probability(duty[row:row + 1])[0] == pytest.approx(p_one)
        for n in names:
            assert function.sensitivity(n, duty[row:row + 1])[0] == pytest.approx(sens[n])


def test_xor_binds_tighter_than_and():
    function = parse_function("A B ^ C")     # OpenSTA: A & (B ^ C)
    truth = {bits: bool(function.truth[bits[0] | bits[1] << 1 | bits[2] << 2])
             for bits in itertools.product([0, 1], repeat=3)}
    assert function.variables == ("A", "B", "C")
    for (a, b, c), v in truth.items():
        assert v == bool(a and (b ^ c))


def test_cofactor_sensitivity_of_a_mux_is_opensta_estimate():
    """OpenSTA 2.6 estimates P(f(S=1) xor f(S=0)) from the cofactors' duties as if they were
    independent: for Y = !(S A + !S B), f(S=1) = !A, f(S=0) = !B."""
    function = parse_function("(!((S A) + (!S B)))")
    pa, pb, ps = 0.3, 0.8, 0.4
    duty = np.array([[ps, pa, pb]])        # variables in order S, A, B
    high, low = 1 - pa, 1 - pb
    expected = high * (1 - low) + low * (1 - high)
    assert function.cofactor_sensitivity("S", duty)[0] == pytest.approx(expected)
    # For A the estimate is not exact, because S appears twice: f(A=1) = !(S + !S B) is
    # evaluated as (1 - pS)(1 - (1 - pS) pB), f(A=0) = !(!S B) as 1 - (1 - pS) pB.
    high = (1 - ps) * (1 - (1 - ps) * pb)
    low = 1 - (1 - ps) * pb
    assert function.cofactor_sensitivity("A", duty)[0] == pytest.approx(
        high * (1 - low) + low * (1 - high))
    assert function.sensitivity("A", duty)[0] == pytest.approx(ps)     # exact: P(S = 1)


def test_pins_missing_from_the_vcd_get_propagated_activity(unit_case):
    """Only the input a is dumped: n1 = !a and y = n1 get a's density and the right duty by
    propagation, so the power equals the fully dumped case."""
    full = compute_power(unit_case / "top.v", [unit_case / "unit.lib"], "top",
                         vcd=unit_case / "a.vcd", scope="tb/dut", clock_period_ns=10.0)
    text = unit_vcd()
    partial_text = "\n".join(line for line in text.splitlines()
                             if not (line.endswith('"') or line.endswith("#")
                                     or " \" " in line or " # " in line)) + "\n"
    (unit_case / "a_only.vcd").write_text(partial_text)
    partial = compute_power(unit_case / "top.v", [unit_case / "unit.lib"], "top",
                            vcd=unit_case / "a_only.vcd", scope="tb/dut", clock_period_ns=10.0)
    assert partial.annotated_pins == 1 and partial.total_pins == 4
    assert len(partial.unannotated) == 3 and "Warning: 3 cell pins" in partial.summary()
    for kind in ("internal_w", "switching_w", "leakage_w"):
        assert getattr(partial, kind) == pytest.approx(getattr(full, kind), rel=1e-9)
    assert partial.energy_j == pytest.approx(full.energy_j, rel=1e-9)
