"""One-hot word select of the decoded memories."""

from __future__ import annotations

from amaranth import Module
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from .params import check_positive_int


class WordDecoder(wiring.Component):
    """``onehot[w]`` is high while ``addr == w``, for ``w < words``; an address beyond the
    words selects none.

    A component of its own, so that synthesis (which maps each module on its own before it
    flattens, ``SYNTH_HIERARCHY=keep_names``) sees the select lines of a memory's AND-OR tree
    as independent inputs: it cannot fold the decoder and the tree back into a binary
    multiplexer, whose address bits would reach every word again.
    """

    def __init__(self, *, addr_bits: int, words: int):
        check_positive_int("addr_bits", addr_bits)
        check_positive_int("words", words)
        if words > 1 << addr_bits:
            raise ValueError(f"{words} words need more than {addr_bits} address bits")
        self._words = words
        super().__init__({"addr": In(addr_bits), "onehot": Out(words)})

    @property
    def words(self) -> int:
        return self._words

    def elaborate(self, platform):
        m = Module()
        m.d.comb += [self.onehot[w].eq(self.addr == w) for w in range(self._words)]
        return m
