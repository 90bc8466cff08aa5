"""The one memory wrapper every buffer of the core goes through.

Behavioural today (flip-flops in synthesis, or logic for a ROM); keeping every memory behind
this wrapper is what lets an SRAM macro replace it in a place-and-route run.
"""

from __future__ import annotations

from amaranth import Module, unsigned
from amaranth.lib import memory, wiring
from amaranth.lib.wiring import In, Out
from amaranth.utils import ceil_log2


class SparrowMemory(wiring.Component):
    """``depth`` words of ``width`` bits: a synchronous read port with enable and, unless the
    memory is a ROM (``writable=False``), a write port with one enable per lane.

    Read: ``r_data`` shows word ``r_addr`` one clock after a cycle with ``r_en`` high, and
    holds while ``r_en`` is low (no switching when idle). Write: lane ``i`` (bits
    ``i*width/lanes ...``) of word ``w_addr`` takes ``w_data`` at the clock edge when
    ``w_en[i]`` is high. The write port may sit in its own (clock-gated) ``write_domain``, so
    the storage flops see a clock edge only when written.
    """

    def __init__(self, *, width: int, depth: int, init=(), lanes: int = 1,
                 writable: bool = True, write_domain: str = "sync"):
        for name, value in (("width", width), ("depth", depth), ("lanes", lanes)):
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"{name} must be an int, got {value!r}")
            if value < 1:
                raise ValueError(f"{name} must be positive, got {value}")
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
        signature = {
            "r_addr": In(self.addr_bits),
            "r_en": In(1),
            "r_data": Out(width),
        }
        if writable:
            signature |= {
                "w_addr": In(self.addr_bits),
                "w_en": In(lanes),
                "w_data": In(width),
            }
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

    def elaborate(self, platform):
        m = Module()
        m.submodules.storage = storage = memory.Memory(
            shape=unsigned(self._width), depth=self._depth, init=self._init)
        rd = storage.read_port(domain="sync")
        m.d.comb += [rd.addr.eq(self.r_addr), rd.en.eq(self.r_en), self.r_data.eq(rd.data)]
        if self._writable:
            wr = storage.write_port(domain=self._write_domain,
                                    granularity=self._width // self._lanes)
            m.d.comb += [wr.addr.eq(self.w_addr), wr.en.eq(self.w_en), wr.data.eq(self.w_data)]
        return m
