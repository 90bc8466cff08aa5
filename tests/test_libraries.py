"""The library registry: the five libraries resolve with the figures and quirks their data
documents (../shared/pdk/README.md), map the check design as the README records, and missing
or bad libraries fail with a message saying what to do."""

from __future__ import annotations

import pytest

from flow_helpers import LIBRARIES, PDK_CHECK_DESIGN, SHARED, pdk_readme_figures, write
from sparrow.errors import SparrowError, ToolError
from sparrow.library import get_library, library_from_toml
from sparrow.synth import run_synthesis
from sparrow.library import registry as libs
from sparrow.library import scan_liberty


@pytest.mark.parametrize("name", LIBRARIES[1:])
def test_nand2_area_and_units_match_the_readme(name):
    lib = get_library(name)
    assert lib.nand2_area_um2 == pytest.approx(pdk_readme_figures()[name]["nand2_area"])
    assert lib.clock_gate_verilog is not None and lib.clock_gate_verilog.is_file()
    assert all(p.suffix == ".lib" for p in (lib.yosys_liberty, *lib.sta_liberty))


def test_osu018_is_the_default_from_debian():
    lib = get_library()
    assert lib.name == "osu018" and lib.yosys_liberty.name == "osu018_stdcells.lib"
    assert lib.nom_voltage_v == 1.8 and lib.time_unit_ns == 1.0
    assert lib.nand2_area_um2 == 24.0


def test_library_quirks_are_handled():
    asap7 = get_library("asap7_rvt")
    assert asap7.time_unit_ns == pytest.approx(1e-3) and asap7.nom_voltage_v == 0.7
    assert len(asap7.sta_liberty) == 5
    assert len(asap7.summary.cells) == 202          # README: 42 + 37 + 34 + 33 + 56 cells
    assert scan_liberty(asap7.sta_liberty[0]).cap_unit_f == pytest.approx(1e-15)
    assert any(m.name.endswith("_SEQ_RVT_TT_icarus.v") for m in asap7.cell_models)
    gf = get_library("gf180mcu_7t5v0")
    assert "clear : !" not in gf.yosys_liberty.read_text()        # quoted for Yosys
    assert "clear : !" in gf.sta_liberty[0].read_text()           # original for OpenSTA
    assert gf.operating_conditions == "gf180mcu_fd_sc_mcu7t5v0__tt_025C_5v00"
    assert get_library("gf180mcu_7t5v0_3v3").nom_voltage_v == 3.3
    sky = get_library("sky130hd")
    assert sky.operating_conditions == "tt_025C_1v80"
    assert {"-DFUNCTIONAL", "-DUNIT_DELAY=#1"} <= set(sky.iverilog_flags)   # 1 ns clock to Q
    assert sky.summary.cells["sky130_fd_sc_hd__lpflow_isobufsrc_1"].dont_use
    assert not sky.summary.cells["sky130_fd_sc_hd__nand2_1"].dont_use
    ihp = get_library("ihp_sg13g2")
    assert ihp.summary.cells["sg13g2_lgcp_1"].dont_use           # marked by IHP itself


@pytest.mark.parametrize("name", ["gf180mcu_7t5v0", "ihp_sg13g2", "asap7_rvt"])
def test_check_design_maps_as_the_readme_records(name, tmp_path):
    fig = pdk_readme_figures()[name]
    result = run_synthesis([write(tmp_path, "x.v", PDK_CHECK_DESIGN)], "x", name, tmp_path / "o")
    assert result.cells == fig["cells"]
    assert result.area_um2 == pytest.approx(fig["area"], abs=0.006)
    assert result.flipflops == 13


def test_sky130_keeps_dont_use_cells_out(tmp_path):
    result = run_synthesis([write(tmp_path, "x.v", PDK_CHECK_DESIGN)], "x", "sky130hd", tmp_path)
    # the README's unfiltered run picked lpflow_isobufsrc_1; the filtered copy must not
    assert not [c for c in result.cell_counts if "lpflow" in c or "probe" in c]
    assert result.flipflops == 13


def test_missing_data_folder_and_pdk_root_say_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setattr(libs, "_RESOLVED", {})
    monkeypatch.setenv("SPARROW_PDK_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(ToolError, match="set SPARROW_PDK_DIR"):
        get_library("ihp_sg13g2")
    monkeypatch.setenv("PDK_ROOT", str(tmp_path))
    with pytest.raises(ToolError, match="no sky130A under PDK_ROOT.*set PDK_ROOT"):
        get_library("sky130A")
    with pytest.raises(SparrowError, match="unknown library 'tsmc7'.*osu018"):
        get_library("tsmc7")


def test_osu018_missing_says_apt_get(monkeypatch, tmp_path):
    monkeypatch.setattr(libs, "_RESOLVED", {})
    monkeypatch.setattr(libs, "OSU018_DIR", tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))        # no dpkg to find it elsewhere
    with pytest.raises(ToolError, match="apt-get install qflow-tech-osu018"):
        get_library("osu018")


def test_sky130a_from_pdk_root(tmp_path, monkeypatch):
    """An open_pdks layout under PDK_ROOT (built from the shared sky130hd files)."""
    scl = tmp_path / "sky130A" / "libs.ref" / "sky130_fd_sc_hd"
    (scl / "lib").mkdir(parents=True)
    (scl / "verilog").mkdir()
    src = SHARED / "pdk" / "sky130hd"
    (scl / "lib" / "sky130_fd_sc_hd__tt_025C_1v80.lib.gz").symlink_to(
        (src / "sky130_fd_sc_hd__tt_025C_1v80.lib.gz").resolve())
    for f in ("primitives.v", "sky130_fd_sc_hd.v"):
        (scl / "verilog" / f).symlink_to((src / f).resolve())
    monkeypatch.setattr(libs, "_RESOLVED", {})
    monkeypatch.setenv("PDK_ROOT", str(tmp_path))
    lib = get_library("sky130A")
    assert lib.cell_library == "sky130_fd_sc_hd" and lib.nand2_area_um2 == pytest.approx(3.7536)
    assert [m.name for m in lib.cell_models] == ["primitives.v", "sky130_fd_sc_hd.v"]


def test_custom_library_from_toml(tmp_path):
    osu = get_library("osu018")
    good = write(tmp_path, "mine.toml", f'name = "mine"\nliberty = ["{osu.sta_liberty[0]}"]\n'
                                        f'cell_models = ["{osu.cell_models[0]}"]\n'
                                        'nand2_cell = "NAND2X1"\n')
    lib = library_from_toml(good)
    assert lib.name == "mine" and lib.nand2_area_um2 == 24.0 and lib.clock_gate_verilog is None
    result = run_synthesis([write(tmp_path, "x.v", PDK_CHECK_DESIGN)], "x", str(good), tmp_path / "o")
    assert result.flipflops == 13
    bad = write(tmp_path, "bad.toml", good.read_text() + 'voltage = 1.8\n')
    with pytest.raises(SparrowError, match="voltage: unknown field"):
        library_from_toml(bad)
    wrong = write(tmp_path, "wrong.toml", good.read_text().replace("NAND2X1", "NAND9"))
    with pytest.raises(SparrowError, match="NAND2 cell NAND9 is not in"):
        library_from_toml(wrong)
    missing = write(tmp_path, "missing.toml", 'name = "m"\nliberty = ["no.lib"]\n'
                                              'cell_models = []\nnand2_cell = "N"\n')
    with pytest.raises(ToolError, match="no.lib not found"):
        library_from_toml(missing)
