"""The SSF core: input buffer, layer controller, weight buffer, PE lanes, fire units,
activation buffers, argmax and performance counters, behind stream interfaces.

Pipeline of one tap (see :mod:`sparrow.hw.schedule` for the schedule):

* stage A0: the controller fetches a source word (a sample, or ``P`` counts) at the clock edge;
* stage A1: the word is in the memory's read register; the controller issues its elements one
  per cycle (with zero skipping only the non-zero counts): the operand is registered and the
  weight (and at a group's first issue the bias) memory reads at the clock edge;
* stage B: the lanes multiply-accumulate the operand with the P weights;
* stage C: the group's V (in the lanes' registers) fires and the counts are written back
  (DIVIDE fire writes ``count_bits`` cycles later); on the output layer V are the scores.

Interfaces (Verilog port names in brackets):

* ``sample`` [sample__valid, sample__ready, sample__payload]: raw samples in time-major order
  (sample ``l*C + c`` is channel ``c`` at time ``l``); accepted while the core is idle, and
  with a streamed input (``input_style`` ``stream``) while the first layer computes: the
  first sample starts the inference, the input memory is a ring of ``plan.input_depth``
  words, and ``sample.ready`` is low while the ring holds no free word.
* ``aux`` [aux__valid, aux__ready, aux__payload] (a model with an aux input): the aux values
  of the inference, feature 0 first, raw integers of the aux width. A stream of its own
  because the aux values have their own width and signedness (RR intervals of 12 unsigned
  bits beside 11-bit signed ECG samples); the core takes them first (``sample.ready`` stays
  low until the last one is in), then the samples, and the last sample starts the inference.
* ``result`` [result__valid, result__ready, result__payload]: payload is ``cls`` (argmax, low
  bits) then ``scores`` (one signed field per class, class 0 lowest); held until taken.
* ``perf`` [perf__cycles, perf__weight_reads, perf__activation_reads, perf__activation_writes,
  perf__synops]: counters of the last inference, cleared when the next one starts.
* ``cfg`` [cfg__addr, cfg__data, cfg__en] (loadable mode): writes one weight or bias
  (two's complement) at an address of the manifest's ``config_map``; write only while idle.
* ``busy`` (computing), ``done`` (one cycle when the result appears).

Clocks: the free clock reaches nothing but clock gates. The handshake state (sample address,
loading/computing, result valid, the aux address) sits in domain ``io``, clocked while a
sample or aux value is offered, while computing and while a result waits: a core waiting for
its next inference clocks no flip-flop (measured idle power: ``gatesim`` idle window). The
compute datapath (controller,
memory read ports, the cycle counter) sits in domain ``core``, gated on while computing; inside
it, every block whose registers change only now and then has a gate of its own (a flop that
does not change still burns its clock pin): the lanes (clocked by issues), the fire units (by
fire starts and divisions), the argmax and the scores (output layer), the pooling word, the
other counters (by their increments), each weight ROM's select (by its reads). The input
buffer's storage is in ``inbuf`` (clocked per accepted sample), the aux buffer's in ``auxbuf``
(clocked per accepted aux value), each activation bank's storage
in ``act0``/``act1`` (clocked per written word) and, in loadable mode, the weight storage in
``wmem`` (clocked per config write). Between inferences no clock edge reaches any of them.
With a streamed input, ``core`` also stops while the controller waits for a sample with
nothing in flight (no word to issue, no tap in stage B or C, no division): every register of
the compute datapath holds then, so stopping its clock changes nothing but the power, and the
cycle counter leaves out every waiting cycle (it equals the buffered core's).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from amaranth import (Array, Const, DomainRenamer, Module, Mux, ResetSignal, Signal, signed,
                      unsigned)
from amaranth.lib import data, stream, wiring
from amaranth.lib.wiring import In, Out

from .activation_buffer import ActivationBuffers
from .argmax import ArgmaxUnit
from .clock_gate import STYLES, gated_domain
from .layer_controller import LayerController
from .memory import SparrowMemory
from .params import check_choice, check_instance
from .pe_lanes import PeLanes
from .plan import HardwarePlan
from .ports import ConfigSignature
from .ssf_neuron import FireMode, SsfNeuronUnits
from .weight_buffer import WeightBuffer

FIRE_MODES = {"shift": FireMode.SHIFT, "divide": FireMode.DIVIDE, "max": FireMode.MAX,
              "none": FireMode.NONE}


def result_layout(plan: HardwarePlan) -> data.StructLayout:
    return data.StructLayout({
        "cls": unsigned(plan.class_bits),
        "scores": data.ArrayLayout(signed(plan.score_bits), plan.classes),
    })


BLOCKS = {
    "controller": "controller", "weight buffer": "weights", "lanes": "lanes",
    "neurons": "neurons", "activation buffers": "activations", "input buffer": "inputs",
    "argmax": "argmax", "membranes": "membranes", "aux buffer": "aux_inputs",
}
"""The core's blocks: report name -> submodule name (the prefix of its cells in a netlist
synthesized with names kept; clock gates are the submodules ``<domain>_clock_gate``)."""


@dataclass(frozen=True)
class FireTaps:
    """The shared pipeline's signals a variant's fire stage uses (:meth:`SparrowCore._fire`):
    the stage-B registers of the issued tap (``b_*``), the stage-C registers of the group
    whose V the lanes hold in the cycle with ``c_start``, and how to make gated domains."""

    core: str                              # the compute domain
    gated: Callable[[str, Any], str]       # (name, enable) -> a domain gated inside core
    ctrl: LayerController
    lanes: PeLanes
    b_issue: Signal
    b_first: Signal
    b_last: Signal
    b_out: Signal
    b_word: Signal
    c_start: Signal
    c_group: Signal
    c_out: Signal
    is_output: Signal


@dataclass(frozen=True)
class FireOutputs:
    """What a fire stage drives: the activation word written back (``write_*``) and, in the
    cycles with ``write_scores``, the output group's scores (one per lane)."""

    write_addr: Any
    write_data: Any
    write_en: Any
    scores: Any
    write_scores: Any
    busy: Any                  # a fire is still in progress (after its start cycle)


class SparrowCore(wiring.Component):
    """One generated SSF core for ``plan`` (a :class:`~sparrow.hw.plan.HardwarePlan`).

    A variant of the core (:class:`~sparrow.hw.if_core.IfCore`) subclasses it with its own
    :attr:`variant`, :attr:`pool_in_lanes` and fire stage (:meth:`_fire`).
    """

    variant = "ssf"
    pool_in_lanes = True
    """The lanes take the running maximum of pooling words."""

    def __init__(self, plan: HardwarePlan, *, clock_gate: str = "instance"):
        check_instance("plan", plan, HardwarePlan)
        check_choice("clock_gate", clock_gate, STYLES)
        if plan.variant != self.variant:
            raise ValueError(f"{type(self).__name__} builds {self.variant} cores, the plan is "
                             f"of the {plan.variant} variant (sparrow.hw.generate.build_core "
                             f"picks the core of a plan)")
        self._plan = plan
        self._clock_gate = clock_gate
        sample_shape = signed(plan.input_bits) if plan.model.input.signed else \
            unsigned(plan.input_bits)
        counters = wiring.Signature({
            "cycles": Out(plan.counter_bits),
            "weight_reads": Out(plan.counter_bits),
            "activation_reads": Out(plan.counter_bits),
            "activation_writes": Out(plan.counter_bits),
            "synops": Out(plan.counter_bits),
        })
        signature = {
            "sample": In(stream.Signature(sample_shape)),
            "result": Out(stream.Signature(result_layout(plan))),
            "perf": Out(counters),
            "busy": Out(1),
            "done": Out(1),
        }
        if plan.aux_words:
            signature["aux"] = In(stream.Signature(
                signed(plan.aux_bits) if plan.model.aux_input.signed else
                unsigned(plan.aux_bits)))
        if plan.mode == "loadable":
            signature["cfg"] = In(ConfigSignature(addr_bits=plan.config_addr_bits,
                                                  data_bits=plan.config_data_bits))
        super().__init__(signature)

    @property
    def plan(self) -> HardwarePlan:
        return self._plan

    def elaborate(self, platform):
        m = Module()
        plan = self._plan
        p = plan.lanes
        rows = plan.layers

        style = self._clock_gate
        rst = ResetSignal("sync")
        streamed = plan.input_style == "stream"
        loading = Signal(init=1)
        computing = Signal()
        load_addr = Signal(range(plan.input_words + 1))    # samples taken (the next index)
        first_sample, last_sample = Signal(), Signal()
        accept = Signal()
        samples_open = Signal()     # the core takes samples (after the aux values, if any)
        room = Signal(init=1)       # the input memory has a free word (streamed input)
        asleep = Signal()           # computing, but waiting for a sample with nothing in flight
        m.d.comb += [
            accept.eq(self.sample.valid & samples_open & room),
            first_sample.eq(accept & (load_addr == 0)),
            last_sample.eq(accept & (load_addr == plan.input_words - 1)),
        ]
        start = first_sample if streamed else last_sample
        core = gated_domain(m, "core", (computing & ~asleep) | start | rst, style)
        offered = self.sample.valid | (self.aux.valid if plan.aux_words else Const(0))
        io = gated_domain(m, "io", offered | computing | self.result.valid | rst, style)

        def gated(name: str, enable) -> str:
            """A domain inside ``core`` clocked only in cycles with ``enable`` (or reset)."""
            return gated_domain(m, name, enable | rst, style, parent=core)

        # Enables of the blocks gated inside core, driven below.
        issue_en, out_en = Signal(), Signal()
        inbuf_domain = gated_domain(m, "inbuf", accept | rst, style)
        act_write = Signal(2)
        act_domains = tuple(gated_domain(m, f"act{i}", act_write[i] | rst, style)
                            for i in range(2))
        wmem_domain = gated_domain(m, "wmem", self.cfg.en | rst, style) \
            if plan.mode == "loadable" else "sync"
        to_core = DomainRenamer(core)

        m.submodules.controller = ctrl = to_core(LayerController(plan))
        m.submodules.weights = wbuf = to_core(WeightBuffer(plan, write_domain=wmem_domain,
                                                           clock_gate=style))
        m.submodules.lanes = lanes = DomainRenamer(gated("lanes", issue_en))(PeLanes(
            lanes=p, operand_bits=plan.operand_bits, weight_bits=plan.weight_bits,
            accumulator_bits=plan.accumulator_bits, count_bits=plan.activation_bits))
        m.submodules.activations = acts = to_core(ActivationBuffers(
            lanes=p, count_bits=plan.activation_bits, words=plan.act_words,
            write_domains=act_domains, memory_style=plan.memory_style, clock_gate=style))
        m.submodules.inputs = inbuf = to_core(SparrowMemory(
            width=plan.input_bits, depth=plan.input_depth, write_domain=inbuf_domain,
            style=plan.memory_style, clock_gate=style))
        if plan.aux_words:
            auxbuf = self._aux_buffer(m, loading, samples_open, to_core, rst, io)
        else:
            m.d.comb += samples_open.eq(loading)
        m.submodules.argmax = argmax = DomainRenamer(gated("argmax", out_en))(ArgmaxUnit(
            lanes=p, score_bits=plan.score_bits, index_bits=plan.class_bits))

        # ---- top-level state (free clock): load samples, compute, present the result -----
        m.d.comb += [
            self.sample.ready.eq(samples_open & room),
            # A ring of input_depth words when streamed: the address is the index's low bits.
            inbuf.write.addr.eq(load_addr),
            inbuf.write.data.eq(self.sample.payload),
            inbuf.write.en.eq(accept),
            ctrl.start.eq(start),
            self.busy.eq(computing),
            self.done.eq(ctrl.done),
        ]
        with m.If(accept):
            m.d[io] += load_addr.eq(load_addr + 1)
        with m.If(start):
            m.d[io] += computing.eq(1)
        with m.If(last_sample):
            m.d[io] += [loading.eq(0), load_addr.eq(0)]
        with m.If(ctrl.done):
            m.d[io] += [computing.eq(0), self.result.valid.eq(1)]
        with m.If(self.result.valid & self.result.ready):
            m.d[io] += [self.result.valid.eq(0), loading.eq(1)]
        if plan.mode == "loadable":
            wiring.connect(m, wiring.flipped(self.cfg), wbuf.cfg)

        # ---- stage A0: fetch; A1: issue --------------------------------------------------
        layer = ctrl.layer
        fetch_aux = ctrl.fetch_aux if plan.aux_words else Const(0)
        if plan.aux_words:
            m.d.comb += [auxbuf.read.addr.eq(ctrl.fetch_addr),
                         auxbuf.read.en.eq(ctrl.fetch & fetch_aux)]
        if streamed:
            self._stream_window(m, ctrl, load_addr, all_in=~loading, room=room)
        m.d.comb += [
            inbuf.read.addr.eq(ctrl.fetch_addr),
            inbuf.read.en.eq(ctrl.fetch & ctrl.src_input & ~fetch_aux),
            acts.read.addr.eq(ctrl.fetch_addr),
            acts.read.en.eq(ctrl.fetch & ~ctrl.src_input & ~fetch_aux),
            acts.read_bank.eq(Array(Const(int(l.src == "act1")) for l in rows)[layer]),
            wbuf.layer.eq(layer),
            wbuf.weight_read.addr.eq(ctrl.w_addr),
            wbuf.weight_read.en.eq(ctrl.weight_read),
            wbuf.bias_read.addr.eq(ctrl.b_addr),
            wbuf.bias_read.en.eq(ctrl.bias_read),
        ]
        for lane in range(p):
            m.d.comb += ctrl.nonzero[lane].eq(acts.read.data[lane] != 0)
        operand = Signal(signed(plan.operand_bits))     # the issued element (stage A1)
        branch = m.If
        if plan.aux_words:
            with m.If(ctrl.aux):
                m.d.comb += operand.eq(auxbuf.read.data.as_signed()
                                       if plan.model.aux_input.signed else auxbuf.read.data)
            branch = m.Elif
        with branch(ctrl.src_input):
            m.d.comb += operand.eq(inbuf.read.data.as_signed() if plan.model.input.signed
                                   else inbuf.read.data)
        with m.Else():
            m.d.comb += operand.eq(acts.read.data[ctrl.elem])

        # ---- stage B: multiply-accumulate / max --------------------------------------
        b_issue, b_first, b_last, b_valid = Signal(), Signal(), Signal(), Signal()
        b_group, b_pos, b_out = (Signal.like(ctrl.group), Signal.like(ctrl.position),
                                 Signal.like(ctrl.out_addr))
        b_operand = Signal.like(operand)
        b_word = Signal.like(acts.read.data)
        m.d[core] += b_issue.eq(ctrl.issue)
        stage_b = gated("stage_b", ctrl.issue)
        with m.If(ctrl.issue):
            m.d[stage_b] += [b_first.eq(ctrl.first), b_last.eq(ctrl.last),
                             b_valid.eq(ctrl.tap_valid), b_group.eq(ctrl.group),
                             b_pos.eq(ctrl.position), b_out.eq(ctrl.out_addr)]
            # Only what the layer uses moves: no toggling of the other operand register.
            with m.If(ctrl.tap_valid & ~ctrl.pool):
                m.d[stage_b] += b_operand.eq(operand)
        pool_word = gated("pool_word", ctrl.issue & ctrl.pool)
        with m.If(ctrl.issue & ctrl.pool):
            m.d[pool_word] += b_word.eq(acts.read.data)
        lanes_en = b_issue if self.pool_in_lanes else b_issue & ~ctrl.pool
        m.d.comb += issue_en.eq(lanes_en)
        m.d.comb += [
            lanes.en.eq(lanes_en),
            lanes.first.eq(b_first),
            lanes.valid.eq(b_valid),
            lanes.pool.eq(ctrl.pool),
            lanes.operand.eq(b_operand),
            lanes.word.eq(b_word),
        ]
        wiring.connect(m, wbuf.coefficients, lanes.coefficients)

        # ---- stage C: fire and write back ---------------------------------------------
        c_start = Signal()
        c_group, c_pos, c_out = Signal.like(b_group), Signal.like(b_pos), Signal.like(b_out)
        m.d[core] += c_start.eq(b_issue & b_last)
        with m.If(b_issue & b_last):
            m.d[core] += [c_group.eq(b_group), c_pos.eq(b_pos), c_out.eq(b_out)]
        is_output = Signal()
        m.d.comb += is_output.eq(layer == len(rows) - 1)
        fired = self._fire(m, FireTaps(
            core=core, gated=gated, ctrl=ctrl, lanes=lanes, b_issue=b_issue, b_first=b_first,
            b_last=b_last, b_out=b_out, b_word=b_word, c_start=c_start, c_group=c_group,
            c_out=c_out, is_output=is_output))
        if streamed:
            # Nothing in flight: no register of the core changes until a sample comes.
            m.d.comb += asleep.eq(ctrl.wait & ctrl.quiet & ~b_issue & ~c_start & ~fired.busy)
        m.d.comb += [
            acts.write_bank.eq(Array(Const(int(l.dst == "act1")) for l in rows)[layer]),
            acts.write.addr.eq(fired.write_addr),
            acts.write.data.eq(fired.write_data),
            acts.write.en.eq(fired.write_en),
            act_write.eq(Mux(acts.write.en, 1 << acts.write_bank, 0)),
        ]

        # Named views of the activation write-back, so testbenches can trace every value
        # written (wires only: synthesis keeps nothing of them).
        trace_layer = Signal.like(layer, name="trace_layer")
        trace_act_write = Signal(name="trace_act_write")
        trace_act_addr = Signal.like(acts.write.addr, name="trace_act_addr")
        trace_act_data = Signal(len(acts.write.data.as_value()), name="trace_act_data")
        m.d.comb += [trace_layer.eq(layer), trace_act_write.eq(acts.write.en),
                     trace_act_addr.eq(acts.write.addr),
                     trace_act_data.eq(acts.write.data.as_value())]

        # ---- output layer: scores and argmax --------------------------------------------
        out = rows[-1]
        scores = Signal(data.ArrayLayout(signed(plan.score_bits), plan.classes))
        write_scores = Signal()
        m.d.comb += write_scores.eq(fired.write_scores)
        score_domain = gated("scores", write_scores)
        for k in range(plan.classes):
            o, q = divmod(k, out.out_length)
            g, lane = divmod(o, p)
            with m.If(write_scores & (c_group == g) & (c_pos == q)):
                m.d[score_domain] += scores[k].eq(fired.scores[lane])
        group_base = Signal(range(out.groups * p + 1))
        m.d.comb += [
            argmax.clear.eq(ctrl.start),
            argmax.en.eq(write_scores),
            out_en.eq(ctrl.start | write_scores),
            group_base.eq(c_group * p),
        ]
        for lane in range(p):
            o = Signal(range(out.groups * p + 1), name=f"out_channel{lane}")
            m.d.comb += [
                o.eq(group_base + lane),
                argmax.valid[lane].eq(o < out.out_channels),
                # Operand isolation: the comparator tree sees the accumulators only in the
                # cycles it takes them, not at every MAC.
                argmax.scores[lane].eq(Mux(write_scores, fired.scores[lane], 0)),
                argmax.indices[lane].eq(o * out.out_length + c_pos),
            ]
        m.d.comb += [self.result.payload.cls.eq(argmax.index),
                     self.result.payload.scores.eq(scores)]

        # ---- performance counters ---------------------------------------------------------
        perf = self.perf
        active_lanes = Signal(range(p + 1))
        m.d.comb += active_lanes.eq(Mux(
            ctrl.group == Array(Const(l.groups - 1) for l in rows)[layer],
            Array(Const(l.active_last) for l in rows)[layer], p))
        counting = computing & ~ctrl.start
        increments = (  # counter, its increment, whether it counts this cycle
            (perf.activation_reads, 1, ctrl.fetch),
            (perf.weight_reads, active_lanes, ctrl.weight_read),
            (perf.synops, active_lanes, ctrl.weight_read & (operand != 0)),
            (perf.activation_writes, 1, acts.write.en),
        )
        with m.If(ctrl.start):
            m.d[core] += perf.cycles.eq(0)
        with m.Elif(computing & ~ctrl.wait if streamed else computing):
            m.d[core] += perf.cycles.eq(perf.cycles + 1)
        for counter, step, when in increments:
            domain = gated(f"count_{counter.name.rpartition('__')[2]}", ctrl.start | when)
            with m.If(ctrl.start):
                m.d[domain] += counter.eq(0)
            with m.Elif(counting & when):
                m.d[domain] += counter.eq(counter + step)
        return m

    def _stream_window(self, m: Module, ctrl: LayerController, load_addr, *, all_in,
                       room) -> None:
        """A streamed input: the controller fetches a sample once it is taken (a later
        layer, and the first layer's last word, once all are), and a sample is taken once
        the ring word it goes to holds none the first layer may still fetch
        (``ctrl.input_floor``)."""
        plan = self._plan
        fresh = ctrl.fetch_addr < load_addr          # this sample is already taken
        if plan.aux_words:
            fresh = fresh | ctrl.fetch_aux           # aux values all come before the samples
        m.d.comb += [
            ctrl.source_ready.eq(all_in | (ctrl.reading_input & ~ctrl.fetch_last & fresh)),
            room.eq(~ctrl.reading_input
                    | (load_addr < ctrl.input_floor + plan.input_depth)),
        ]

    def _aux_buffer(self, m: Module, loading, samples_open, to_core, rst,
                    io: str) -> SparrowMemory:
        """The aux stream into the aux buffer: the aux values of an inference are taken
        while the core is idle, before its samples (``samples_open`` rises after the last);
        its address and state in the handshake domain ``io``."""
        plan = self._plan
        aux_in = Signal()               # this inference's aux values are all in
        aux_addr = Signal(range(plan.aux_words + 1))
        take = Signal()
        m.d.comb += [take.eq(self.aux.valid & self.aux.ready),
                     self.aux.ready.eq(loading & ~aux_in),
                     samples_open.eq(loading & aux_in)]
        domain = gated_domain(m, "auxbuf", take | rst, self._clock_gate)
        m.submodules.aux_inputs = auxbuf = to_core(SparrowMemory(
            width=plan.aux_bits, depth=plan.aux_words, write_domain=domain,
            style=plan.memory_style, clock_gate=self._clock_gate))
        m.d.comb += [auxbuf.write.addr.eq(aux_addr), auxbuf.write.data.eq(self.aux.payload),
                     auxbuf.write.en.eq(take)]
        with m.If(take):
            m.d[io] += aux_addr.eq(aux_addr + 1)
            with m.If(aux_addr == plan.aux_words - 1):
                m.d[io] += [aux_in.eq(1), aux_addr.eq(0)]
        # The next inference takes new aux values once this result is taken.
        with m.If(self.result.valid & self.result.ready):
            m.d[io] += aux_in.eq(0)
        return auxbuf

    def _fire(self, m: Module, taps: FireTaps) -> FireOutputs:
        """Stage C of the SSF core: the fire units turn each group's V into counts."""
        plan = self._plan
        rows = plan.layers
        layer = taps.ctrl.layer
        fire_en = Signal()
        param_bits = fire_param_bits(plan, ("shift", "divide"))
        m.submodules.neurons = neurons = DomainRenamer(taps.gated("neurons", fire_en))(
            SsfNeuronUnits(lanes=plan.lanes, accumulator_bits=plan.accumulator_bits,
                           count_bits=plan.count_bits, timesteps=plan.model.timesteps,
                           param_bits=param_bits,
                           divide=any(l.fire == "divide" for l in rows)))
        mode = Signal(FireMode)
        m.d.comb += mode.eq(Array(Const(FIRE_MODES[l.fire].value, FireMode.as_shape())
                                  for l in rows)[layer])
        params = fire_param_table(plan, param_bits, ("shift", "divide"))
        m.d.comb += [
            neurons.start.eq(taps.c_start),
            neurons.mode.eq(mode),
            # Operand isolation: the fire units take V in start cycles only (module doc of
            # SsfNeuronUnits); between them their shifters and comparators stay still.
            neurons.acc.eq(Mux(taps.c_start, taps.lanes.acc.as_value(), 0)),
            fire_en.eq(taps.c_start | neurons.busy),
        ]
        for lane in range(plan.lanes):
            m.d.comb += neurons.param[lane].eq(params[lane][layer][taps.c_group])
        # DIVIDE writes count_bits cycles after the start: keep the group's address.
        fire_out = Signal.like(taps.c_out)
        with m.If(taps.c_start):
            m.d[taps.core] += fire_out.eq(taps.c_out)
        return FireOutputs(write_addr=Mux(mode == FireMode.DIVIDE, fire_out, taps.c_out),
                           write_data=neurons.counts,
                           write_en=neurons.write & ~taps.is_output,
                           scores=taps.lanes.acc,
                           write_scores=taps.c_start & taps.is_output,
                           busy=neurons.busy)


def fire_param_bits(plan: HardwarePlan, fires) -> int:
    """Bits of the largest fire parameter of the layers whose fire is one of ``fires``."""
    values = [int(v) for l in plan.layers if l.fire in fires for v in plan.fire_params(l).ravel()]
    return max(1, max(values, default=1).bit_length())


def fire_param_table(plan: HardwarePlan, bits: int, fires):
    """``table[lane][layer][group]``: the fire parameter (``plan.fire_params``) of that lane's
    neuron in the layers whose fire is one of ``fires`` (0 elsewhere)."""
    tables = []
    for lane in range(plan.lanes):
        per_layer = []
        for l in plan.layers:
            values = plan.fire_params(l)[:, lane] if l.fire in fires else [0]
            per_layer.append(Array(Const(int(v), bits) for v in values))
        tables.append(Array(per_layer))
    return tables
