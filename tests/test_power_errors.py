"""Bad inputs to the power engine give one clear SparrowError, never a traceback."""

import gzip
import shutil
from pathlib import Path

import pytest

from sparrow.errors import SparrowError, ToolError
from sparrow.power import (Activity, ActivityError, LibertyError, NetlistError, Vectorless,
                           compute_power, load_liberty, read_vcd)
from sparrow.power.opensta import run_opensta_power

REFERENCE = Path(__file__).resolve().parents[1] / ".." / "shared" / "power-reference"
SMALL = REFERENCE / "case_small"

NO_POWER_LIBERTY = """
library (nopower) {
  time_unit : "1ns"; voltage_unit : "1V"; capacitive_load_unit (1, pf);
  leakage_power_unit : "1nW"; nom_voltage : 1.8;
  cell (INV) {
    area : 1; cell_leakage_power : 1;
    pin (A) { direction : input; capacitance : 0.01; }
    pin (Y) { direction : output; function : "!A"; }
  }
}
"""


def one_line(error: Exception) -> str:
    text = str(error)
    assert isinstance(error, SparrowError)
    assert "\n" not in text and "Traceback" not in text
    return text


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SPARROW_CACHE_DIR", str(tmp_path / "cache"))


def test_missing_liberty(tmp_path):
    with pytest.raises(LibertyError) as error:
        load_liberty([tmp_path / "nowhere.lib"])
    assert "not found" in one_line(error.value)


def test_liberty_without_internal_power(tmp_path):
    path = tmp_path / "nopower.lib"
    path.write_text(NO_POWER_LIBERTY)
    with pytest.raises(LibertyError) as error:
        load_liberty([path])
    text = one_line(error.value)
    assert "no internal_power" in text and "characterised for power" in text


def test_liberty_syntax_error(tmp_path):
    path = tmp_path / "broken.lib"
    path.write_text(NO_POWER_LIBERTY[:200])
    with pytest.raises(LibertyError) as error:
        load_liberty([path])
    assert "broken.lib" in one_line(error.value)


def test_truncated_gzip_vcd(tmp_path):
    data = (SMALL / "activity.vcd.gz").read_bytes()
    path = tmp_path / "cut.vcd.gz"
    path.write_bytes(data[:len(data) // 2])
    with pytest.raises(ActivityError) as error:
        read_vcd(path, "tb/dut")
    assert "truncated" in one_line(error.value)


def test_corrupt_vcd_body(tmp_path):
    path = tmp_path / "bad.vcd"
    path.write_text("$timescale 1ns $end\n$scope module dut $end\n$var wire 1 ! a $end\n"
                    "$upscope $end\n$enddefinitions $end\n#0\n0!\n#5\nq!\n#10\n")
    with pytest.raises(ActivityError) as error:
        read_vcd(path, "dut")
    assert "unexpected VCD token 'q!'" in one_line(error.value)


def test_vcd_cut_inside_its_header(tmp_path):
    text = gzip.decompress((SMALL / "activity.vcd.gz").read_bytes())[:3000]
    path = tmp_path / "head.vcd"
    path.write_bytes(text)
    with pytest.raises(ActivityError) as error:
        read_vcd(path, "tb/dut")
    assert "$enddefinitions" in one_line(error.value)


def test_scope_not_in_vcd():
    with pytest.raises(ActivityError) as error:
        compute_power(SMALL / "netlist.v", vcd=SMALL / "activity.vcd.gz", scope="tb/core",
                      clock_period_ns=250)
    text = one_line(error.value)
    assert "'tb/core' not found" in text and "tb/dut" in text


def test_netlist_with_unmapped_cells(tmp_path):
    path = tmp_path / "rtlish.v"
    path.write_text("module top(a, b, y);\n  input a, b;\n  output y;\n"
                    "  \\$_AND_  g1 (.A(a), .B(b), .Y(y));\n"
                    "  \\$_AND_  g2 (.A(a), .B(y), .Y());\n"
                    "  INVX1 u1 (.A(a), .Y());\nendmodule\n")
    with pytest.raises(NetlistError) as error:
        compute_power(path, activity=Vectorless(), clock_period_ns=250)
    text = one_line(error.value)
    assert "$_AND_ (2)" in text and "INVX1" not in text


def test_behavioural_netlist(tmp_path):
    path = tmp_path / "rtl.v"
    path.write_text("module top(clk, q);\n  input clk;\n  output q;\n  reg q;\n"
                    "  always @(posedge clk) q <= ~q;\nendmodule\n")
    with pytest.raises(NetlistError) as error:
        compute_power(path, activity=Vectorless(), clock_period_ns=250)
    assert "behavioural 'always'" in one_line(error.value)


def test_missing_netlist_and_bad_arguments(tmp_path):
    with pytest.raises(NetlistError) as error:
        compute_power(tmp_path / "none.v", activity=Vectorless(), clock_period_ns=250)
    one_line(error.value)
    with pytest.raises(SparrowError):
        compute_power(SMALL / "netlist.v", activity=Vectorless(), clock_period_ns=0)
    with pytest.raises(SparrowError):
        compute_power(SMALL / "netlist.v", clock_period_ns=250)
    with pytest.raises(ActivityError):
        Vectorless(activity=0.1, duty=1.5)


def test_missing_opensta_names_the_package(tmp_path):
    with pytest.raises(ToolError) as error:
        run_opensta_power(SMALL / "netlist.v", [tmp_path / "x.lib"], "small_top",
                          clock_port="clk", clock_period_ns=250, sta="sta-not-installed")
    assert "apt-get install opensta" in one_line(error.value)


def test_debian_opensta_reproduces_its_recorded_report(tmp_path):
    """Debian's sta (a real tool; the test fails with an install hint if it is missing) on
    case_small gives the figures recorded in debian2019_vectorless.json."""
    import json
    recorded = json.loads((SMALL / "debian2019_vectorless.json").read_text())
    liberty = load_liberty().files[0]
    shutil.copy(SMALL / "netlist.v", tmp_path / "netlist.v")
    run = run_opensta_power(tmp_path / "netlist.v", [liberty], "small_top",
                            clock_port="clk", clock_period_ns=250, mode="global")
    expected = recorded["also_global_activity_0.1"]
    assert run.total.internal_w == pytest.approx(expected["internal_W"], rel=1e-5)
    assert run.total.switching_w == pytest.approx(expected["switching_W"], rel=1e-5)
    assert run.total.leakage_w == pytest.approx(expected["leakage_W"], rel=1e-5)
    assert run.report_seconds > 0 and run.run_seconds >= run.report_seconds


@pytest.mark.parametrize("text, message", [
    ("$date\n", "not a toggle-count file"),
    ("# sparrow activity counts 1\nprecision\t-12\nwindow\t5\t5\nscope\tx\n", "empty window"),
    ("# sparrow activity counts 1\nprecision\t-12\nwindow\t0\t9\nscope\tx\nclk\tmany\t3\n",
     "malformed toggle counts"),
    ("# sparrow activity counts 1\nwindow\t0\t9\nprecision\t-12\nscope\tx\n",
     "malformed toggle counts"),
])
def test_bad_toggle_counts(text, message, tmp_path):
    path = tmp_path / "counts.tsv"
    path.write_text(text)
    with pytest.raises(ActivityError, match=message):
        Activity.from_counts(path)
    with pytest.raises(ActivityError, match="cannot read toggle counts"):
        Activity.from_counts(tmp_path / "missing.tsv")


def test_toggle_counts_units(tmp_path):
    """Ticks of 100 ps (precision -10), window 10 ns: duty = ticks at 1 / window ticks."""
    path = tmp_path / "counts.tsv"
    path.write_text("# sparrow activity counts 1\nprecision\t-10\nwindow\t100\t200\n"
                    "scope\ttb.dut\nclk\t20.0\t50\nq[3]\t1.5\t0\n")
    activity = Activity.from_counts(path)
    assert activity.window_s == pytest.approx(10e-9, rel=1e-15)
    assert activity.names == {"clk": 0, "q[3]": 1}
    assert list(activity.transitions) == [20.0, 1.5]
    assert list(activity.duty) == pytest.approx([0.5, 0.0])
