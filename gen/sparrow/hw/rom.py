"""A read-only memory read through a registered one-hot word select and an OR tree per bit.

A ROM that synthesis turns into logic is a function of the address bits: every read with a new
address ripples through a large shared decode tree (on the ECG model, 280 pJ per read of eight
weights). Here the address is decoded once into a one-hot select register; each output bit is
the OR of the select lines of the words holding a 1 in it. A read that moves from word ``a`` to
word ``b`` changes two select lines, and in each bit's OR tree only the nodes on the paths of
``a`` and ``b``: the switching follows the two words, not the whole array.

Read semantics are those of ``SparrowMemory``: ``read.data`` shows word ``read.addr`` one clock
after a cycle with ``read.en`` and holds while ``read.en`` is low. The select register may sit
in its own clock-gated domain (``select_domain``), clocked only by reads.
"""

from __future__ import annotations

from amaranth import Cat, Const, Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In
from amaranth.utils import ceil_log2

from .params import check_positive_int
from .ports import ReadPortSignature


class DecodedRom(wiring.Component):
    """``words`` (unsigned ints below ``2**width``) behind a one-hot read (see the module
    doc)."""

    def __init__(self, *, words, width: int, select_domain: str = "sync"):
        check_positive_int("width", width)
        words = [int(w) for w in words]
        if not words:
            raise ValueError("a ROM needs at least one word")
        if any(w < 0 or w >> width for w in words):
            raise ValueError(f"ROM words must fit {width} unsigned bits")
        self._words, self._width = words, width
        self._select_domain = select_domain
        super().__init__({"read": In(ReadPortSignature(addr_bits=self.addr_bits,
                                                       data_shape=width))})

    @property
    def addr_bits(self) -> int:
        return max(1, ceil_log2(len(self._words)))

    @property
    def depth(self) -> int:
        return len(self._words)

    @property
    def read_latency(self) -> int:
        """Cycles from a read request to its data."""
        return 1

    def elaborate(self, platform):
        m = Module()
        depth = len(self._words)
        select = Signal(depth, reset_less=True)     # like a RAM's read register
        decoded = Signal(depth)
        for index in range(depth):
            m.d.comb += decoded[index].eq(self.read.addr == index)
        with m.If(self.read.en):
            m.d[self._select_domain] += select.eq(decoded)
        bits = []
        for bit in range(self._width):
            lines = [select[i] for i, word in enumerate(self._words) if word >> bit & 1]
            bits.append(Cat(*lines).any() if lines else Const(0, 1))
        m.d.comb += self.read.data.eq(Cat(*bits))
        return m
