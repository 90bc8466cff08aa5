"""SSF fire units: count = clamp(floor(V / theta), 0, T) for P lanes at once."""

from __future__ import annotations

from amaranth import Cat, Module, Mux, Signal, signed, unsigned
from amaranth.lib import data, enum, wiring
from amaranth.lib.wiring import In, Out

from .params import check_positive_int


class FireMode(enum.Enum, shape=2):
    """How a layer turns V into a count (values are the layer-table encoding)."""

    SHIFT = 0       # theta = 2**param: arithmetic shift, one cycle
    DIVIDE = 1      # any theta = param: restoring division, count_bits cycles
    MAX = 2         # pooling: the lane already holds the max count
    NONE = 3        # output layer: no fire


class SsfNeuronUnits(wiring.Component):
    """Fire stage of ``lanes`` neurons.

    ``start`` marks the cycle in which ``acc`` holds a finished group. In SHIFT and MAX mode
    ``counts`` are valid in that same cycle (``write`` is ``start``). In DIVIDE mode the units
    take ``acc`` at ``start`` and produce one quotient bit per cycle; ``write`` rises with the
    final counts :attr:`divide_latency` cycles after ``start``, and a new ``start`` may come
    that same cycle. Negative V gives 0; a quotient over T gives T. The units' registers change
    only in cycles with ``start`` or ``busy`` (a division in progress): a clock gated by those
    loses nothing.

    ``divide=False`` builds no divider (a core whose thresholds are all powers of two never
    selects DIVIDE; its idle registers would still leak): ``busy`` is then always 0.
    """

    def __init__(self, *, lanes: int, accumulator_bits: int, count_bits: int, timesteps: int,
                 param_bits: int, divide: bool = True):
        for name, value in (("lanes", lanes), ("accumulator_bits", accumulator_bits),
                            ("count_bits", count_bits), ("timesteps", timesteps),
                            ("param_bits", param_bits)):
            check_positive_int(name, value)
        if not isinstance(divide, bool):
            raise TypeError(f"divide must be a bool, got {divide!r}")
        if not timesteps < (1 << count_bits):
            raise ValueError(f"timesteps {timesteps} does not fit count_bits {count_bits}")
        self._lanes, self._acc_bits, self._count_bits = lanes, accumulator_bits, count_bits
        self._timesteps, self._param_bits = timesteps, param_bits
        self._divide = divide
        super().__init__({
            "start": In(1),
            "mode": In(FireMode),
            "acc": In(data.ArrayLayout(signed(accumulator_bits), lanes)),
            "param": In(data.ArrayLayout(unsigned(param_bits), lanes)),
            "counts": Out(data.ArrayLayout(unsigned(count_bits), lanes)),
            "write": Out(1),
            "busy": Out(1),
        })

    @property
    def divide_latency(self) -> int:
        """Cycles from ``start`` to ``write`` in DIVIDE mode (one per count bit)."""
        return self._count_bits

    def elaborate(self, platform):
        m = Module()
        cbits, T = self._count_bits, self._timesteps
        with m.Switch(self.mode):
            with m.Case(FireMode.SHIFT, FireMode.MAX):
                m.d.comb += self.write.eq(self.start)
        for i in range(self._lanes):
            acc = self.acc[i]
            shifted = Signal(unsigned(self._acc_bits), name=f"shifted{i}")
            m.d.comb += shifted.eq(acc.as_unsigned() >> self.param[i])
            with m.Switch(self.mode):
                with m.Case(FireMode.SHIFT):
                    m.d.comb += self.counts[i].eq(
                        Mux(acc < 0, 0, Mux(shifted > T, T, shifted)))
                with m.Case(FireMode.MAX):
                    m.d.comb += self.counts[i].eq(acc[:cbits])
        if self._divide:
            self._divider(m)
        return m

    def _divider(self, m: Module) -> None:
        """DIVIDE mode: a restoring division per lane, one quotient bit per cycle."""
        cbits, T = self._count_bits, self._timesteps
        # Divider state: remainder, shifted divisor, quotient, steps left.
        div_bits = max(self._acc_bits, self._param_bits + cbits) + 1
        steps = Signal(range(cbits + 1))
        last_step = Signal()
        m.d.comb += [last_step.eq(steps == 1), self.busy.eq(steps != 0)]
        with m.If(self.mode == FireMode.DIVIDE):
            m.d.comb += self.write.eq(last_step)

        with m.If((self.mode == FireMode.DIVIDE) & self.start):
            m.d.sync += steps.eq(cbits)
        with m.Elif(steps != 0):
            m.d.sync += steps.eq(steps - 1)

        for i in range(self._lanes):
            acc = self.acc[i]
            rem = Signal(signed(div_bits), name=f"rem{i}")
            divisor = Signal(unsigned(div_bits - 1), name=f"divisor{i}")
            quo = Signal(unsigned(cbits), name=f"quo{i}")
            trial = Signal(signed(div_bits + 1), name=f"trial{i}")
            take = Signal(name=f"take{i}")
            quo_next = Signal(unsigned(cbits), name=f"quo_next{i}")
            m.d.comb += [
                trial.eq(rem - divisor),
                take.eq(trial >= 0),
                # The quotient is built MSB first: shift in this step's bit at the bottom.
                quo_next.eq(Cat(take, quo[:-1]) if cbits > 1 else take),
            ]
            with m.If((self.mode == FireMode.DIVIDE) & self.start):
                m.d.sync += [
                    rem.eq(Mux(acc < 0, 0, acc)),
                    divisor.eq(self.param[i] << (cbits - 1)),
                    quo.eq(0),
                ]
            with m.Elif(steps != 0):
                m.d.sync += [
                    rem.eq(Mux(take, trial, rem)),
                    divisor.eq(divisor >> 1),
                    quo.eq(quo_next),
                ]

            with m.If(self.mode == FireMode.DIVIDE):
                m.d.comb += self.counts[i].eq(Mux(quo_next > T, T, quo_next))

