"""Frame receiver: UART bytes -> checked frames, payload in the frame buffer."""

from __future__ import annotations

from amaranth import Module, Signal
from amaranth.lib import enum, stream, wiring
from amaranth.lib.wiring import In, Out

from ..hw.params import check_instance, check_positive_int
from ..hw.ports import WritePortSignature
from .checksum import INITIAL, crc8_next
from .frame_layout import FRAME
from .protocol import SYNC, ErrorCode, FrameType, ProtocolLayout


class RxFrameState(enum.Enum, shape=3):
    IDLE = 0
    TYPE = 1
    LENGTH_LOW = 2
    LENGTH_HIGH = 3
    PAYLOAD = 4
    CHECKSUM = 5
    DELIVER = 6
    DISCARD = 7


class FrameReceiver(wiring.Component):
    """Parses frames of the protocol (:mod:`sparrow.fpga.protocol`) from the ``byte`` stream.

    The payload goes into the frame buffer through ``buffer`` (its write port); the frame is
    then checked (type, length for the design ``layout``, CRC) and offered on ``frame``:
    ``frame.error`` is 0 for a good frame and an :class:`~sparrow.fpga.protocol.ErrorCode`
    otherwise. The frame stays
    offered until the consumer has *finished* with it (``frame.ready``): until then the buffer
    is left alone, and any byte that arrives is an overrun, reported as one more frame.

    ``timeout_cycles`` (clock cycles, more than a byte time): a frame with no byte for that
    long is reported as ``TIMEOUT``; after any error, bytes are dropped until the line has been
    quiet that long.
    """

    def __init__(self, *, layout: ProtocolLayout, timeout_cycles: int):
        check_instance("layout", layout, ProtocolLayout)
        check_positive_int("timeout_cycles", timeout_cycles)
        self._layout = layout
        self._timeout = timeout_cycles
        super().__init__({
            "byte": In(stream.Signature(8, always_ready=True)),
            "framing_error": In(1),
            "buffer": Out(WritePortSignature(addr_bits=layout.buffer_addr_bits,
                                             data_shape=8)),
            "frame": Out(stream.Signature(FRAME)),
        })

    def elaborate(self, platform):
        m = Module()
        lay = self._layout
        loadable = lay.mode == "loadable"
        state = Signal(RxFrameState)
        frame = self.frame.payload
        crc = Signal(8)
        index = Signal(range(lay.capacity + 1))
        # CONFIG payloads: position within a value after the address, which must end at 0.
        phase = Signal(range(lay.data_bytes))
        overrun = Signal()
        quiet = Signal(range(self._timeout + 1))
        byte = self.byte.payload
        got = self.byte.valid
        activity = got | self.framing_error
        receiving = ~state.as_value().matches(RxFrameState.IDLE, RxFrameState.DELIVER,
                                              RxFrameState.DISCARD)

        with m.If(activity):
            m.d.sync += quiet.eq(0)
        with m.Elif(quiet != self._timeout):
            m.d.sync += quiet.eq(quiet + 1)
        m.d.comb += [self.buffer.addr.eq(index), self.buffer.data.eq(byte)]

        def fail(code, detail):
            m.d.sync += [frame.error.eq(code), frame.detail.eq(detail),
                         state.eq(RxFrameState.DELIVER)]

        def length_ok(kind_type, length):
            infer = (kind_type == FrameType.INFER) & (length == lay.infer_length)
            info = (kind_type == FrameType.INFO) & (length == 0)
            ok = infer | info
            if loadable:
                ok |= (kind_type == FrameType.CONFIG) & \
                    (length >= lay.address_bytes + lay.data_bytes) & (length <= lay.capacity)
            return ok

        with m.Switch(state):
            with m.Case(RxFrameState.IDLE):
                with m.If(got):
                    with m.If(byte == SYNC):
                        m.d.sync += [state.eq(RxFrameState.TYPE), crc.eq(INITIAL),
                                     frame.type.eq(0), frame.error.eq(0)]
                    with m.Else():
                        fail(ErrorCode.SYNC, byte)
            with m.Case(RxFrameState.TYPE):
                with m.If(got):
                    known = (byte == FrameType.INFER) | (byte == FrameType.INFO)
                    if loadable:
                        known |= byte == FrameType.CONFIG
                    m.d.sync += [frame.type.eq(byte), crc.eq(crc8_next(crc, byte))]
                    with m.If(known):
                        m.d.sync += state.eq(RxFrameState.LENGTH_LOW)
                    with m.Else():
                        fail(ErrorCode.TYPE, byte)
            with m.Case(RxFrameState.LENGTH_LOW):
                with m.If(got):
                    m.d.sync += [frame.length[:8].eq(byte), crc.eq(crc8_next(crc, byte)),
                                 state.eq(RxFrameState.LENGTH_HIGH)]
            with m.Case(RxFrameState.LENGTH_HIGH):
                with m.If(got):
                    length = frame.length[:8] | byte << 8
                    m.d.sync += [frame.length[8:].eq(byte), crc.eq(crc8_next(crc, byte)),
                                 index.eq(0), phase.eq(0)]
                    with m.If(~length_ok(frame.type, length)):
                        fail(ErrorCode.LENGTH, frame.type)
                    with m.Elif(length == 0):
                        m.d.sync += state.eq(RxFrameState.CHECKSUM)
                    with m.Else():
                        m.d.sync += state.eq(RxFrameState.PAYLOAD)
            with m.Case(RxFrameState.PAYLOAD):
                m.d.comb += self.buffer.en.eq(got)
                with m.If(got):
                    m.d.sync += [index.eq(index + 1), crc.eq(crc8_next(crc, byte))]
                    with m.If(index >= lay.address_bytes):
                        m.d.sync += phase.eq(
                            0 if lay.data_bytes == 1 else (phase + 1) % lay.data_bytes)
                    with m.If(index == frame.length - 1):
                        m.d.sync += state.eq(RxFrameState.CHECKSUM)
            with m.Case(RxFrameState.CHECKSUM):
                with m.If(got):
                    with m.If(byte != crc):
                        fail(ErrorCode.CHECKSUM, frame.type)
                    with m.Elif((frame.type == FrameType.CONFIG) & (phase != 0)):
                        fail(ErrorCode.LENGTH, frame.type)
                    with m.Else():
                        m.d.sync += state.eq(RxFrameState.DELIVER)
            with m.Case(RxFrameState.DELIVER):
                m.d.comb += self.frame.valid.eq(1)
                # Bytes after a good frame came too early; after a bad one they are its rest.
                with m.If(activity & (frame.error == 0)):
                    m.d.sync += overrun.eq(1)
                with m.If(self.frame.ready):
                    with m.If(overrun | (activity & (frame.error == 0))):
                        m.d.sync += [overrun.eq(0), frame.error.eq(ErrorCode.OVERRUN),
                                     frame.detail.eq(0)]
                    with m.Elif(frame.error != 0):
                        m.d.sync += state.eq(RxFrameState.DISCARD)
                    with m.Else():
                        m.d.sync += state.eq(RxFrameState.IDLE)
            with m.Case(RxFrameState.DISCARD):
                with m.If(quiet == self._timeout):
                    m.d.sync += state.eq(RxFrameState.IDLE)

        # A framing error, between frames or within one, and a timeout end any frame.
        with m.If(self.framing_error & (receiving | (state == RxFrameState.IDLE))):
            fail(ErrorCode.FRAMING, 0)
        with m.Elif(receiving & (quiet == self._timeout)):
            fail(ErrorCode.TIMEOUT, frame.type)
        return m
