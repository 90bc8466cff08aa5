"""Monitors: results with back-pressure, and (for diagnosis) every activation write."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

from cocotb.triggers import FallingEdge, RisingEdge

from .ports import decode_result

PERF = ("cycles", "weight_reads", "activation_reads", "activation_writes", "synops")


@dataclass
class Observed:
    cls: int
    scores: list[int]
    perf: dict[str, int]


class ResultMonitor:
    """Takes results from ``result__valid/ready/payload`` with a ready pattern (cycled;
    0 = not ready this cycle) and reads the performance counters with each result."""

    def __init__(self, dut, manifest: dict, pattern=(1,)):
        self.dut, self.manifest = dut, manifest
        self.pattern = itertools.cycle(pattern or (1,))
        dut.result__ready.value = 0

    async def receive(self, on_transfer: Callable[[], None] | None = None) -> Observed:
        """The next result; ``on_transfer`` is called at the rising edge that hands it over
        (before that time step's values settle)."""
        dut = self.dut
        if not dut.result__valid.value:
            await RisingEdge(dut.result__valid)
        while True:
            await FallingEdge(dut.clk)       # inputs change away from the rising edge
            ready = next(self.pattern)
            dut.result__ready.value = ready
            await RisingEdge(dut.clk)
            if ready and dut.result__valid.value:
                if on_transfer is not None:
                    on_transfer()
                cls, scores = decode_result(int(dut.result__payload.value), self.manifest)
                perf = {k: int(getattr(dut, f"perf__{k}").value) for k in PERF}
                await FallingEdge(dut.clk)
                dut.result__ready.value = 0
                return Observed(cls, scores, perf)


class ActivationWriteMonitor:
    """Records every activation-buffer write (layer, word address, lane counts) through the
    core's ``trace_*`` wires, cycle by cycle: slow, used to localise a mismatch."""

    def __init__(self, dut, manifest: dict):
        self.dut, self.manifest = dut, manifest
        self.writes: list[tuple[int, int, list[int]]] = []
        self.lanes = manifest["lanes"]
        widths = manifest["widths"]
        self.count_bits = widths.get("activation_bits", widths["count_bits"])

    async def run(self) -> None:
        dut = self.dut
        mask = (1 << self.count_bits) - 1
        while True:
            await RisingEdge(dut.clk)
            if dut.trace_act_write.value:
                word = int(dut.trace_act_data.value)
                counts = [(word >> (i * self.count_bits)) & mask for i in range(self.lanes)]
                self.writes.append((int(dut.trace_layer.value), int(dut.trace_act_addr.value),
                                    counts))
