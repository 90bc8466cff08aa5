"""Running argmax over the output layer's scores, lowest index winning a tie."""

from __future__ import annotations

from amaranth import Module, Mux, Signal, signed, unsigned
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from .params import check_positive_int


class ArgmaxUnit(wiring.Component):
    """Keeps the best (score, index) seen since ``clear``.

    In a cycle with ``en``, the ``lanes`` candidates whose ``valid`` bit is set are compared
    with the best so far; a candidate wins if its score is larger, or equal with a lower
    index (so the result is the argmax with the lowest index on a tie, whatever the order in
    which scores arrive). ``index`` and ``score`` are registers.
    """

    def __init__(self, *, lanes: int, score_bits: int, index_bits: int):
        for name, value in (("lanes", lanes), ("score_bits", score_bits),
                            ("index_bits", index_bits)):
            check_positive_int(name, value)
        self._lanes = lanes
        self._score_bits, self._index_bits = score_bits, index_bits
        super().__init__({
            "clear": In(1),
            "en": In(1),
            "valid": In(lanes),
            "scores": In(data.ArrayLayout(signed(score_bits), lanes)),
            "indices": In(data.ArrayLayout(unsigned(index_bits), lanes)),
            "index": Out(index_bits),
            "score": Out(signed(score_bits)),
        })

    def elaborate(self, platform):
        m = Module()
        have = Signal()

        def better(v_a, i_a, ok_a, v_b, i_b, ok_b):
            """True if candidate a beats candidate b."""
            return ok_a & (~ok_b | (v_a > v_b) | ((v_a == v_b) & (i_a < i_b)))

        # Reduce the lanes pairwise (a balanced tree), then meet the stored best.
        nodes = [(self.scores[i], self.indices[i], self.valid[i]) for i in range(self._lanes)]
        level = 0
        while len(nodes) > 1:
            merged = []
            for k in range(0, len(nodes) - 1, 2):
                a, b = nodes[k], nodes[k + 1]
                pick = Signal(name=f"pick_{level}_{k}")
                v = Signal(signed(self._score_bits), name=f"v_{level}_{k}")
                i = Signal(unsigned(self._index_bits), name=f"i_{level}_{k}")
                ok = Signal(name=f"ok_{level}_{k}")
                m.d.comb += [
                    pick.eq(better(*a, *b)),
                    v.eq(Mux(pick, a[0], b[0])), i.eq(Mux(pick, a[1], b[1])),
                    ok.eq(a[2] | b[2]),
                ]
                merged.append((v, i, ok))
            if len(nodes) % 2:
                merged.append(nodes[-1])
            nodes, level = merged, level + 1
        v, i, ok = nodes[0]
        with m.If(self.clear):
            m.d.sync += have.eq(0)
        with m.Elif(self.en & better(v, i, ok, self.score, self.index, have)):
            m.d.sync += [self.score.eq(v), self.index.eq(i), have.eq(1)]
        return m
