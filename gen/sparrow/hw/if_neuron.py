"""Integrate-and-fire units of the ``if`` core: P neurons that add a step's current to their
membrane, compare with the threshold and subtract it (non-leaky, reset by subtraction)."""

from __future__ import annotations

from amaranth import Cat, Module, Mux, Signal, signed, unsigned
from amaranth.lib import data, enum, wiring
from amaranth.lib.wiring import In, Out

from .params import check_positive_int


class IfMode(enum.Enum, shape=2):
    """What the units do with a layer (values are the layer-table encoding)."""

    FIRE = 0        # a spiking layer: integrate, fire, reset by subtraction
    INTEGRATE = 1   # the output layer: integrate only (the membranes become the scores)
    POOL = 2        # max-pooling: running maxima of cumulative counts (tap deficits)


class IfNeuronUnits(wiring.Component):
    """Fire stage of ``lanes`` integrate-and-fire neurons (see :mod:`sparrow.hw.if_plan`).

    In the fire cycle the units see the step's current ``acc`` (the lanes) and the neurons'
    state ``membrane`` (read from the membrane memory; ``fresh`` at step 0: the state is 0,
    whatever is read) and drive, combinationally, the new ``state`` and the step's ``spikes``:

    * FIRE: ``v = membrane + acc``; spike if ``v >= threshold``; ``state = v - spike *
      threshold``;
    * INTEGRATE: ``state = membrane + acc``, no spike;
    * POOL: the state holds one ``count_bits`` deficit per window tap; the taps' input spikes
      are collected before the fire cycle (``collect``: one tap's ``word`` of spikes per cycle,
      ``first`` on a window's first tap); the output spikes where a tap at deficit 0 spikes,
      and every deficit moves by ``spike - tap spike``.

    The only register is the tap collector, which changes in cycles with ``collect`` (a clock
    gated by it loses nothing).
    """

    def __init__(self, *, lanes: int, accumulator_bits: int, membrane_bits: int,
                 count_bits: int, taps: int, param_bits: int):
        for name, value in (("lanes", lanes), ("accumulator_bits", accumulator_bits),
                            ("membrane_bits", membrane_bits), ("count_bits", count_bits),
                            ("taps", taps), ("param_bits", param_bits)):
            check_positive_int(name, value)
        if taps * count_bits > membrane_bits:
            raise ValueError(f"{taps} deficits of {count_bits} bits do not fit a membrane of "
                             f"{membrane_bits} bits")
        self._lanes, self._count_bits, self._taps = lanes, count_bits, taps
        self._membrane_bits = membrane_bits
        state = data.ArrayLayout(signed(membrane_bits), lanes)
        super().__init__({
            "mode": In(IfMode),
            "fresh": In(1),
            "acc": In(data.ArrayLayout(signed(accumulator_bits), lanes)),
            "threshold": In(data.ArrayLayout(unsigned(param_bits), lanes)),
            "membrane": In(state),
            "collect": In(1),
            "first": In(1),
            "word": In(lanes),
            "state": Out(state),
            "spikes": Out(lanes),
        })

    def elaborate(self, platform):
        m = Module()
        cbits, taps = self._count_bits, self._taps
        for i in range(self._lanes):
            collected = Signal(taps, name=f"taps{i}")      # tap j of K at bit K-1-j
            with m.If(self.collect):
                m.d.sync += collected.eq(Mux(self.first, self.word[i],
                                             Cat(self.word[i], collected[:-1]) if taps > 1
                                             else self.word[i]))
            old = Signal(signed(self._membrane_bits), name=f"old{i}")
            m.d.comb += old.eq(Mux(self.fresh, 0, self.membrane[i]))
            v = Signal(signed(self._membrane_bits + 1), name=f"v{i}")
            fire = Signal(name=f"fire{i}")
            m.d.comb += [v.eq(old + self.acc[i]), fire.eq(v >= self.threshold[i])]

            # Pooling: deficits in the low bits of the state, one count_bits field per tap.
            deficits = [old.as_unsigned()[f * cbits:(f + 1) * cbits] for f in range(taps)]
            pool_spike = Signal(name=f"pool_spike{i}")
            m.d.comb += pool_spike.eq(Cat(*[(d == 0) & collected[f]
                                            for f, d in enumerate(deficits)]).any())
            moved = Cat(*[(d + pool_spike - collected[f])[:cbits]
                          for f, d in enumerate(deficits)])

            with m.Switch(self.mode):
                with m.Case(IfMode.FIRE):
                    m.d.comb += [self.spikes[i].eq(fire),
                                 self.state[i].eq(v - Mux(fire, self.threshold[i], 0))]
                with m.Case(IfMode.INTEGRATE):
                    m.d.comb += self.state[i].eq(v)
                with m.Case(IfMode.POOL):
                    m.d.comb += [self.spikes[i].eq(pool_spike), self.state[i].eq(moved)]
        return m
