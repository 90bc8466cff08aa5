"""The UART top on a board: pins, clock and reset from the platform, an LED for busy."""

from __future__ import annotations

from amaranth import Elaboratable, Module
from amaranth.lib import io

from ..hw.params import check_instance
from .uart_top import SparrowUartTop


class BoardTop(Elaboratable):
    """``top`` wired to the board's UART (``uart`` 0) and LED ``led`` (index 0).

    The clock is the board oscillator (the platform's default clock, no PLL: the core meets
    timing at the oscillator frequency on the supported boards, see the build report); the
    reset is the platform's default reset, which :meth:`Board.make_platform` points at a
    button and the platform ORs with its power-on reset (on iCE40 held past the block RAMs'
    wake-up time).
    """

    def __init__(self, top: SparrowUartTop, *, led: str):
        check_instance("top", top, SparrowUartTop)
        if not isinstance(led, str) or not led:
            raise ValueError(f"led must be a resource name, got {led!r}")
        self.top = top
        self.led = led

    def elaborate(self, platform):
        m = Module()
        m.submodules.sparrow = top = self.top
        uart = platform.request("uart", 0, dir="-")
        m.submodules.rx_buffer = rx = io.Buffer("i", uart.rx)
        m.submodules.tx_buffer = tx = io.Buffer("o", uart.tx)
        m.submodules.led_buffer = led = io.Buffer("o", platform.request(self.led, 0, dir="-"))
        m.d.comb += [top.rx.eq(rx.i), tx.o.eq(top.tx), led.o.eq(top.busy)]
        return m
