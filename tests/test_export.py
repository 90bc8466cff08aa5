"""Exports: the SDC template and the LibreLane / OpenLane 2 config.json."""

from __future__ import annotations

import json
import os

import pytest

from flow_helpers import CG_COUNTER, PDK_CHECK_DESIGN, write
from sparrow.errors import SparrowError
from sparrow.export import render_sdc, write_librelane_config
from sparrow.sta import run_sta
from sparrow.synth import run_synthesis


def test_sdc_in_the_library_time_unit():
    ns = render_sdc(design="x", clock_port="clk", clock_period_ns=250, input_delay_ns=1.5)
    assert "create_clock -name clk -period 250 [get_ports {clk}]" in ns
    assert "set_input_delay 1.5 -clock clk" in ns and "set_output_delay 0 -clock clk" in ns
    ps = render_sdc(design="x", clock_port="clk", clock_period_ns=10, time_unit_ns=1e-3)
    assert "-period 10000 " in ps
    with pytest.raises(ValueError):
        render_sdc(design="x", clock_port="clk", clock_period_ns=-1)


def test_librelane_config_names_the_design_files_and_constraints(tmp_path):
    src = write(tmp_path, "cg.v", CG_COUNTER)
    out = tmp_path / "export"
    config_path, sdc_path = write_librelane_config(out, design_name="cg_counter",
                                                   verilog_files=[src], clock_period_ns=100)
    config = json.loads(config_path.read_text())
    assert config["DESIGN_NAME"] == "cg_counter" and config["CLOCK_PORT"] == "clk"
    assert config["CLOCK_PERIOD"] == 100 and config["PDK"] == "sky130A"
    assert config["STD_CELL_LIBRARY"] == "sky130_fd_sc_hd"
    assert config["PNR_SDC_FILE"] == config["SIGNOFF_SDC_FILE"] == "dir::cg_counter.sdc"
    files = [out / f.removeprefix("dir::") for f in config["VERILOG_FILES"]]
    assert all(f.resolve().is_file() for f in files)
    assert files[0].resolve() == src.resolve()
    # the design instantiates the clock gate: sky130's mapped gate (dlclkp) comes along
    assert files[1].name == "sky130_fd_sc_hd.v" and "dlclkp" in files[1].read_text()
    assert "-period 100 " in sdc_path.read_text()
    assert sorted(p.name for p in out.iterdir()) == ["cg_counter.sdc", "config.json"]


def test_exported_files_synthesize_and_time_on_sky130(tmp_path):
    """What the config lists is a complete design for sky130_fd_sc_hd; its SDC is the one
    Sparrow's own timing uses."""
    src = write(tmp_path, "cg.v", CG_COUNTER)
    out = tmp_path / "export"
    config_path, sdc_path = write_librelane_config(out, design_name="cg_counter",
                                                   verilog_files=[src])
    files = [out / f.removeprefix("dir::") for f in json.loads(config_path.read_text())["VERILOG_FILES"]]
    syn = run_synthesis(files[:1], "cg_counter", "sky130hd", tmp_path / "syn")
    assert syn.cell_counts["sky130_fd_sc_hd__dlclkp_1"] == 1
    sta = run_sta(syn.netlist, "cg_counter", "sky130hd", tmp_path / "sta")
    assert sta.sdc.read_text() == sdc_path.read_text()


def test_no_clock_gate_added_to_designs_without_one(tmp_path):
    src = write(tmp_path, "x.v", PDK_CHECK_DESIGN)
    config_path, _ = write_librelane_config(tmp_path / "e", design_name="x", verilog_files=[src])
    assert len(json.loads(config_path.read_text())["VERILOG_FILES"]) == 1


def test_bad_export_requests(tmp_path):
    src = write(tmp_path, "x.v", PDK_CHECK_DESIGN)
    with pytest.raises(SparrowError, match="not a valid identifier"):
        write_librelane_config(tmp_path / "e", design_name="9x", verilog_files=[src])
    with pytest.raises(SparrowError, match="not found"):
        write_librelane_config(tmp_path / "e", design_name="x", verilog_files=[tmp_path / "no.v"])
    with pytest.raises(SparrowError, match="no clock gate for cell library tsmc"):
        write_librelane_config(tmp_path / "e", design_name="cg_counter", std_cell_library="tsmc",
                               verilog_files=[write(tmp_path, "cg.v", CG_COUNTER)])
    with pytest.raises(SparrowError, match="must be positive"):
        write_librelane_config(tmp_path / "e", design_name="x", verilog_files=[src],
                               clock_period_ns=0)
    assert not (tmp_path / "e").exists() or not os.listdir(tmp_path / "e")
