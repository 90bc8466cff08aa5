"""Ping-pong activation buffers: two banks of words of P spike counts."""

from __future__ import annotations

from amaranth import Module, Mux, Signal, unsigned
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out
from amaranth.utils import ceil_log2

from .memory import SparrowMemory


class ActivationBuffers(wiring.Component):
    """Two banks (``act0``, ``act1``) of ``lanes`` counts of ``count_bits`` per word.

    A layer reads one bank while it writes the other. Read: in a cycle with ``r_en``, bank
    ``r_bank`` reads word ``r_addr``; one clock later ``r_data`` holds it. Write: at the clock
    edge of a cycle with ``w_en``, word ``w_addr`` of bank ``w_bank`` takes ``w_data``. Each
    bank's storage can be clocked by its own gated domain (``write_domains``).
    """

    def __init__(self, *, lanes: int, count_bits: int, words: tuple[int, int],
                 write_domains: tuple[str, str] = ("sync", "sync")):
        if len(words) != 2 or len(write_domains) != 2:
            raise ValueError(f"two banks expected, got {words!r} and {write_domains!r}")
        self._lanes, self._count_bits, self._words = lanes, count_bits, tuple(words)
        self._write_domains = tuple(write_domains)
        addr = max(1, ceil_log2(max(words)))
        layout = data.ArrayLayout(unsigned(count_bits), lanes)
        super().__init__({
            "r_bank": In(1), "r_addr": In(addr), "r_en": In(1), "r_data": Out(layout),
            "w_bank": In(1), "w_addr": In(addr), "w_en": In(1), "w_data": In(layout),
        })

    @property
    def bits(self) -> int:
        return sum(self._words) * self._lanes * self._count_bits

    def elaborate(self, platform):
        m = Module()
        width = self._lanes * self._count_bits
        banks = []
        for i, depth in enumerate(self._words):
            bank = SparrowMemory(width=width, depth=depth, write_domain=self._write_domains[i])
            m.submodules[f"act{i}"] = bank
            banks.append(bank)
            m.d.comb += [
                bank.r_addr.eq(self.r_addr), bank.r_en.eq(self.r_en & (self.r_bank == i)),
                bank.w_addr.eq(self.w_addr), bank.w_en.eq(self.w_en & (self.w_bank == i)),
                bank.w_data.eq(self.w_data.as_value()),
            ]
        # The word arrives one clock after the read: select it by the bank read then.
        bank_read = Signal()
        with m.If(self.r_en):
            m.d.sync += bank_read.eq(self.r_bank)
        m.d.comb += self.r_data.eq(Mux(bank_read, banks[1].r_data, banks[0].r_data))
        return m
