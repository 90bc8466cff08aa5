"""Drivers: the sample stream and the configuration (weight) write port.

Inputs change on the falling clock edge and are sampled by the core on the rising edge: the
core's gated clocks reach their flops a few delta cycles after ``clk``, so an input changed
at the rising edge itself would race them in a zero-delay simulation.
"""

from __future__ import annotations

import itertools

from cocotb.triggers import FallingEdge, RisingEdge

from .ports import sample_word


class SampleDriver:
    """Drives ``sample__valid/payload`` with a stall pattern (cycled; 0 = do not offer a
    sample this cycle). Once valid is raised it stays until the core takes the sample."""

    def __init__(self, dut, manifest: dict, pattern=(1,)):
        self.dut, self.manifest = dut, manifest
        self.pattern = itertools.cycle(pattern or (1,))
        dut.sample__valid.value = 0

    async def send(self, samples) -> None:
        dut = self.dut
        for value in samples:
            await FallingEdge(dut.clk)
            while not next(self.pattern):
                dut.sample__valid.value = 0
                await FallingEdge(dut.clk)
            dut.sample__payload.value = sample_word(int(value), self.manifest)
            dut.sample__valid.value = 1
            while True:
                await RisingEdge(dut.clk)
                if dut.sample__ready.value:      # sampled at the edge: the transfer happened
                    break
                if dut.busy.value:
                    # Back-pressure while the core computes: wait for ready without polling.
                    await RisingEdge(dut.sample__ready)
                    await FallingEdge(dut.clk)
        await FallingEdge(dut.clk)
        dut.sample__valid.value = 0


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
