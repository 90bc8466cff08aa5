"""Ping-pong activation buffers: two banks of words of P spike counts."""

from __future__ import annotations

from amaranth import Module, Mux, Signal, unsigned
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In
from amaranth.utils import ceil_log2

from .clock_gate import STYLES as CLOCK_GATE_STYLES
from .memory import MEMORY_STYLES, SparrowMemory
from .params import check_choice, check_positive_int
from .ports import ReadPortSignature, WritePortSignature


class ActivationBuffers(wiring.Component):
    """Two banks (``act0``, ``act1``) of ``lanes`` counts of ``count_bits`` per word.

    A layer reads one bank while it writes the other. Read: in a cycle with ``read.en``, bank
    ``read_bank`` reads word ``read.addr``; one clock later ``read.data`` holds it. Write: at
    the clock edge of a cycle with ``write.en``, word ``write.addr`` of bank ``write_bank``
    takes ``write.data``. Each bank's storage can be clocked by its own gated domain
    (``write_domains``). ``memory_style`` and ``clock_gate``: how the banks are built
    (``SparrowMemory``).
    """

    def __init__(self, *, lanes: int, count_bits: int, words: tuple[int, int],
                 write_domains: tuple[str, str] = ("sync", "sync"), memory_style: str = "flop",
                 clock_gate: str = "instance"):
        check_positive_int("lanes", lanes)
        check_positive_int("count_bits", count_bits)
        check_choice("memory_style", memory_style, MEMORY_STYLES)
        check_choice("clock_gate", clock_gate, CLOCK_GATE_STYLES)
        if len(words) != 2 or len(write_domains) != 2:
            raise ValueError(f"two banks expected, got words {words!r} and write_domains "
                             f"{write_domains!r}")
        for word_count in words:
            check_positive_int("words", word_count)
        self._lanes, self._count_bits, self._words = lanes, count_bits, tuple(words)
        self._write_domains = tuple(write_domains)
        self._memory_style, self._clock_gate = memory_style, clock_gate
        addr = max(1, ceil_log2(max(words)))
        layout = data.ArrayLayout(unsigned(count_bits), lanes)
        super().__init__({
            "read_bank": In(1),
            "read": In(ReadPortSignature(addr_bits=addr, data_shape=layout)),
            "write_bank": In(1),
            "write": In(WritePortSignature(addr_bits=addr, data_shape=layout)),
        })

    @property
    def bits(self) -> int:
        return sum(self._words) * self._lanes * self._count_bits

    @property
    def read_latency(self) -> int:
        """Cycles from a read request to its data."""
        return 1

    def elaborate(self, platform):
        m = Module()
        width = self._lanes * self._count_bits
        banks = []
        for i, depth in enumerate(self._words):
            bank = SparrowMemory(width=width, depth=depth, write_domain=self._write_domains[i],
                                 style=self._memory_style, clock_gate=self._clock_gate)
            m.submodules[f"act{i}"] = bank
            banks.append(bank)
            m.d.comb += [
                bank.read.addr.eq(self.read.addr),
                bank.read.en.eq(self.read.en & (self.read_bank == i)),
                bank.write.addr.eq(self.write.addr),
                bank.write.en.eq(self.write.en & (self.write_bank == i)),
                bank.write.data.eq(self.write.data.as_value()),
            ]
        # The word arrives one clock after the read: select it by the bank read then.
        bank_read = Signal()
        with m.If(self.read.en):
            m.d.sync += bank_read.eq(self.read_bank)
        m.d.comb += self.read.data.eq(Mux(bank_read, banks[1].read.data, banks[0].read.data))
        return m
