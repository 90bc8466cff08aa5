"""Layer controller: walks the layer table and issues one tap per cycle (stage A).

For each layer it runs the loop nest of :mod:`sparrow.hw.plan`::

    for q in out positions:             # base = q*stride - padding
      for g in groups of P channels:
        for t in 0 .. period-1:         # a tap in cycles t < taps, idle after
          conv: tap (j, c), j outer, c inner; input position pos = base + j
          pool: tap j; position pos = base + j; word g
    drain 2 + fire_cycles cycles

and after the last layer raises ``done``. Addresses are kept as running sums (no multipliers).
Everything it drives is combinational from its counters, so the memories see the addresses of
a tap in the cycle the tap is issued; their data arrive one cycle later (stage B).
"""

from __future__ import annotations

from amaranth import Array, Const, Module, Signal, signed
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from .params import check_instance
from .plan import HardwarePlan


def _range_bits(hi: int) -> int:
    """Unsigned bits for values 0..hi."""
    return max(1, int(hi).bit_length())


def _signed_bits(lo: int, hi: int) -> int:
    bits = 1
    while not (-(1 << (bits - 1)) <= lo and hi < (1 << (bits - 1))):
        bits += 1
    return bits


class LayerController(wiring.Component):
    """Sequencer of the layer-sequential core.

    ``start`` (one cycle) begins an inference at layer 0; ``busy`` is high until the cycle
    with ``done``. In each busy cycle with ``issue`` high, the outputs describe one tap:
    ``tap_valid`` (not a padding tap), ``src_input`` (read the sample buffer instead of an
    activation bank), ``act_addr`` and ``elem`` (word and lane of the input activation),
    ``w_addr`` (weight word), ``first``/``last`` (first/last tap of a group; ``b_addr`` is the
    group's bias word), ``out_addr``, ``group`` and ``position`` (where the group's result
    goes).
    """

    def __init__(self, plan: HardwarePlan):
        check_instance("plan", plan, HardwarePlan)
        self._plan = plan
        rows = plan.layers
        self._pos_lo = -max(l.padding for l in rows)
        self._pos_hi = max(l.in_length + l.padding + l.kernel for l in rows)
        row_lo = min(-l.padding * l.row_stride for l in rows)
        row_hi = max((l.in_length + l.padding + l.kernel) * l.row_stride for l in rows)
        self._row_bits = _signed_bits(row_lo, row_hi)
        self._pos_bits = _signed_bits(self._pos_lo, self._pos_hi)
        act_words = max(max(plan.act_words), plan.input_words)
        super().__init__({
            "start": In(1),
            "busy": Out(1),
            "done": Out(1),
            "layer": Out(range(len(rows))),
            "issue": Out(1),
            "tap_valid": Out(1),
            "src_input": Out(1),
            "pool": Out(1),
            "act_addr": Out(_range_bits(act_words)),
            "elem": Out(range(max(plan.lanes, 2))),
            "w_addr": Out(_range_bits(max(l.weight_words for l in rows))),
            "b_addr": Out(_range_bits(max(l.groups for l in rows))),
            "first": Out(1),
            "last": Out(1),
            "group": Out(_range_bits(max(l.groups for l in rows))),
            "position": Out(_range_bits(max(l.out_length for l in rows))),
            "out_addr": Out(_range_bits(max(l.out_length * l.groups for l in rows))),
        })

    @property
    def plan(self) -> HardwarePlan:
        return self._plan

    def elaborate(self, platform):
        m = Module()
        rows = self._plan.layers
        n = len(rows)

        def table(values, shape=None):
            return Array(Const(v, shape) if shape is not None else Const(v) for v in values)

        signed_row = signed(self._row_bits)
        signed_pos = signed(self._pos_bits)
        T = {
            "out_length": table([l.out_length for l in rows]),
            "groups": table([l.groups for l in rows]),
            "taps": table([l.taps for l in rows]),
            "period": table([l.period for l in rows]),
            "in_channels": table([l.in_channels for l in rows]),
            "elems": table([l.elems_per_word for l in rows]),
            "in_length": table([l.in_length for l in rows]),
            "stride": table([l.stride for l in rows]),
            "row_stride": table([l.row_stride for l in rows], signed_row),
            "row_step": table([l.stride * l.row_stride for l in rows], signed_row),
            "base0": table([-l.padding for l in rows], signed_pos),
            "base_row0": table([-l.padding * l.row_stride for l in rows], signed_row),
            "drain": table([l.drain_cycles for l in rows]),
            "pool": table([int(l.kind == "pool") for l in rows]),
            "input": table([int(l.src == "input") for l in rows]),
        }
        layer = Signal(range(n))
        cur = {k: v[layer] for k, v in T.items()}

        issuing = Signal()
        draining = Signal()
        q = Signal(range(max(l.out_length for l in rows) + 1))
        g = Signal(range(max(l.groups for l in rows) + 1))
        t = Signal(range(max(l.period for l in rows) + 1))
        c = Signal(range(max(l.in_channels for l in rows) + 1))
        ce = Signal(range(max(self._plan.lanes, 2)))
        cg = Signal(range(max(l.in_channels for l in rows) + 1))
        base = Signal(signed_pos)
        base_row = Signal(signed_row)
        pos = Signal(signed_pos)
        pos_row = Signal(signed_row)
        w_addr = Signal(len(self.w_addr))
        out_addr = Signal(len(self.out_addr))
        drain = Signal(range(max(l.drain_cycles for l in rows) + 1))

        issue = Signal()
        group_end = Signal()
        m.d.comb += [
            self.busy.eq(issuing | draining),
            self.layer.eq(layer),
            issue.eq(issuing & (t < cur["taps"])),
            group_end.eq(issuing & (t == cur["period"] - 1)),
            self.issue.eq(issue),
            self.pool.eq(cur["pool"]),
            self.src_input.eq(cur["input"]),
            self.tap_valid.eq(cur["pool"] | ((pos >= 0) & (pos < cur["in_length"]))),
            self.elem.eq(ce),
            self.w_addr.eq(w_addr),
            self.b_addr.eq(g),
            self.first.eq(t == 0),
            self.last.eq(t == cur["taps"] - 1),
            self.group.eq(g),
            self.position.eq(q),
            self.out_addr.eq(out_addr),
        ]
        # Pool taps read word g of the row; conv taps read the word holding channel c.
        with m.If(cur["pool"]):
            m.d.comb += self.act_addr.eq(pos_row + g)
        with m.Else():
            m.d.comb += self.act_addr.eq(pos_row + cg)

        def enter_layer(index_value):
            """Counters for the first tap of the layer ``index_value`` (a Value or int)."""
            return [
                layer.eq(index_value), q.eq(0), g.eq(0), t.eq(0), c.eq(0), ce.eq(0), cg.eq(0),
                base.eq(T["base0"][index_value]), pos.eq(T["base0"][index_value]),
                base_row.eq(T["base_row0"][index_value]),
                pos_row.eq(T["base_row0"][index_value]),
                w_addr.eq(0), out_addr.eq(0), issuing.eq(1), draining.eq(0),
            ]

        with m.If(self.start):
            m.d.sync += enter_layer(0)
        with m.Elif(issuing):
            m.d.sync += t.eq(t + 1)
            with m.If(issue):
                m.d.sync += w_addr.eq(w_addr + 1)
                with m.If(cur["pool"] | (c == cur["in_channels"] - 1)):
                    # next kernel position
                    m.d.sync += [c.eq(0), ce.eq(0), cg.eq(0), pos.eq(pos + 1),
                                 pos_row.eq(pos_row + cur["row_stride"])]
                with m.Else():
                    m.d.sync += c.eq(c + 1)
                    with m.If(ce == cur["elems"] - 1):
                        m.d.sync += [ce.eq(0), cg.eq(cg + 1)]
                    with m.Else():
                        m.d.sync += ce.eq(ce + 1)
            with m.If(group_end):
                m.d.sync += [t.eq(0), c.eq(0), ce.eq(0), cg.eq(0), out_addr.eq(out_addr + 1)]
                with m.If(g == cur["groups"] - 1):
                    m.d.sync += [
                        g.eq(0), q.eq(q + 1), w_addr.eq(0),
                        base.eq(base + cur["stride"]), pos.eq(base + cur["stride"]),
                        base_row.eq(base_row + cur["row_step"]),
                        pos_row.eq(base_row + cur["row_step"]),
                    ]
                    with m.If(q == cur["out_length"] - 1):
                        m.d.sync += [issuing.eq(0), draining.eq(1), drain.eq(cur["drain"] - 1)]
                with m.Else():
                    m.d.sync += [g.eq(g + 1), pos.eq(base), pos_row.eq(base_row)]
        with m.Elif(draining):
            with m.If(drain != 0):
                m.d.sync += drain.eq(drain - 1)
            with m.Elif(layer == n - 1):
                m.d.sync += draining.eq(0)
            with m.Else():
                m.d.sync += enter_layer(layer + 1)
        m.d.comb += self.done.eq(draining & (drain == 0) & (layer == n - 1))
        return m
