"""Frame executor: acts on a checked frame (config writes, one inference) and asks for its
answer."""

from __future__ import annotations

from amaranth import Module, Mux, Signal
from amaranth.lib import enum, stream, wiring
from amaranth.lib.wiring import In, Out

from ..hw.params import check_instance
from ..hw.plan import HardwarePlan
from ..hw.ports import ReadPortSignature
from .frame_layout import FRAME, ResponseKind, response_layout
from .protocol import COUNTERS, FrameType, ProtocolLayout


class ExecState(enum.Enum, shape=3):
    IDLE = 0
    FETCH = 1
    TAKE = 2
    USE = 3
    WAIT_RESULT = 4
    RESPOND = 5
    FINISH = 6


class Field(enum.Enum, shape=2):
    ADDRESS = 0
    VALUE = 1
    SAMPLE = 2


class FrameExecutor(wiring.Component):
    """Takes a frame from ``frame`` and carries it out on the core (``core``, the core's
    own signature flipped, so ``wiring.connect`` joins them):

    * ``CONFIG``: reads the address, then each value, and writes it through ``core.cfg``
      (one write per value, consecutive addresses); answers ``CONFIG_ACK`` with the count;
    * ``INFER``: streams the samples into ``core.sample``, waits for ``core.result`` and
      answers ``RESULT`` with the class, the scores and the five ``core.perf`` counters;
    * ``INFO``: answers ``INFO_REPLY``; a frame the receiver found malformed: ``ERROR``.

    Multi-byte fields are read from the frame buffer (``buffer``) little-endian, one byte every
    two cycles. The answer stays offered on ``response`` until it has been sent, so the core's
    result and counters it reads stay put (the core's result is taken in the same cycle); then
    the frame is released (``frame.ready``).
    """

    def __init__(self, *, layout: ProtocolLayout, core_signature: wiring.Signature,
                 plan: HardwarePlan):
        check_instance("layout", layout, ProtocolLayout)
        check_instance("core_signature", core_signature, wiring.Signature)
        check_instance("plan", plan, HardwarePlan)
        self._layout = layout
        self._plan = plan
        super().__init__({
            "frame": In(stream.Signature(FRAME)),
            "buffer": Out(ReadPortSignature(addr_bits=layout.buffer_addr_bits, data_shape=8)),
            "core": Out(core_signature.flip()),
            "response": Out(stream.Signature(response_layout(plan))),
        })

    def elaborate(self, platform):
        m = Module()
        lay = self._layout
        loadable = lay.mode == "loadable"
        frame = self.frame.payload
        core = self.core
        reply = self.response.payload
        state = Signal(ExecState)
        field = Signal(Field)
        widest = max(lay.address_bytes, lay.data_bytes, lay.sample_bytes)
        word = Signal(8 * widest)
        field_byte = Signal(range(widest))
        field_bytes = Signal(range(widest + 1))
        pointer = Signal(range(lay.capacity + 1))
        count = Signal(16)
        kind = Signal(ResponseKind)
        if loadable:
            address = Signal(len(core.cfg.addr))

        m.d.comb += field_bytes.eq(Mux(field == Field.ADDRESS, lay.address_bytes,
                                       Mux(field == Field.VALUE, lay.data_bytes,
                                           lay.sample_bytes)))
        m.d.comb += [self.buffer.addr.eq(pointer),
                     reply.kind.eq(kind), reply.code.eq(frame.error),
                     reply.detail.eq(frame.detail), reply.count.eq(count),
                     reply.result.eq(core.result.payload),
                     core.sample.payload.eq(word[:len(core.sample.payload)])]
        for i, name in enumerate(COUNTERS):
            m.d.comb += reply.perf[i].eq(getattr(core.perf, name))
        if loadable:
            m.d.comb += [core.cfg.addr.eq(address), core.cfg.data.eq(word[:len(core.cfg.data)])]

        with m.Switch(state):
            with m.Case(ExecState.IDLE):
                with m.If(self.frame.valid):
                    m.d.sync += [pointer.eq(0), field_byte.eq(0), count.eq(0)]
                    with m.If(frame.error != 0):
                        m.d.sync += [kind.eq(ResponseKind.ERROR), state.eq(ExecState.RESPOND)]
                    with m.Elif(frame.type == FrameType.INFO):
                        m.d.sync += [kind.eq(ResponseKind.INFO_REPLY),
                                     state.eq(ExecState.RESPOND)]
                    with m.Elif(frame.type == FrameType.INFER):
                        m.d.sync += [field.eq(Field.SAMPLE), state.eq(ExecState.FETCH)]
                    with m.Else():
                        m.d.sync += [field.eq(Field.ADDRESS), state.eq(ExecState.FETCH)]
            with m.Case(ExecState.FETCH):
                m.d.comb += self.buffer.en.eq(1)
                m.d.sync += [pointer.eq(pointer + 1), state.eq(ExecState.TAKE)]
            with m.Case(ExecState.TAKE):
                m.d.sync += word.word_select(field_byte, 8).eq(self.buffer.data)
                with m.If(field_byte == field_bytes - 1):
                    m.d.sync += [field_byte.eq(0), state.eq(ExecState.USE)]
                with m.Else():
                    m.d.sync += [field_byte.eq(field_byte + 1), state.eq(ExecState.FETCH)]
            with m.Case(ExecState.USE):
                def then(done_kind, done_state):
                    """After the frame's last field, answer ``done_kind``; else fetch more."""
                    with m.If(pointer == frame.length):
                        m.d.sync += [kind.eq(done_kind), state.eq(done_state)]
                    with m.Else():
                        m.d.sync += state.eq(ExecState.FETCH)

                with m.Switch(field):
                    if loadable:
                        with m.Case(Field.ADDRESS):
                            m.d.sync += [address.eq(word), field.eq(Field.VALUE),
                                         state.eq(ExecState.FETCH)]
                        with m.Case(Field.VALUE):
                            m.d.comb += core.cfg.en.eq(1)
                            m.d.sync += [address.eq(address + 1), count.eq(count + 1)]
                            then(ResponseKind.CONFIG_ACK, ExecState.RESPOND)
                    with m.Case(Field.SAMPLE):
                        m.d.comb += core.sample.valid.eq(1)
                        with m.If(core.sample.ready):
                            then(ResponseKind.RESULT, ExecState.WAIT_RESULT)
            with m.Case(ExecState.WAIT_RESULT):
                with m.If(core.result.valid):
                    m.d.sync += state.eq(ExecState.RESPOND)
            with m.Case(ExecState.RESPOND):
                m.d.comb += self.response.valid.eq(1)
                with m.If(self.response.ready):
                    m.d.comb += core.result.ready.eq(kind == ResponseKind.RESULT)
                    m.d.sync += state.eq(ExecState.FINISH)
            with m.Case(ExecState.FINISH):
                m.d.comb += self.frame.ready.eq(1)
                m.d.sync += state.eq(ExecState.IDLE)
        return m
