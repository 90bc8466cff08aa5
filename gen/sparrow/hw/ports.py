"""Signatures shared between the core's components (seen from the side that drives the
request: memories and the weight buffer take them flipped, as ``In(...)``)."""

from __future__ import annotations

from amaranth import signed
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from .params import check_positive_int


class ReadPortSignature(wiring.Signature):
    """A synchronous read port: in a cycle with ``en``, word ``addr`` is read; ``data`` holds
    it from the next cycle until the next read."""

    def __init__(self, *, addr_bits: int, data_shape):
        check_positive_int("addr_bits", addr_bits)
        super().__init__({"addr": Out(addr_bits), "en": Out(1), "data": In(data_shape)})


class RequestSignature(wiring.Signature):
    """A read request whose data come out on another port: word ``addr`` when ``en``."""

    def __init__(self, *, addr_bits: int):
        check_positive_int("addr_bits", addr_bits)
        super().__init__({"addr": Out(addr_bits), "en": Out(1)})


class WritePortSignature(wiring.Signature):
    """A write port with one enable per lane: at the clock edge of a cycle with ``en[i]``,
    lane ``i`` of word ``addr`` takes lane ``i`` of ``data``."""

    def __init__(self, *, addr_bits: int, data_shape, lanes: int = 1):
        check_positive_int("addr_bits", addr_bits)
        check_positive_int("lanes", lanes)
        super().__init__({"addr": Out(addr_bits), "en": Out(lanes), "data": Out(data_shape)})


class ConfigSignature(wiring.Signature):
    """The configuration (weight) write port of a loadable core: one weight or bias (two's
    complement in the low bits of ``data``) written at ``addr`` of the plan's config map in a
    cycle with ``en``."""

    def __init__(self, *, addr_bits: int, data_bits: int):
        check_positive_int("addr_bits", addr_bits)
        check_positive_int("data_bits", data_bits)
        super().__init__({"addr": Out(addr_bits), "data": Out(data_bits), "en": Out(1)})


class CoefficientSignature(wiring.Signature):
    """What the PE lanes multiply and start from: one signed weight and one bias (already at
    accumulator width) per lane, driven by the weight buffer."""

    def __init__(self, *, lanes: int, weight_bits: int, accumulator_bits: int):
        for name, value in (("lanes", lanes), ("weight_bits", weight_bits),
                            ("accumulator_bits", accumulator_bits)):
            check_positive_int(name, value)
        super().__init__({
            "weights": Out(data.ArrayLayout(signed(weight_bits), lanes)),
            "biases": Out(data.ArrayLayout(signed(accumulator_bits), lanes)),
        })
