"""The one memory wrapper every buffer of the core goes through.

Behavioural today (flip-flops in synthesis, or logic for a ROM); keeping every memory behind
this wrapper is what lets an SRAM macro replace it in a place-and-route run.
"""

from __future__ import annotations

from amaranth import Module, unsigned
from amaranth.lib import memory, wiring
from amaranth.lib.wiring import In
from amaranth.utils import ceil_log2

from .params import check_positive_int
from .ports import ReadPortSignature, WritePortSignature


class SparrowMemory(wiring.Component):
    """``depth`` words of ``width`` bits: a synchronous ``read`` port and, unless the memory is
    a ROM (``writable=False``), a ``write`` port with one enable per lane.

    Read: ``read.data`` shows word ``read.addr`` one clock after a cycle with ``read.en`` high,
    and holds while ``read.en`` is low (no switching when idle). Write: lane ``i`` (bits
    ``i*width/lanes ...``) of word ``write.addr`` takes ``write.data`` at the clock edge when
    ``write.en[i]`` is high. The write port may sit in its own (clock-gated) ``write_domain``,
    so the storage flops see a clock edge only when written.
    """

    def __init__(self, *, width: int, depth: int, init=(), lanes: int = 1,
                 writable: bool = True, write_domain: str = "sync"):
        for name, value in (("width", width), ("depth", depth), ("lanes", lanes)):
            check_positive_int(name, value)
        if width % lanes:
            raise ValueError(f"width {width} is not a multiple of lanes {lanes}")
        init = list(init)
        if len(init) > depth:
            raise ValueError(f"{len(init)} initial words for a depth of {depth}")
        if not writable and not init:
            raise ValueError("a ROM (writable=False) needs its contents in init")
        self._width, self._depth, self._lanes = width, depth, lanes
        self._init, self._writable = init, writable
        self._write_domain = write_domain
        signature = {"read": In(ReadPortSignature(addr_bits=self.addr_bits, data_shape=width))}
        if writable:
            signature["write"] = In(WritePortSignature(addr_bits=self.addr_bits,
                                                       data_shape=width, lanes=lanes))
        super().__init__(signature)

    @property
    def addr_bits(self) -> int:
        return max(1, ceil_log2(self._depth))

    @property
    def width(self) -> int:
        return self._width

    @property
    def depth(self) -> int:
        return self._depth

    @property
    def bits(self) -> int:
        """Storage bits."""
        return self._width * self._depth

    @property
    def read_latency(self) -> int:
        """Cycles from a read request to its data."""
        return 1

    def elaborate(self, platform):
        m = Module()
        m.submodules.storage = storage = memory.Memory(
            shape=unsigned(self._width), depth=self._depth, init=self._init)
        rd = storage.read_port(domain="sync")
        m.d.comb += [rd.addr.eq(self.read.addr), rd.en.eq(self.read.en),
                     self.read.data.eq(rd.data)]
        if self._writable:
            wr = storage.write_port(domain=self._write_domain,
                                    granularity=self._width // self._lanes)
            m.d.comb += [wr.addr.eq(self.write.addr), wr.en.eq(self.write.en),
                         wr.data.eq(self.write.data)]
        return m
