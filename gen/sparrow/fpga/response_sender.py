"""Response sender: one answer frame (header, payload, CRC) out as a byte stream."""

from __future__ import annotations

from amaranth import Array, Cat, Const, Module, Mux, Signal
from amaranth.lib import stream, wiring
from amaranth.lib.wiring import In, Out

from .checksum import INITIAL, crc8_next
from ..hw.params import check_instance
from ..hw.plan import HardwarePlan
from .frame_layout import ResponseKind, response_layout
from .protocol import HEADER_BYTES, SYNC, FrameType, ProtocolLayout

FRAME_TYPES = {ResponseKind.ERROR: FrameType.ERROR, ResponseKind.CONFIG_ACK:
               FrameType.CONFIG_ACK, ResponseKind.RESULT: FrameType.RESULT,
               ResponseKind.INFO_REPLY: FrameType.INFO_REPLY}


def _extend(value, bits: int, *, signed: bool):
    """``value`` widened to ``bits`` bits (sign- or zero-extended)."""
    fill = value[-1] if signed else Const(0, 1)
    return Cat(value, fill.replicate(bits - len(value)))


class ResponseSender(wiring.Component):
    """Sends the answer offered on ``request`` as a frame on ``byte``: SYNC, type, length,
    payload, CRC-8. The request is taken (``request.ready``) when its last byte leaves, so
    the requester keeps it (and whatever it is read from, such as the core's result and
    counters) steady until then: no copy of it is kept here.

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

    def _payloads(self, request) -> dict:
        """Payload of each kind as a little-endian bit vector (byte 0 lowest)."""
        lay = self._layout
        result = request.result
        info = lay.info_payload()
        return {
            ResponseKind.ERROR: Cat(request.code, request.detail),
            ResponseKind.CONFIG_ACK: request.count,
            ResponseKind.RESULT: Cat(
                _extend(result.cls, 8 * lay.class_bytes, signed=False),
                *[_extend(result.scores[k], 8 * lay.score_bytes, signed=True)
                  for k in range(lay.classes)],
                *[request.perf[i] for i in range(len(request.perf))]),
            ResponseKind.INFO_REPLY: Const(int.from_bytes(info, "little"), 8 * len(info)),
        }

    def elaborate(self, platform):
        m = Module()
        request = self.request.payload
        payloads = self._payloads(request)
        lengths = {kind: len(value) // 8 for kind, value in payloads.items()}
        if lengths[ResponseKind.RESULT] != self._layout.result_length:
            raise RuntimeError("the RESULT payload's size differs from the protocol layout's")
        kinds = list(ResponseKind)
        length = Array(Const(lengths[k], 16) for k in kinds)[request.kind]
        frame_type = Array(Const(int(FRAME_TYPES[k]), 8) for k in kinds)[request.kind]
        index = Signal(range(HEADER_BYTES + max(lengths.values()) + 1))
        crc = Signal(8)
        header = Array([Const(SYNC, 8), frame_type, length[:8], length[8:]])
        # Byte ``index - HEADER_BYTES`` of each kind's payload first, then one byte-wide
        # choice among the kinds (cheaper than choosing among whole payloads).
        offset = Signal(range(max(lengths.values())))
        body = Signal(8)
        m.d.comb += [offset.eq(index - HEADER_BYTES),
                     body.eq(Array(payloads[k].word_select(offset, 8) for k in kinds)
                             [request.kind])]
        is_crc = Signal()
        last = Signal()
        m.d.comb += [
            is_crc.eq(index == HEADER_BYTES + length),
            self.byte.valid.eq(self.request.valid),
            self.byte.payload.eq(Mux(index < HEADER_BYTES, header[index[:2]],
                                     Mux(is_crc, crc, body))),
            last.eq(self.byte.valid & self.byte.ready & is_crc),
            self.request.ready.eq(last),
        ]
        with m.If(self.byte.valid & self.byte.ready):
            m.d.sync += [index.eq(index + 1), crc.eq(crc8_next(crc, self.byte.payload))]
            with m.If(index == 0):
                m.d.sync += crc.eq(INITIAL)
            with m.If(last):
                m.d.sync += index.eq(0)
        return m
