"""Layer controller: fetches the source words of every layer and issues their elements.

It walks the schedule of :mod:`sparrow.hw.schedule` in two stages:

* **fetch** (stage A0): the next source word is read from the input buffer or an activation
  bank (``fetch``, ``fetch_addr``); order ``for q: for g: for valid pos: for w``, where the
  valid positions of output ``q`` are ``max(base, 0) .. min(base + K, L) - 1`` with
  ``base = q * stride - padding`` (padding costs nothing);
* **issue** (stage A1): the fetched word is in the memory's read register; its elements are
  issued one per cycle, lowest lane first: a count word issues its non-zero counts (zero
  skipping: ``nonzero`` from the core) or every valid lane, a sample or a pooling word issues
  once. ``issue`` moves a tap to the lanes (``elem`` picks the operand, ``w_addr`` the weight
  word ``g * taps + j * C + c``, ``tap_valid`` says whether it multiplies); a word with nothing
  to issue costs one cycle in which nothing moves unless it opens or closes a group (``first``
  loads the bias, ``last`` starts the fire). The next word is fetched in the cycle of the
  current word's last issue, so words follow back to back.

A group closes no earlier than ``fire_cycles`` cycles after it opened (a divide-mode fire
needs them); after a layer's last issue the pipeline drains ``2 + fire_cycles`` cycles, and
after the last layer ``done`` is raised for one cycle. Addresses are running sums; the only
products are small tables per layer.

The layer with the aux input (a plan with ``aux_words``) closes each window with an aux phase:
after the window's last word it fetches the ``aux_words`` aux values from the aux buffer
(``fetch_aux``; ``fetch_addr`` is the feature), one word each, issued like a sample (``aux``
marks them in the issue stage) against the group's weight words ``taps + f``; the group then
closes on the last aux word.

A plan with a streamed input (``input_style`` ``stream``) fetches a word only when the core
says it is there (``source_ready``: a sample already taken, or, for every later layer and for
the first layer's last word, the whole input). A cycle in which the controller would fetch but
may not is a wait (``wait``); nothing else in it differs from the same cycle without the wait,
so the schedule, less its waits, is the buffered core's. ``input_floor`` is the lowest sample
the first layer may still fetch, one window behind the one being fetched (so a sample waiting
in the read register to be issued is never overwritten), and ``reading_input`` says whether
it may fetch any.

An ``if`` plan (:mod:`sparrow.hw.if_plan`) walks every layer once per timestep: after a step's
drain the layer starts again with the next ``step``, and the running bases move on by a step
of the source bank (``fetch_addr``), of the bias memory (``b_addr``: spread biases) and of the
destination bank (``write_base``, to add to a written word's ``out_addr``).
"""

from __future__ import annotations

from amaranth import Array, Const, Module, Mux, Signal, signed
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


def lowest_set(m: Module, mask, width: int, name: str):
    """(index, found): the lowest set bit of ``mask`` (a priority encoder)."""
    index = Signal(range(max(width, 2)), name=f"{name}_index")
    found = Signal(name=f"{name}_found")
    m.d.comb += found.eq(mask != 0)
    for i in reversed(range(width)):
        with m.If(mask[i]):
            m.d.comb += index.eq(i)
    return index, found


class LayerController(wiring.Component):
    """Sequencer of the layer-sequential core (see the module doc).

    ``start`` (one cycle) begins an inference; ``busy`` is high until the cycle with ``done``.
    Fetch outputs: ``fetch``, ``fetch_addr``, ``fetch_input`` (the input buffer, else bank
    ``layer``'s source). Issue inputs: ``nonzero`` (per lane, the fetched count is not 0).
    Issue outputs (valid in a cycle with ``issue``): ``tap_valid``, ``elem``, ``w_addr``,
    ``weight_read`` (read the weight word), ``bias_read`` (read the group's bias word
    ``b_addr``), ``first``, ``last``, ``group``, ``position``, ``out_addr``; and always
    ``layer``, ``pool``, ``src_input`` (an ``if`` plan adds ``step`` and ``write_base``; a
    plan with an aux input adds ``fetch_aux`` and ``aux``).
    """

    def __init__(self, plan: HardwarePlan):
        check_instance("plan", plan, HardwarePlan)
        self._plan = plan
        rows = plan.layers
        p = plan.lanes
        self._pos_bits = _signed_bits(-max(l.padding for l in rows),
                                      max(l.in_length + l.kernel for l in rows))
        self._row_bits = _signed_bits(min(-l.padding * l.row_stride for l in rows),
                                      max((l.in_length + l.kernel) * l.row_stride for l in rows))
        act_words = max(max(plan.act_words), plan.input_words, plan.aux_words)
        self._stepped = plan.variant == "if"
        extra = {"step": Out(range(max(plan.steps, 2))),
                 "write_base": Out(_range_bits(max(plan.act_words)))} if self._stepped else {}
        self._aux = plan.aux_words > 0
        if self._aux:
            extra.update({"fetch_aux": Out(1), "aux": Out(1)})
        self._streamed = plan.input_style == "stream"
        if self._streamed:
            extra.update({"source_ready": In(1), "wait": Out(1), "quiet": Out(1),
                          "input_floor": Out(_range_bits(plan.input_words)),
                          "reading_input": Out(1), "fetch_last": Out(1)})
        super().__init__({
            "start": In(1),
            "busy": Out(1),
            "done": Out(1),
            "layer": Out(range(len(rows))),
            "pool": Out(1),
            "src_input": Out(1),
            "fetch": Out(1),
            "fetch_addr": Out(_range_bits(act_words)),
            "nonzero": In(p),
            "issue": Out(1),
            "tap_valid": Out(1),
            "elem": Out(range(max(p, 2))),
            "w_addr": Out(_range_bits(max(l.weight_words for l in rows))),
            "weight_read": Out(1),
            "bias_read": Out(1),
            "b_addr": Out(_range_bits(max(max(l.groups, l.bias_words) for l in rows))),
            "first": Out(1),
            "last": Out(1),
            "group": Out(_range_bits(max(l.groups for l in rows))),
            "position": Out(_range_bits(max(l.out_length for l in rows))),
            "out_addr": Out(_range_bits(max(l.out_length * l.groups for l in rows))),
            **extra,
        })

    @property
    def plan(self) -> HardwarePlan:
        return self._plan

    @property
    def fetch_latency(self) -> int:
        """Cycles from a fetch to the issue of its word's first element."""
        return 1

    def elaborate(self, platform):
        m = Module()
        plan = self._plan
        rows = plan.layers
        p = plan.lanes
        n = len(rows)
        pos_shape = signed(self._pos_bits)
        row_shape = signed(self._row_bits)

        def table(values, shape=None):
            return Array(Const(v, shape) if shape is not None else Const(v) for v in values)

        max_pad = max(l.padding for l in rows)
        T = {
            "out_length": table([l.out_length for l in rows]),
            "groups": table([l.groups for l in rows]),
            "group_words": table([l.group_words for l in rows]),
            "kernel": table([l.kernel for l in rows]),
            "in_length": table([l.in_length for l in rows]),
            "in_channels": table([l.in_channels for l in rows]),
            "words": table([l.row_words for l in rows]),
            "stride": table([l.stride for l in rows]),
            "row_stride": table([l.row_stride for l in rows], row_shape),
            "row_step": table([l.stride * l.row_stride for l in rows], row_shape),
            "base0": table([-l.padding for l in rows], pos_shape),
            "base_row0": table([-l.padding * l.row_stride for l in rows], row_shape),
            "fire": table([l.fire_cycles for l in rows]),
            "drain": table([l.drain_cycles for l in rows]),
            "pool": table([int(l.kind == "pool") for l in rows]),
            "input": table([int(l.src == "input") for l in rows]),
            "counts": table([int(l.kind == "conv" and l.src != "input") for l in rows]),
            "skip": table([int(l.zero_skip) for l in rows]),
        }
        # k * C for the k padding positions a window may skip at its start (no multiplier).
        skip_taps = Array(Array(Const(k * l.in_channels) for k in range(max_pad + 1))
                          for l in rows)
        # Lanes that hold a channel, per layer and source word (the last word may be partial).
        max_words = max(l.row_words for l in rows)
        lane_valid = Array(Array(Const(((1 << max(0, min(p, l.in_channels - w * p))) - 1)
                                       if l.kind == "conv" and l.src != "input" else 1, p)
                                 for w in range(max_words)) for l in rows)
        layer = Signal(range(n))
        cur = {k: v[layer] for k, v in T.items()}
        m.d.comb += [self.layer.eq(layer), self.pool.eq(cur["pool"]),
                     self.src_input.eq(cur["input"])]

        # ---- fetch state: the next word to fetch -------------------------------------------
        fetching = Signal()                    # the layer has words left to fetch
        q = Signal(range(max(l.out_length for l in rows) + 1))
        g = Signal(range(max(l.groups for l in rows) + 1))
        w = Signal(range(max_words + 1))
        base = Signal(pos_shape)               # q * stride - padding
        base_row = Signal(row_shape)           # base * row_stride
        pos = Signal(pos_shape)                # the fetched word's input position
        row = Signal(row_shape)                # pos * row_stride
        tb = Signal(len(self.w_addr) + 1)      # weight index of the word's first element
        tb_pos = Signal.like(tb)               # ... of the position's first word
        group_tb = Signal.like(tb)             # g * taps
        out_addr = Signal(len(self.out_addr))
        start_pos = Signal(pos_shape)
        end_pos = Signal(pos_shape)
        m.d.comb += [start_pos.eq(Mux(base < 0, 0, base)),
                     end_pos.eq(Mux(base + cur["kernel"] > cur["in_length"], cur["in_length"],
                                    base + cur["kernel"]))]
        last_w = Signal()
        last_pos = Signal()
        last_g = Signal()
        last_q = Signal()
        m.d.comb += [last_w.eq(w == cur["words"] - 1), last_pos.eq(pos == end_pos - 1),
                     last_g.eq(g == cur["groups"] - 1), last_q.eq(q == cur["out_length"] - 1)]
        fetch_addr = row + Mux(cur["pool"], g, w)
        if self._stepped:
            # Running bases of the step: source bank, spread biases, destination bank.
            steps = plan.steps
            step = Signal(range(max(steps, 2)))
            src_base = Signal(len(self.fetch_addr))
            bias_base = Signal(len(self.b_addr))
            last_step = Signal()
            m.d.comb += [self.step.eq(step), last_step.eq(step == steps - 1)]
            fetch_addr = fetch_addr + src_base
            step_sizes = (
                (src_base, table([l.in_length * l.row_stride if l.src != "input" else 0
                                  for l in rows])),
                (bias_base, table([l.groups if l.has_weights and l.src != "input" else 0
                                   for l in rows])),
                (self.write_base, table([l.out_length * l.groups if l.dst != "scores" else 0
                                         for l in rows])),
            )
            first_step = [step.eq(0)] + [b.eq(0) for b, _ in step_sizes]
            next_step = [step.eq(step + 1)] + [b.eq(b + size[layer]) for b, size in step_sizes]
        if self._aux:
            # The aux phase of the aux layer: feature f of the aux buffer.
            aux_phase = Signal()
            f = Signal(range(max(plan.aux_words, 2)))
            last_f = Signal()
            layer_aux = table([int(l.aux_words > 0) for l in rows])[layer]
            m.d.comb += [last_f.eq(f == plan.aux_words - 1), self.fetch_aux.eq(aux_phase)]
            fetch_addr = Mux(aux_phase, f, fetch_addr)
        m.d.comb += self.fetch_addr.eq(fetch_addr)

        # ---- issue state: the fetched word ----------------------------------------------
        loaded = Signal()                      # a fetched word is in the read register
        d_first = Signal()                     # it opens its group
        d_last = Signal()                      # it closes its group
        d_tb = Signal.like(tb)
        d_g, d_q = Signal.like(g), Signal.like(q)
        d_out = Signal.like(out_addr)
        d_lanes = Signal(p)                    # lanes it may issue
        d_aux = Signal()                       # it is an aux value
        d_layer_end = Signal()                 # it is the layer's last word
        done_lanes = Signal(p)                 # lanes of it already issued
        opened = Signal()                      # its group has issued its first cycle
        group_age = Signal(range(max(l.fire_cycles for l in rows) + 2))
        candidates = Signal(p)
        with m.If(cur["counts"] & ~d_aux):
            m.d.comb += candidates.eq(Mux(cur["skip"], self.nonzero & d_lanes, d_lanes)
                                      & ~done_lanes)
        with m.Else():
            m.d.comb += candidates.eq(d_lanes & ~done_lanes)
        e, found = lowest_set(m, candidates, p, "issue")
        word_done = Signal()                   # this cycle finishes the word
        closing = Signal()
        hold = Signal()                        # a divide-mode fire needs the group longer
        m.d.comb += [
            word_done.eq(loaded & ((candidates & ~(1 << e)) == 0)),
            closing.eq(word_done & d_last),
            hold.eq(closing & (group_age + 1 < cur["fire"])),
        ]
        advance = Signal()                     # the next word may be fetched
        due = Signal()                         # ... and there is one to fetch
        m.d.comb += [advance.eq(~loaded | (word_done & ~hold)),
                     due.eq(fetching & advance & ~self.start)]
        source_ready = self.source_ready if self._streamed else Const(1)
        m.d.comb += self.fetch.eq(due & source_ready)

        first = Signal()
        m.d.comb += [
            first.eq(loaded & d_first & ~opened),
            self.issue.eq(loaded & ~hold & (found | first | closing)),
            self.tap_valid.eq(loaded & ~hold & found),
            self.elem.eq(e),
            self.w_addr.eq(d_tb + e),
            self.weight_read.eq(loaded & ~hold & found & ~cur["pool"]),
            self.bias_read.eq(first & ~hold & ~cur["pool"]),
            self.b_addr.eq(d_g + bias_base if self._stepped else d_g),
            self.first.eq(first),
            self.last.eq(closing & ~hold),
            self.group.eq(d_g),
            self.position.eq(d_q),
            self.out_addr.eq(d_out),
        ]
        if self._aux:
            m.d.comb += self.aux.eq(d_aux)

        issued_now = Signal()
        m.d.comb += issued_now.eq(loaded & ~hold & found)
        with m.If(loaded & ~hold):
            with m.If(first):
                m.d.sync += opened.eq(1)
            with m.If(issued_now):
                m.d.sync += done_lanes.eq(done_lanes | (1 << e))

        # ---- sequencing ------------------------------------------------------------------
        draining = Signal()
        drain = Signal(range(max(l.drain_cycles for l in rows) + 1))
        done = draining & (drain == 0) & (layer == n - 1)
        m.d.comb += [self.busy.eq(fetching | loaded | draining),
                     self.done.eq(done & last_step if self._stepped else done)]

        def window(index, new_base, new_base_row, new_group_tb):
            """Fetch counters for the first valid position of a window starting at
            ``new_base`` (a Value) of layer ``index``."""
            start = Mux(new_base < 0, 0, new_base)
            first_tb = new_group_tb + skip_taps[index][start - new_base]
            return [pos.eq(start), row.eq(Mux(new_base_row < 0, 0, new_base_row)),
                    tb_pos.eq(first_tb), tb.eq(first_tb), w.eq(0)]

        def enter_layer(index, *, restart=False):
            """Start layer ``index`` (``restart``: its next step)."""
            steps = (next_step if restart else first_step) if self._stepped else []
            return [layer.eq(index), q.eq(0), g.eq(0), out_addr.eq(0),
                    base.eq(T["base0"][index]), base_row.eq(T["base_row0"][index]),
                    group_tb.eq(0), fetching.eq(1), draining.eq(0), loaded.eq(0),
                    *window(index, T["base0"][index], T["base_row0"][index], 0), *steps]

        # The next window: the next group at this position, or the first at the next one.
        next_base = Signal.like(base)
        next_base_row = Signal.like(base_row)
        next_group_tb = Signal.like(group_tb)
        m.d.comb += [next_base.eq(Mux(last_g, base + cur["stride"], base)),
                     next_base_row.eq(Mux(last_g, base_row + cur["row_step"], base_row)),
                     next_group_tb.eq(Mux(last_g, 0, group_tb + cur["group_words"]))]
        with m.If(loaded & (group_age < max(l.fire_cycles for l in rows))):
            m.d.sync += group_age.eq(group_age + 1)
        if self._streamed:
            floor = Signal(signed(self._row_bits + 1))
            window_end = last_w & last_pos
            if self._aux:
                window_end = Mux(layer_aux, aux_phase & last_f, window_end)
            m.d.comb += [
                self.wait.eq(due & ~source_ready),
                self.quiet.eq(~loaded),
                floor.eq(base_row - T["row_step"][0]),
                self.input_floor.eq(Mux(floor < 0, 0, floor)),
                self.reading_input.eq((layer == 0) & (fetching | loaded)),
                self.fetch_last.eq(window_end & last_g & last_q),
            ]
        with m.If(self.start):
            m.d.sync += enter_layer(0)
        with m.Elif(self.fetch):
            # Fetch this word (fetch_addr); the issue stage takes it at the edge.
            new_group = (pos == start_pos) & (w == 0)
            closes = last_pos & last_w               # the word closes its group
            lanes_now = lane_valid[layer][w]
            if self._aux:
                new_group = new_group & ~aux_phase
                closes = Mux(aux_phase, last_f, closes & ~layer_aux)
                lanes_now = Mux(aux_phase, 1, lanes_now)
                m.d.sync += d_aux.eq(aux_phase)
            m.d.sync += [loaded.eq(1), d_first.eq(new_group), d_last.eq(closes),
                         d_tb.eq(tb), d_g.eq(g), d_q.eq(q), d_out.eq(out_addr),
                         d_lanes.eq(lanes_now),
                         d_layer_end.eq(closes & last_g & last_q),
                         done_lanes.eq(0)]
            with m.If(new_group):
                m.d.sync += [opened.eq(0), group_age.eq(0)]

            def next_window():
                """The group's last word: on to the next window (or the layer's end)."""
                m.d.sync += [out_addr.eq(out_addr + 1), base.eq(next_base),
                             base_row.eq(next_base_row), group_tb.eq(next_group_tb),
                             g.eq(Mux(last_g, 0, g + 1)), q.eq(Mux(last_g, q + 1, q)),
                             *window(layer, next_base, next_base_row, next_group_tb)]
                with m.If(last_g & last_q):
                    m.d.sync += fetching.eq(0)

            branch = m.If
            if self._aux:
                with m.If(aux_phase):
                    with m.If(~last_f):
                        m.d.sync += [f.eq(f + 1), tb.eq(tb + 1)]
                    with m.Else():
                        m.d.sync += aux_phase.eq(0)
                        next_window()
                branch = m.Elif
            with branch(~last_w):
                m.d.sync += [w.eq(w + 1), tb.eq(tb + Mux(cur["counts"], p, 1))]
            with m.Elif(~last_pos):
                m.d.sync += [w.eq(0), pos.eq(pos + 1), row.eq(row + cur["row_stride"]),
                             tb_pos.eq(tb_pos + cur["in_channels"]),
                             tb.eq(tb_pos + cur["in_channels"])]
            if self._aux:
                with m.Elif(layer_aux):
                    # The window is done: the aux weights follow its taps (tap taps + 0).
                    m.d.sync += [aux_phase.eq(1), f.eq(0),
                                 tb.eq(tb_pos + cur["in_channels"])]
            with m.Else():
                next_window()
        with m.Elif(loaded & word_done & ~hold):
            # The layer's last word finished issuing: drain, then the next layer.
            m.d.sync += loaded.eq(0)
            with m.If(d_layer_end):
                m.d.sync += [draining.eq(1), drain.eq(cur["drain"] - 1)]
        with m.Elif(draining):
            with m.If(drain != 0):
                m.d.sync += drain.eq(drain - 1)
            if self._stepped:
                with m.Elif(~last_step):
                    m.d.sync += enter_layer(layer, restart=True)
            with m.Elif(layer == n - 1):
                m.d.sync += draining.eq(0)
            with m.Else():
                m.d.sync += enter_layer(layer + 1)
        return m
