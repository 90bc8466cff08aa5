"""UART receiver: 8 data bits, no parity, one stop bit (8N1), LSB first."""

from __future__ import annotations

from amaranth import Module, Signal
from amaranth.lib import enum, stream, wiring
from amaranth.lib.cdc import FFSynchronizer
from amaranth.lib.wiring import In, Out

from ..hw.params import check_positive_int

MIN_DIVISOR = 4


def check_divisor(divisor) -> int:
    """``divisor`` (clock cycles per bit) as an int, or a TypeError/ValueError naming it."""
    check_positive_int("divisor", divisor)
    if divisor < MIN_DIVISOR:
        raise ValueError(f"divisor must be at least {MIN_DIVISOR} clock cycles per bit, got "
                         f"{divisor}")
    return divisor


class RxState(enum.Enum, shape=2):
    IDLE = 0
    START = 1
    DATA = 2
    STOP = 3


class UartReceiver(wiring.Component):
    """Samples ``rx`` (asynchronous, idle high) in the middle of every bit.

    ``divisor`` is the bit time in clock cycles (clock frequency / baud rate, at least 4).
    Each byte appears on ``data`` for one cycle at the middle of its stop bit (the stream is
    always ready: a UART cannot be held off). A byte whose stop bit is low is dropped and
    ``framing_error`` pulses instead.
    """

    def __init__(self, *, divisor: int):
        self._divisor = check_divisor(divisor)
        super().__init__({
            "rx": In(1, init=1),
            "data": Out(stream.Signature(8, always_ready=True)),
            "framing_error": Out(1),
        })

    @property
    def divisor(self) -> int:
        return self._divisor

    def elaborate(self, platform):
        m = Module()
        rx = Signal(init=1)
        m.submodules.rx_sync = FFSynchronizer(self.rx, rx, init=1)
        # Counts down to the next sampling point; the first is half a bit after the start edge.
        timer = Signal(range(self._divisor))
        bit = Signal(range(8))
        shift = Signal(8)
        state = Signal(RxState)
        m.d.sync += [self.data.valid.eq(0), self.framing_error.eq(0)]
        m.d.comb += self.data.payload.eq(shift)
        with m.If(timer != 0):
            m.d.sync += timer.eq(timer - 1)
        with m.Switch(state):
            with m.Case(RxState.IDLE):
                with m.If(~rx):
                    m.d.sync += [state.eq(RxState.START), timer.eq(self._divisor // 2 - 1)]
            with m.Case(RxState.START):
                with m.If(timer == 0):
                    with m.If(rx):          # a glitch, not a start bit
                        m.d.sync += state.eq(RxState.IDLE)
                    with m.Else():
                        m.d.sync += [state.eq(RxState.DATA), bit.eq(0),
                                     timer.eq(self._divisor - 1)]
            with m.Case(RxState.DATA):
                with m.If(timer == 0):
                    m.d.sync += [shift.eq(shift >> 1 | rx << 7), bit.eq(bit + 1),
                                 timer.eq(self._divisor - 1)]
                    with m.If(bit == 7):
                        m.d.sync += state.eq(RxState.STOP)
            with m.Case(RxState.STOP):
                with m.If(timer == 0):
                    m.d.sync += [self.data.valid.eq(rx), self.framing_error.eq(~rx),
                                 state.eq(RxState.IDLE)]
        return m
