"""The boards a bitstream can be built for (Amaranth board definitions from
``amaranth-boards``), with the resources a design must fit in.

Device resources are the vendors' datasheet figures (Lattice DS1056 iCE40 UltraPlus, table
1.1; DS1044 ECP5, table 1.1), listed by ``sparrow fpga boards``. A build reports nextpnr's
``available`` counts instead, which equal the datasheet's except on the LFE5U-12F: it is the
25F die, and nextpnr offers all of it (24,288 LUTs, 56 block RAMs).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from ..errors import ToolError


@dataclass(frozen=True)
class Board:
    """A supported board: its platform class, reset button, busy LED and device resources."""

    name: str
    description: str
    module: str              # amaranth_boards module
    platform: str            # platform class in that module
    family: str              # "ice40" | "ecp5"
    reset: str               # button resource (index 0) that resets the design
    led: str                 # LED resource (index 0) lit while the core computes
    luts: int                # 4-input LUTs
    brams: int               # block RAMs (iCE40 4 kbit EBR, ECP5 18 kbit DP16KD)
    dsps: int                # multipliers (iCE40 SB_MAC16, ECP5 MULT18X18D)
    sprams: int = 0          # iCE40 UltraPlus 256 kbit single-port RAMs

    def platform_class(self):
        """The Amaranth platform class (imports amaranth-boards)."""
        try:
            module = importlib.import_module(f"amaranth_boards.{self.module}")
        except ImportError:
            raise ToolError("amaranth-boards is not installed: `.venv/bin/pip install -e "
                            "'.[fpga]'` (or ./setup.sh fpga)") from None
        return getattr(module, self.platform)

    def make_platform(self):
        """A platform instance whose default clock domain is reset by the board's button."""
        platform = self.platform_class()()
        platform.default_rst = self.reset
        return platform


def _ulx3s(size: str, luts: int, brams: int, dsps: int) -> Board:
    return Board(name=f"ulx3s-{size.lower()}",
                 description=f"Radiona ULX3S, Lattice ECP5 LFE5U-{size} (25 MHz oscillator, "
                             f"FTDI UART)",
                 module="ulx3s", platform=f"ULX3S_{size}_Platform", family="ecp5",
                 reset="button_fire", led="led", luts=luts, brams=brams, dsps=dsps)


BOARDS: dict[str, Board] = {b.name: b for b in (
    Board(name="icebreaker", description="1BitSquared iCEBreaker, Lattice iCE40UP5K "
          "(12 MHz oscillator, FTDI UART)", module="icebreaker", platform="ICEBreakerPlatform",
          family="ice40", reset="button", led="led_g", luts=5280, brams=30, dsps=8, sprams=4),
    _ulx3s("12F", 12288, 32, 28),
    _ulx3s("25F", 24288, 56, 28),
    _ulx3s("45F", 43848, 108, 72),
    _ulx3s("85F", 83640, 208, 156),
)}


def board(name: str) -> Board:
    """The board called ``name``; a SparrowError listing the known ones otherwise."""
    try:
        return BOARDS[name]
    except KeyError:
        raise ToolError(f"--board: unknown board {name!r}; known boards: "
                        f"{', '.join(BOARDS)}") from None
