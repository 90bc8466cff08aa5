"""UART transmitter: 8N1, LSB first."""

from __future__ import annotations

from amaranth import Cat, Const, Module, Signal
from amaranth.lib import stream, wiring
from amaranth.lib.wiring import In, Out

from .uart_rx import check_divisor

FRAME_BITS = 10     # start, 8 data, stop


class UartTransmitter(wiring.Component):
    """Sends each byte taken from ``data`` on ``tx`` (idle high), ``divisor`` clock cycles
    per bit; ``data.ready`` is high while the line is idle."""

    def __init__(self, *, divisor: int):
        self._divisor = check_divisor(divisor)
        super().__init__({
            "data": In(stream.Signature(8)),
            "tx": Out(1, init=1),
        })

    @property
    def divisor(self) -> int:
        return self._divisor

    def elaborate(self, platform):
        m = Module()
        timer = Signal(range(self._divisor))
        bits_left = Signal(range(FRAME_BITS + 1))
        # Stop bit, data, start bit: shifted out from the low end.
        shift = Signal(FRAME_BITS, init=(1 << FRAME_BITS) - 1)
        m.d.comb += [self.tx.eq(shift[0]), self.data.ready.eq(bits_left == 0)]
        with m.If(self.data.valid & self.data.ready):
            m.d.sync += [shift.eq(Cat(Const(0, 1), self.data.payload, Const(1, 1))),
                         bits_left.eq(FRAME_BITS), timer.eq(self._divisor - 1)]
        with m.Elif(bits_left != 0):
            with m.If(timer == 0):
                m.d.sync += [shift.eq(Cat(shift[1:], Const(1, 1))), bits_left.eq(bits_left - 1),
                             timer.eq(self._divisor - 1)]
            with m.Else():
                m.d.sync += timer.eq(timer - 1)
        return m
