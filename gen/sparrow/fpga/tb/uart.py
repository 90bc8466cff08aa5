"""UART line driver and monitor (8N1, LSB first) for the simulated board top."""

from __future__ import annotations

from cocotb.queue import Queue
from cocotb.triggers import FallingEdge, Timer, with_timeout

from ..protocol import FrameDecoder, ProtocolError


class UartSource:
    """Drives bytes onto ``line`` (the design's ``rx``), one bit every ``bit_ns``."""

    def __init__(self, line, bit_ns: float):
        self.line, self.bit_ns = line, bit_ns
        line.value = 1

    async def send(self, data: bytes) -> None:
        for byte in data:
            for bit in (0, *((byte >> i) & 1 for i in range(8)), 1):
                self.line.value = bit
                await Timer(self.bit_ns, unit="ns")


class UartSink:
    """Reads bytes from ``line`` (the design's ``tx``) into ``bytes``, sampling in the middle
    of every bit; a low stop bit is recorded in ``framing_errors``."""

    def __init__(self, line, bit_ns: float):
        self.line, self.bit_ns = line, bit_ns
        self.bytes: Queue[int] = Queue()
        self.framing_errors = 0

    async def run(self) -> None:
        while True:
            await FallingEdge(self.line)
            await Timer(self.bit_ns / 2, unit="ns")
            if self.line.value:
                continue                      # a glitch, not a start bit
            value = 0
            for i in range(8):
                await Timer(self.bit_ns, unit="ns")
                value |= int(self.line.value) << i
            await Timer(self.bit_ns, unit="ns")
            if not self.line.value:
                self.framing_errors += 1
                continue
            self.bytes.put_nowait(value)


class FrameReader:
    """Whole frames from a :class:`UartSink`, with a time limit per frame."""

    def __init__(self, sink: UartSink):
        self.sink = sink
        self.decoder = FrameDecoder()
        self.pending: list[tuple[int, bytes]] = []

    async def frame(self, timeout_ns: float) -> tuple[int, bytes]:
        """The next (type, payload); raises ``SimTimeoutError`` if none is complete within
        ``timeout_ns`` and :class:`ProtocolError` if the bytes are not a frame."""
        while not self.pending:
            byte = await with_timeout(self.sink.bytes.get(), timeout_ns, "ns")
            self.pending += self.decoder.feed(bytes([byte]))
        return self.pending.pop(0)


__all__ = ["UartSource", "UartSink", "FrameReader", "ProtocolError"]
