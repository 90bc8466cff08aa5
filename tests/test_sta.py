"""OpenSTA timing: the power-reference netlists give the worst slack and critical path of
their reference_timing.txt; ps libraries are converted to ns; the SDC follows the request."""

from __future__ import annotations

import json
import re

import pytest

from flow_helpers import PDK_CHECK_DESIGN, POWER_REFERENCE, pdk_readme_figures, write
from sparrow.errors import SparrowError
from sparrow.sta import run_sta
from sparrow.synth import run_synthesis


def reference_paths(case: str) -> list[tuple[str, str, float]]:
    """(startpoint, endpoint, slack ns) of each path in the case's reference report."""
    text = (POWER_REFERENCE / case / "reference_timing.txt").read_text()
    blocks = re.split(r"(?=^Startpoint: )", text, flags=re.M)[1:]
    return [(re.search(r"^Startpoint: (\S+)", b, re.M).group(1),
             re.search(r"^Endpoint: (\S+)", b, re.M).group(1),
             float(re.search(r"(-?[0-9.]+)\s+slack \(", b).group(1))) for b in blocks]


@pytest.mark.parametrize("case", ["case_small", "case_array4",
                                  pytest.param("case_array16", marks=pytest.mark.slow)])
def test_reference_netlists_time_as_the_reference_report(case, tmp_path):
    ref = json.loads((POWER_REFERENCE / case / "case.json").read_text())
    result = run_sta(POWER_REFERENCE / case / "netlist.v", ref["top"], "osu018", tmp_path,
                     clock_port=ref["clock_port"], clock_period_ns=ref["clock_period_ns"])
    assert round(result.setup_ws_ns, 3) == ref["worst_slack_max_ns"]
    worst = min(reference_paths(case), key=lambda p: p[2])
    cp = result.critical_path
    assert (cp.startpoint, cp.endpoint, round(cp.slack_ns, 3)) == worst
    # fmax from the register-to-register paths (the worst of which this case reports too)
    ws = result.reg2reg_ws_ns if result.reg2reg_ws_ns is not None else result.setup_ws_ns
    assert result.reg2reg_ws_ns is None or result.reg2reg_ws_ns >= result.setup_ws_ns
    assert result.fmax_mhz == pytest.approx(1e3 / (ref["clock_period_ns"] - ws))
    assert result.unclocked_pins == 0
    sdc = result.sdc.read_text()
    assert f"create_clock -name clk -period {ref['clock_period_ns']} [get_ports {{clk}}]" in sdc


def test_resynthesized_reference_design_keeps_the_reference_slack(tmp_path):
    ref = json.loads((POWER_REFERENCE / "case_small" / "case.json").read_text())
    syn = run_synthesis([POWER_REFERENCE / "case_small" / "rtl.v"], ref["top"], "osu018",
                        tmp_path / "syn", hierarchy="flatten")
    result = run_sta(syn.netlist, ref["top"], "osu018", tmp_path / "sta")
    assert result.clock_period_ns == 250.0      # the default: 4 MHz
    assert round(result.setup_ws_ns, 3) == ref["worst_slack_max_ns"]


@pytest.mark.parametrize("library", ["gf180mcu_7t5v0", "ihp_sg13g2", "asap7_rvt"])
def test_check_design_slack_matches_the_pdk_readme(library, tmp_path):
    """The README's worst slack of its check design at 10 ns (asap7 in ps: converted)."""
    src = write(tmp_path, "x.v", PDK_CHECK_DESIGN)
    syn = run_synthesis([src], "x", library, tmp_path / "syn")
    result = run_sta(syn.netlist, "x", library, tmp_path / "sta", clock_period_ns=10.0)
    assert result.setup_ws_ns == pytest.approx(pdk_readme_figures()[library]["slack_ns"], abs=0.006)
    if library == "asap7_rvt":     # SDC in the library's ps
        assert "-period 10000 " in result.sdc.read_text()


def test_bad_requests_are_refused(tmp_path):
    net = POWER_REFERENCE / "case_small" / "netlist.v"
    with pytest.raises(SparrowError, match="no input port 'clock'"):
        run_sta(net, "small_top", "osu018", tmp_path, clock_port="clock")
    with pytest.raises(SparrowError, match="must be positive"):
        run_sta(net, "small_top", "osu018", tmp_path, clock_period_ns=0)
