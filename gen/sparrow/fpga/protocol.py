"""The framed UART protocol between a host and the Sparrow core on an FPGA.

Every frame, in both directions::

    SYNC (0xA5) | TYPE (1 byte) | LENGTH (2 bytes, little-endian) | PAYLOAD (LENGTH bytes) | CRC

``CRC`` is the CRC-8 (:mod:`sparrow.fpga.checksum`) of TYPE, LENGTH and PAYLOAD. Multi-byte
numbers are little-endian; signed numbers are two's complement, sign-extended to their bytes.

Host to device (one request at a time: send the next one only after its answer arrived):

* ``CONFIG`` (0x01), loadable designs: ``address`` (A bytes) then ``n`` values (D bytes each)
  written through the core's config port at ``address, address + 1, ...``. Answer ``CONFIG_ACK``
  (0x81) with ``n`` (2 bytes).
* ``INFER`` (0x02): the input samples of one inference, time-major (sample ``l*C + c`` is
  channel ``c`` at time ``l``), S bytes each. Answer ``RESULT`` (0x82): class (K bytes), the
  scores (one per class, W bytes each, signed), then the five hardware counters (4 bytes each:
  cycles, weight reads, activation reads, activation writes, synops).
* ``INFO`` (0x03), empty: answer ``INFO_REPLY`` (0x83): protocol version, mode (0 baked,
  1 loadable), lanes, payload capacity (2 bytes), design fingerprint (4 bytes).

A, D, S, K and W follow from the design (:class:`ProtocolLayout`). The device takes a whole
frame into its buffer and checks it before acting on it: a frame with any error has no effect
and is answered by ``ERROR`` (0xEE) with an error code and a detail byte (:class:`ErrorCode`).
After an error the device drops every byte until the line has been idle for its resync gap
(``RESYNC_SECONDS`` on the board builds); a frame that stops short is reported after the same
gap (``TIMEOUT``).
"""

from __future__ import annotations

import enum
import json
import math
import zlib
from dataclasses import dataclass

import numpy as np

from ..errors import SparrowError
from .checksum import crc8

VERSION = 1
SYNC = 0xA5
HEADER_BYTES = 4          # SYNC, TYPE, LENGTH (2)
OVERHEAD_BYTES = HEADER_BYTES + 1
COUNTER_BYTES = 4
COUNTERS = ("cycles", "weight_reads", "activation_reads", "activation_writes", "synops")
INFO_LENGTH = 9
RESYNC_SECONDS = 0.05     # idle gap that ends a frame or a discard, on the board builds
DEFAULT_CAPACITY = 512    # payload buffer bytes (at least one inference's samples)


class FrameType(enum.IntEnum):
    CONFIG = 0x01
    INFER = 0x02
    INFO = 0x03
    CONFIG_ACK = 0x81
    RESULT = 0x82
    INFO_REPLY = 0x83
    ERROR = 0xEE


class ErrorCode(enum.IntEnum):
    """Codes of an ``ERROR`` frame; the detail byte is given in brackets."""
    SYNC = 1          # the first byte of a frame was not SYNC [that byte]
    TYPE = 2          # unknown frame type, or CONFIG to a baked design [the type]
    LENGTH = 3        # LENGTH not valid for the type [the type]
    CHECKSUM = 4      # CRC mismatch [the type]
    TIMEOUT = 5       # the frame stopped before its end [the type, 0 if none arrived]
    FRAMING = 6       # a UART stop bit was low [0]
    OVERRUN = 7       # bytes arrived before the previous answer was sent [0]


ERROR_MEANING = {
    ErrorCode.SYNC: "the first byte of a frame was not the sync byte 0xA5",
    ErrorCode.TYPE: "unknown frame type (or CONFIG sent to a baked design)",
    ErrorCode.LENGTH: "the length field is not valid for the frame type",
    ErrorCode.CHECKSUM: "CRC-8 mismatch",
    ErrorCode.TIMEOUT: "the frame stopped before its end (short frame)",
    ErrorCode.FRAMING: "UART framing error (stop bit low)",
    ErrorCode.OVERRUN: "bytes arrived before the previous answer was sent",
}


class ProtocolError(SparrowError):
    """A frame from the device that is malformed or not the expected answer."""


class DeviceError(SparrowError):
    """The device answered with an ``ERROR`` frame."""

    def __init__(self, code: int, detail: int):
        self.code, self.detail = code, detail
        try:
            meaning = ERROR_MEANING[ErrorCode(code)]
            name = ErrorCode(code).name
        except ValueError:
            meaning, name = "unknown error code", f"code {code}"
        super().__init__(f"the board answered ERROR {name} ({meaning}; detail 0x{detail:02x})")


def _bytes_for(bits: int) -> int:
    return max(1, math.ceil(bits / 8))


def design_fingerprint(plan) -> int:
    """CRC-32 of what a host must agree on with a bitstream: the core's structure (mode,
    lanes, widths, layer table, config map) and, for a baked design, its weights. Layer and
    model names are left out, so one loadable bitstream serves every model of its shape."""
    manifest = plan.manifest()
    structure = {
        "mode": manifest["mode"], "lanes": manifest["lanes"], "widths": manifest["widths"],
        "classes": manifest["classes"], "input": manifest["input"]["words"],
        "layers": [{k: v for k, v in row.items() if k != "name"}
                   for row in manifest["layer_table"]],
        "config": [{k: v for k, v in r.items() if k != "layer"}
                   for r in manifest["config_map"]],
    }
    if plan.mode == "baked":
        structure["weights"] = plan.config_writes()
    return zlib.crc32(json.dumps(structure, sort_keys=True).encode())


@dataclass(frozen=True)
class ProtocolLayout:
    """Byte sizes of the frames for one design (see the module docstring)."""

    mode: str
    lanes: int
    address_bytes: int            # A
    data_bytes: int               # D
    sample_bytes: int             # S
    samples: int                  # samples per inference
    sample_bits: int
    class_bytes: int              # K
    score_bytes: int              # W
    score_bits: int
    classes: int
    capacity: int                 # payload bytes the device buffers
    fingerprint: int

    @classmethod
    def from_plan(cls, plan, *, capacity: int | None = None) -> "ProtocolLayout":
        if plan.aux_words:
            # An INFER frame carries samples only; the core would wait for its aux values.
            raise SparrowError(f"fpga: model {plan.model.name} has an aux input; the UART "
                               "protocol carries no aux values yet (simulate it with sparrow "
                               "sim)")
        sample_bytes = _bytes_for(plan.input_bits)
        needed = plan.input_words * sample_bytes
        if capacity is None:
            capacity = max(DEFAULT_CAPACITY, needed)
        if not isinstance(capacity, int) or isinstance(capacity, bool):
            raise TypeError(f"capacity must be an int, got {capacity!r}")
        address_bytes = _bytes_for(plan.config_addr_bits)
        data_bytes = _bytes_for(plan.config_data_bits)
        least = max(needed, address_bytes + data_bytes if plan.mode == "loadable" else 0)
        if not least <= capacity <= 0xFFFF:
            raise ValueError(f"capacity must be in {least}..65535 bytes (one inference's "
                             f"samples), got {capacity}")
        return cls(mode=plan.mode, lanes=plan.lanes, address_bytes=address_bytes,
                   data_bytes=data_bytes, sample_bytes=sample_bytes, samples=plan.input_words,
                   sample_bits=plan.input_bits, class_bytes=_bytes_for(plan.class_bits),
                   score_bytes=_bytes_for(plan.score_bits), score_bits=plan.score_bits,
                   classes=plan.classes, capacity=capacity,
                   fingerprint=design_fingerprint(plan))

    @property
    def infer_length(self) -> int:
        return self.samples * self.sample_bytes

    @property
    def result_length(self) -> int:
        return self.class_bytes + self.classes * self.score_bytes + \
            len(COUNTERS) * COUNTER_BYTES

    @property
    def buffer_addr_bits(self) -> int:
        """Address bits of the frame buffer (as the memory wrapper counts them)."""
        return max(1, math.ceil(math.log2(self.capacity)))

    @property
    def config_words_per_frame(self) -> int:
        return (self.capacity - self.address_bytes) // self.data_bytes

    # ---- host-side encoders ----------------------------------------------------------------
    def config_frames(self, writes) -> list[bytes]:
        """CONFIG frames for (address, value) pairs: runs of consecutive addresses, cut to
        the device's capacity."""
        if self.mode != "loadable":
            raise SparrowError("a baked design has no config port: its weights are in the "
                               "bitstream")
        frames, run = [], []
        for address, value in sorted(writes):
            if run and (address != run[0][0] + len(run) or
                        len(run) == self.config_words_per_frame):
                frames.append(self._config_frame(run))
                run = []
            run.append((address, value))
        if run:
            frames.append(self._config_frame(run))
        return frames

    def _config_frame(self, run) -> bytes:
        payload = run[0][0].to_bytes(self.address_bytes, "little") + b"".join(
            (value & ((1 << 8 * self.data_bytes) - 1)).to_bytes(self.data_bytes, "little")
            for _, value in run)
        return encode_frame(FrameType.CONFIG, payload)

    def infer_frame(self, x) -> bytes:
        """INFER frame of one input (C, L): samples time-major, two's complement."""
        samples = np.asarray(x, dtype=np.int64).T.reshape(-1)
        if len(samples) != self.samples:
            raise SparrowError(f"input: {len(samples)} samples, the design takes "
                               f"{self.samples}")
        mask = (1 << 8 * self.sample_bytes) - 1
        return encode_frame(FrameType.INFER, b"".join(
            (int(v) & mask).to_bytes(self.sample_bytes, "little") for v in samples))

    # ---- host-side decoders ----------------------------------------------------------------
    def decode_result(self, payload: bytes) -> tuple[int, list[int], dict[str, int]]:
        """(class, scores, counters) of a RESULT payload."""
        if len(payload) != self.result_length:
            raise ProtocolError(f"RESULT frame of {len(payload)} bytes, expected "
                                f"{self.result_length}")
        k, w = self.class_bytes, self.score_bytes
        cls = int.from_bytes(payload[:k], "little")
        scores = [int.from_bytes(payload[k + i * w:k + (i + 1) * w], "little", signed=True)
                  for i in range(self.classes)]
        base = k + self.classes * w
        counters = {name: int.from_bytes(payload[base + i * COUNTER_BYTES:
                                                 base + (i + 1) * COUNTER_BYTES], "little")
                    for i, name in enumerate(COUNTERS)}
        return cls, scores, counters

    def info_payload(self) -> bytes:
        """The INFO_REPLY payload this design sends."""
        return bytes([VERSION, int(self.mode == "loadable"), self.lanes]) + \
            self.capacity.to_bytes(2, "little") + self.fingerprint.to_bytes(4, "little")


@dataclass(frozen=True)
class DeviceInfo:
    version: int
    mode: str
    lanes: int
    capacity: int
    fingerprint: int

    @classmethod
    def decode(cls, payload: bytes) -> "DeviceInfo":
        if len(payload) != INFO_LENGTH:
            raise ProtocolError(f"INFO_REPLY frame of {len(payload)} bytes, expected "
                                f"{INFO_LENGTH}")
        return cls(version=payload[0], mode="loadable" if payload[1] else "baked",
                   lanes=payload[2], capacity=int.from_bytes(payload[3:5], "little"),
                   fingerprint=int.from_bytes(payload[5:9], "little"))


def encode_frame(frame_type: int, payload: bytes) -> bytes:
    """One frame: SYNC, type, length, payload, CRC."""
    if len(payload) > 0xFFFF:
        raise ValueError(f"payload of {len(payload)} bytes: at most 65535")
    body = bytes([int(frame_type)]) + len(payload).to_bytes(2, "little") + bytes(payload)
    return bytes([SYNC]) + body + bytes([crc8(body)])


class FrameDecoder:
    """Splits a byte stream from the device into frames; raises :class:`ProtocolError` on a
    malformed one (no sync, bad CRC)."""

    def __init__(self):
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        """Add received bytes; return the (type, payload) of every frame now complete."""
        self._buffer += data
        frames = []
        while self._buffer:
            if self._buffer[0] != SYNC:
                raise ProtocolError(f"byte 0x{self._buffer[0]:02x} where a frame should start "
                                    f"(sync 0xA5): the line is out of step")
            if len(self._buffer) < HEADER_BYTES:
                break
            length = int.from_bytes(self._buffer[2:4], "little")
            end = HEADER_BYTES + length + 1
            if len(self._buffer) < end:
                break
            frame = bytes(self._buffer[:end])
            del self._buffer[:end]
            if crc8(frame[1:-1]) != frame[-1]:
                raise ProtocolError(f"frame of type 0x{frame[1]:02x} with a bad CRC from the "
                                    f"board")
            frames.append((frame[1], frame[HEADER_BYTES:-1]))
        return frames

    @property
    def pending(self) -> int:
        """Bytes of an incomplete frame."""
        return len(self._buffer)
