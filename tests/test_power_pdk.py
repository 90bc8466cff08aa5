"""The four open libraries of ../shared/pdk load for power, with the group counts their
README lists, and a small netlist of IHP cells goes through the whole computation."""

import re
from pathlib import Path

import pytest

from sparrow.power import Vectorless, compute_power, load_liberty

PDK = Path(__file__).resolve().parents[1] / ".." / "shared" / "pdk"

# (files, cells, internal_power groups, leakage_power groups, time unit s, supply V)
LIBRARIES = {
    "ihp_sg13g2": (["ihp_sg13g2/sg13g2_stdcell_typ_1p20V_25C.lib"], 84, 499, 637, 1e-9, 1.2),
    "sky130hd": (["sky130hd/sky130_fd_sc_hd__tt_025C_1v80.lib.gz"], 428, 2477, 6244, 1e-9, 1.8),
    "gf180mcu_7t5v0": (["gf180mcu_7t5v0/gf180mcu_fd_sc_mcu7t5v0__tt_025C_5v00.lib.gz"],
                       229, 6656, 2996, 1e-9, 5.0),
    "asap7_rvt": ([f"asap7_rvt/asap7sc7p5t_{g}_RVT_TT_nldm.lib.gz"
                   for g in ("AO", "INVBUF", "OA", "SEQ", "SIMPLE")], 202, 24302, 17152,
                  1e-12, 0.7),
}


def check_library(name: str):
    files, cells, internal, leakage, time_unit, volt = LIBRARIES[name]
    paths = [PDK / f for f in files]
    for path in paths:
        assert path.is_file(), f"library data missing: {path}"
    library = load_liberty(paths)
    assert library.time_unit_s == time_unit
    names = library.cell_names()
    assert len(names) == cells
    groups = leaks = 0
    for cell_name in names:
        cell = library.cell(cell_name)
        groups += sum(len(p.internal_power) for p in cell.pins.values())
        leaks += len(cell.leakage_states)
        for pin in cell.pins.values():
            if pin.is_output:
                assert pin.voltage == pytest.approx(volt)
    assert (groups, leaks) == (internal, leakage)
    return library


def test_ihp_library_and_a_netlist_of_its_cells(tmp_path):
    library = check_library("ihp_sg13g2")
    text = (PDK / "ihp_sg13g2/sg13g2_stdcell_typ_1p20V_25C.lib").read_text()
    assert re.search(r'leakage_power_unit\s*:\s*"1pW"', text)
    body = text[text.index("cell (sg13g2_inv_1)"):]
    leakage = float(re.search(r"cell_leakage_power\s*:\s*([0-9.eE+-]+)", body).group(1))
    assert library.cell("sg13g2_inv_1").leakage == pytest.approx(leakage * 1e-12, rel=1e-12)
    # dfflibmap maps a plain flip-flop onto sg13g2_dfrbpq_1 with RESET_B tied high.
    (tmp_path / "ihp.v").write_text(
        "module top(clk, a, q);\n  input clk, a;\n  output q;\n  wire n1, n2;\n"
        "  sg13g2_inv_1 u1 (.A(a), .Y(n1));\n  sg13g2_nand2_1 u2 (.A(n1), .B(q), .Y(n2));\n"
        "  sg13g2_dfrbpq_1 r (.CLK(clk), .D(n2), .Q(q), .RESET_B(1'b1));\nendmodule\n")
    report = compute_power(tmp_path / "ihp.v", library, activity=Vectorless(0.2, 0.5),
                           clock_period_ns=10)
    assert report.clock_port == "clk"
    groups = report.groups
    assert groups["Sequential"].instances == 1 and groups["Combinational"].instances == 2
    assert groups["Sequential"].internal_w > 0 and groups["Combinational"].switching_w > 0
    assert report.leakage_total_w > 0


@pytest.mark.slow
@pytest.mark.parametrize("name", ["sky130hd", "gf180mcu_7t5v0", "asap7_rvt"])
def test_large_libraries_load(name):
    """Parsing takes up to a few minutes the first time (then the cache answers)."""
    check_library(name)
