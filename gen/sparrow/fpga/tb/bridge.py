"""A TCP socket on the loopback joined to the simulated UART, so a host client (pyserial's
``socket://`` URLs) can talk to the simulated board top as it would to a serial port."""

from __future__ import annotations

import os
import select
import socket
import time
from pathlib import Path

import cocotb
from cocotb.triggers import Timer

from ...fileio import atomic_write_text
from .uart import UartSink, UartSource


class SocketBridge:
    """Listens on 127.0.0.1 (a free port, written to ``port_file``); bytes from the client go
    onto ``source`` (the design's rx), bytes from ``sink`` (its tx) to the client. Ends when
    the client closes the connection; fails after ``seconds`` of wall-clock time."""

    def __init__(self, source: UartSource, sink: UartSink, *, port_file: str | os.PathLike,
                 seconds: float):
        self.source, self.sink = source, sink
        self.port_file = Path(port_file)
        self.seconds = seconds
        self.bytes_in = self.bytes_out = 0

    async def _forward(self, conn: socket.socket) -> None:
        while True:
            byte = await self.sink.bytes.get()
            conn.sendall(bytes([byte]))
            self.bytes_out += 1

    async def run(self) -> None:
        deadline = time.monotonic() + self.seconds
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
            server.bind(("127.0.0.1", 0))
            server.listen(1)
            server.settimeout(self.seconds)
            atomic_write_text(self.port_file, str(server.getsockname()[1]))
            conn, _ = server.accept()       # nothing to simulate before the client is there
        with conn:
            conn.settimeout(self.seconds)
            forwarder = cocotb.start_soon(self._forward(conn))
            byte_ns = 10 * self.source.bit_ns
            while True:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"bridge: the client was still connected after "
                                       f"{self.seconds} s")
                # Wait a little for the client only when it has nothing to say; meanwhile the
                # design runs for one byte time.
                ready, _, _ = select.select([conn], [], [], 0.001)
                if ready:
                    data = conn.recv(4096)
                    if not data:
                        break
                    self.bytes_in += len(data)
                    await self.source.send(data)
                else:
                    await Timer(byte_ns, unit="ns")
            forwarder.cancel()
