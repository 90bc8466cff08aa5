"""Response sender: one answer frame (header, payload, CRC) out as a byte stream."""

from __future__ import annotations

from amaranth import Array, Cat, Const, Module, Mux, Signal
from amaranth.lib import enum, stream, wiring
from amaranth.lib.wiring import In, Out

from .checksum import INITIAL, crc8_next
from ..hw.params import check_instance
from ..hw.plan import HardwarePlan
from .frame_layout import ResponseKind, response_layout
from .protocol import HEADER_BYTES, SYNC, FrameType, ProtocolLayout

FRAME_TYPES = {ResponseKind.ERROR: FrameType.ERROR, ResponseKind.CONFIG_ACK:
               FrameType.CONFIG_ACK, ResponseKind.RESULT: FrameType.RESULT,
               ResponseKind.INFO_REPLY: FrameType.INFO_REPLY}


class TxFrameState(enum.Enum, shape=1):
    IDLE = 0
    SEND = 1


def _extend(value, bits: int, *, signed: bool):
    """``value`` widened to ``bits`` bits (sign- or zero-extended)."""
    fill = value[-1] if signed else Const(0, 1)
    return Cat(value, fill.replicate(bits - len(value)))


class ResponseSender(wiring.Component):
    """Takes a response request from ``request`` (a copy is kept, so the requester may move
    on) and sends its frame byte by byte on ``byte``: SYNC, type, length, payload, CRC-8.

    Payloads (:mod:`sparrow.fpga.protocol`): ``ERROR`` code and detail; ``CONFIG_ACK`` the
    count (2 bytes); ``RESULT`` class, scores sign-extended to ``layout.score_bytes``, the four
    counters; ``INFO_REPLY`` the design's constant description.
    """

    def __init__(self, *, layout: ProtocolLayout, plan: HardwarePlan):
        check_instance("layout", layout, ProtocolLayout)
        check_instance("plan", plan, HardwarePlan)
        self._layout = layout
        self._plan = plan
        super().__init__({
            "request": In(stream.Signature(response_layout(plan))),
            "byte": Out(stream.Signature(8)),
        })

    def _payloads(self, held) -> dict:
        """Payload of each kind as a little-endian bit vector (byte 0 lowest)."""
        lay = self._layout
        result = held.result
        info = lay.info_payload()
        return {
            ResponseKind.ERROR: Cat(held.code, held.detail),
            ResponseKind.CONFIG_ACK: held.count,
            ResponseKind.RESULT: Cat(
                _extend(result.cls, 8 * lay.class_bytes, signed=False),
                *[_extend(result.scores[k], 8 * lay.score_bytes, signed=True)
                  for k in range(lay.classes)],
                *[held.perf[i] for i in range(len(held.perf))]),
            ResponseKind.INFO_REPLY: Const(int.from_bytes(info, "little"), 8 * len(info)),
        }

    def elaborate(self, platform):
        m = Module()
        held = Signal(response_layout(self._plan))
        state = Signal(TxFrameState)
        payloads = self._payloads(held)
        lengths = {kind: len(value) // 8 for kind, value in payloads.items()}
        if lengths[ResponseKind.RESULT] != self._layout.result_length:
            raise RuntimeError("the RESULT payload's size differs from the protocol layout's")
        widest = max(lengths.values())
        kinds = list(ResponseKind)
        payload = Array(_extend(payloads[k], 8 * widest, signed=False) for k in kinds)[held.kind]
        length = Array(Const(lengths[k], 16) for k in kinds)[held.kind]
        frame_type = Array(Const(int(FRAME_TYPES[k]), 8) for k in kinds)[held.kind]
        index = Signal(range(HEADER_BYTES + widest + 1))
        crc = Signal(8)
        header = Array([Const(SYNC, 8), frame_type, length[:8], length[8:]])
        is_crc = Signal()
        body = Signal(8)
        m.d.comb += [
            is_crc.eq(index == HEADER_BYTES + length),
            body.eq(payload.word_select((index - HEADER_BYTES)[:len(index)], 8)),
            self.request.ready.eq(state == TxFrameState.IDLE),
            self.byte.valid.eq(state == TxFrameState.SEND),
            self.byte.payload.eq(Mux(index < HEADER_BYTES, header[index[:2]],
                                     Mux(is_crc, crc, body))),
        ]
        with m.If(self.request.valid & self.request.ready):
            m.d.sync += [held.eq(self.request.payload), index.eq(0), crc.eq(INITIAL),
                         state.eq(TxFrameState.SEND)]
        with m.If(self.byte.valid & self.byte.ready):
            m.d.sync += index.eq(index + 1)
            with m.If(index != 0):
                m.d.sync += crc.eq(crc8_next(crc, self.byte.payload))
            with m.If(is_crc):
                m.d.sync += state.eq(TxFrameState.IDLE)
        return m
