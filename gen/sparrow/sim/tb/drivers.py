"""Drivers: the input streams (samples, aux values) and the configuration (weight) write port.

Inputs change on the falling clock edge and are sampled by the core on the rising edge: the
core's gated clocks reach their flops a few delta cycles after ``clk``, so an input changed
at the rising edge itself would race them in a zero-delay simulation.
"""

from __future__ import annotations

import itertools

import numpy as np

from cocotb.triggers import FallingEdge, RisingEdge

from .ports import stream_word


def time_major(x) -> list[int]:
    """(C, L) -> the sample stream's order: sample l*C + c is channel c at time l."""
    return [int(v) for v in np.asarray(x).T.reshape(-1)]


class StreamDriver:
    """Drives ``<port>__valid/payload`` of a stream port (``sample`` or ``aux``) with a stall
    pattern (cycled; 0 = do not offer a value this cycle). Once valid is raised it stays until
    the core takes the value."""

    def __init__(self, dut, manifest: dict, port: str = "sample", pattern=(1,)):
        self.dut, self.manifest, self.port = dut, manifest, port
        self.valid = getattr(dut, f"{port}__valid")
        self.ready = getattr(dut, f"{port}__ready")
        self.payload = getattr(dut, f"{port}__payload")
        self.pattern = itertools.cycle(pattern or (1,))
        self.valid.value = 0

    async def send(self, values) -> None:
        dut = self.dut
        for value in values:
            await FallingEdge(dut.clk)
            while not next(self.pattern):
                self.valid.value = 0
                await FallingEdge(dut.clk)
            self.payload.value = stream_word(int(value), self.manifest, self.port)
            self.valid.value = 1
            while True:
                await RisingEdge(dut.clk)
                if self.ready.value:             # sampled at the edge: the transfer happened
                    break
                if dut.busy.value:
                    # Back-pressure while the core computes: wait for ready without polling.
                    await RisingEdge(self.ready)
                    await FallingEdge(dut.clk)
        await FallingEdge(dut.clk)
        self.valid.value = 0


class InputDriver:
    """One inference's input: its aux values on the ``aux`` stream (a core with an aux input
    takes them first), then its samples in stream order on ``sample``."""

    def __init__(self, dut, manifest: dict, pattern=(1,)):
        self.samples = StreamDriver(dut, manifest, "sample", pattern)
        self.aux = StreamDriver(dut, manifest, "aux", pattern) \
            if "aux" in manifest["ports"] else None

    async def send(self, x, aux=None) -> None:
        if self.aux is not None:
            await self.aux.send(aux)
        await self.samples.send(time_major(x))


class ConfigDriver:
    """Writes (address, value) pairs through ``cfg__addr/data/en`` with a stall pattern."""

    def __init__(self, dut, pattern=(1,)):
        self.dut = dut
        self.pattern = itertools.cycle(pattern or (1,))
        dut.cfg__en.value = 0

    async def write(self, writes) -> None:
        dut = self.dut
        for address, value in writes:
            await FallingEdge(dut.clk)
            while not next(self.pattern):
                dut.cfg__en.value = 0
                await FallingEdge(dut.clk)
            dut.cfg__addr.value = int(address)
            dut.cfg__data.value = int(value)
            dut.cfg__en.value = 1
        await FallingEdge(dut.clk)
        dut.cfg__en.value = 0
