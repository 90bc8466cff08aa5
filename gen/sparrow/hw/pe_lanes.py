"""P parallel processing-element lanes: multiply-accumulate, or running max for pooling."""

from __future__ import annotations

from amaranth import Module, Mux, signed, unsigned
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from .params import check_positive_int
from .ports import CoefficientSignature


class PeLanes(wiring.Component):
    """``lanes`` accumulators fed by one broadcast activation and one weight per lane.

    In a cycle with ``en``:

    * weighted layer (``pool`` low): ``acc[i] <= (first ? bias[i] : acc[i]) + w[i] * a`` with
      ``w``/``bias`` from ``coefficients`` and ``a`` the broadcast ``operand``,
      the product left out when ``valid`` is low (a padding tap);
    * pooling (``pool`` high): ``acc[i] <= first ? word[i] : max(acc[i], word[i])``.

    ``accumulator_bits`` comes from the worst-case bound of the layers (not from the operand
    widths), so every sum fits exactly. ``acc`` is a register: it holds the finished V of a
    group for one cycle while the next group's first tap already accumulates (the fire stage
    reads it then).
    """

    def __init__(self, *, lanes: int, operand_bits: int, weight_bits: int,
                 accumulator_bits: int, count_bits: int):
        for name, value in (("lanes", lanes), ("operand_bits", operand_bits),
                            ("count_bits", count_bits)):
            check_positive_int(name, value)
        self._lanes = lanes
        acc = signed(accumulator_bits)
        super().__init__({
            "en": In(1),
            "first": In(1),
            "valid": In(1),
            "pool": In(1),
            "operand": In(signed(operand_bits)),
            "coefficients": In(CoefficientSignature(lanes=lanes, weight_bits=weight_bits,
                                                    accumulator_bits=accumulator_bits)),
            "word": In(data.ArrayLayout(unsigned(count_bits), lanes)),
            "acc": Out(data.ArrayLayout(acc, lanes)),
        })

    @property
    def latency(self) -> int:
        """Cycles from inputs to ``acc``."""
        return 1

    def elaborate(self, platform):
        m = Module()
        with m.If(self.en):
            for i in range(self._lanes):
                acc = self.acc[i]
                # The max comparator sees its operands only in pooling layers (operand
                # isolation): elsewhere the accumulator changes at every MAC.
                word = Mux(self.pool, self.word[i], 0)
                held = Mux(self.pool, acc, 0)
                with m.If(self.pool):
                    m.d.sync += acc.eq(Mux(self.first | (word > held), word, acc))
                with m.Else():
                    start = Mux(self.first, self.coefficients.biases[i], acc)
                    product = Mux(self.valid, self.coefficients.weights[i] * self.operand, 0)
                    m.d.sync += acc.eq(start + product)
        return m
