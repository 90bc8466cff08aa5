"""Host side: talks to the Sparrow FPGA top over a serial port and checks every answer
against the golden model.

The port is anything pyserial opens: a device (``/dev/ttyUSB1``, ``COM3``) or a URL
(``socket://127.0.0.1:PORT``, which is how the tests reach the simulated board top).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from ..errors import SparrowError
from ..hw.plan import HardwareLimitError, plan_core
from ..model.descriptor import Model
from .answers import answer_mismatches, expected_answers
from .protocol import (RESYNC_SECONDS, VERSION, DeviceError, DeviceInfo, FrameDecoder,
                       FrameType, ProtocolError, ProtocolLayout, encode_frame)

DEFAULT_BAUD = 115200


class BoardError(SparrowError):
    """The board cannot be reached or does not answer as the protocol says."""


def _pyserial():
    try:
        import serial
    except ImportError:
        raise BoardError("pyserial is not installed: `.venv/bin/pip install -e '.[fpga]'` "
                         "(or ./setup.sh fpga)") from None
    return serial


class BoardClient:
    """One open connection to a board (or a simulated one); a context manager."""

    def __init__(self, port: str, *, baud: int = DEFAULT_BAUD, timeout: float = 5.0):
        if not isinstance(baud, int) or baud <= 0:
            raise ValueError(f"baud must be a positive int, got {baud!r}")
        if not timeout > 0:
            raise ValueError(f"timeout must be positive (seconds), got {timeout!r}")
        serial = _pyserial()
        self.port_name, self.timeout = port, timeout
        try:
            self._port = serial.serial_for_url(port, baudrate=baud, timeout=timeout)
        except (serial.SerialException, ValueError, OSError) as e:
            raise BoardError(f"cannot open {port}: {e}") from None
        self._serial_error = serial.SerialException
        self._decoder = FrameDecoder()
        self._pending: list[tuple[int, bytes]] = []

    def __enter__(self) -> "BoardClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._port.close()

    def resync(self) -> None:
        """Stay quiet for twice the board's resync gap (ends any frame or discard a previous
        session left behind), then drop whatever arrived."""
        time.sleep(2 * RESYNC_SECONDS)
        self._port.reset_input_buffer()
        self._decoder = FrameDecoder()
        self._pending.clear()

    def send(self, data: bytes) -> None:
        try:
            self._port.write(data)
            self._port.flush()
        except (self._serial_error, OSError) as e:
            raise BoardError(f"writing to {self.port_name} failed: {e}") from None

    def receive(self, *, timeout: float | None = None) -> tuple[int, bytes]:
        """The next frame (type, payload) from the board; :class:`DeviceError` for an ERROR
        frame, :class:`BoardError` if none is complete in time."""
        limit = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        while not self._pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                got = f" ({self._decoder.pending} bytes of a frame)" if self._decoder.pending \
                    else ""
                raise BoardError(f"no answer from {self.port_name} within {limit:g} s{got}: "
                                 "is the bitstream loaded and the baud rate right?")
            try:
                self._port.timeout = remaining
                data = self._port.read(max(1, self._port.in_waiting))
            except (self._serial_error, OSError) as e:
                raise BoardError(f"reading from {self.port_name} failed: {e}") from None
            self._pending += self._decoder.feed(data)
        kind, payload = self._pending.pop(0)
        if kind == FrameType.ERROR:
            if len(payload) != 2:
                raise ProtocolError(f"ERROR frame of {len(payload)} bytes, expected 2")
            raise DeviceError(payload[0], payload[1])
        return kind, payload

    def request(self, frame: bytes, expect: FrameType) -> bytes:
        """Send one frame and return the payload of its answer, which must be ``expect``."""
        self.send(frame)
        kind, payload = self.receive()
        if kind != expect:
            raise ProtocolError(f"answer of type 0x{kind:02x} to a request of type "
                                f"0x{frame[1]:02x}, expected {expect.name}")
        return payload

    def info(self) -> DeviceInfo:
        info = DeviceInfo.decode(self.request(encode_frame(FrameType.INFO, b""),
                                              FrameType.INFO_REPLY))
        if info.version != VERSION:
            raise BoardError(f"the board speaks protocol version {info.version}; this "
                             f"Sparrow speaks {VERSION}: rebuild the bitstream")
        return info

    def load_config(self, layout: ProtocolLayout, writes) -> int:
        """Every (address, value) through CONFIG frames; returns the values acknowledged."""
        done = 0
        for frame in layout.config_frames(writes):
            sent = (len(frame) - 5 - layout.address_bytes) // layout.data_bytes
            acked = int.from_bytes(self.request(frame, FrameType.CONFIG_ACK), "little")
            if acked != sent:
                raise ProtocolError(f"the board acknowledged {acked} config writes of {sent}")
            done += acked
        return done

    def infer(self, layout: ProtocolLayout, x) -> tuple[int, list[int], dict[str, int]]:
        """One inference: (class, scores, counters)."""
        return layout.decode_result(self.request(layout.infer_frame(x), FrameType.RESULT))


def layout_for_board(model: Model, info: DeviceInfo) -> tuple:
    """(plan, layout) of ``model`` for the design the board says it runs; BoardError if the
    board's bitstream is not a design of this model (its fingerprint differs)."""
    try:
        plan = plan_core(model, lanes=info.lanes, mode=info.mode)
    except HardwareLimitError as e:
        raise BoardError(f"the board runs a {info.mode} design with {info.lanes} lanes, which "
                         f"does not fit {model.name}: {e}") from None
    layout = ProtocolLayout.from_plan(plan, capacity=info.capacity)
    if layout.fingerprint != info.fingerprint:
        what = "shape or weights" if info.mode == "baked" else "shape"
        raise BoardError(f"the board runs a different design (fingerprint "
                         f"0x{info.fingerprint:08x}) than {model.name} as a {info.mode} "
                         f"design with {info.lanes} lanes (0x{layout.fingerprint:08x}): the "
                         f"{what} differs; build its bitstream with `sparrow fpga build`")
    return plan, layout


@dataclass
class BoardRun:
    """Every answer of a run and how it compares with the golden model."""

    info: DeviceInfo
    config_writes: int
    observed: list[dict] = field(repr=False)
    errors: list[str]
    seconds: float

    @property
    def passed(self) -> bool:
        return not self.errors

    @property
    def exact(self) -> int:
        """Inferences equal to the golden model in class, scores and counters."""
        bad = {e.split(":")[0] for e in self.errors}
        return len(self.observed) - len(bad)


def run_on_board(model: Model, client: BoardClient, x: np.ndarray) -> BoardRun:
    """Load the weights (loadable designs) and run every input of ``x`` (N, C, L) on the
    board; each class, score and counter is compared with the golden model."""
    start = time.monotonic()
    client.resync()
    info = client.info()
    plan, layout = layout_for_board(model, info)
    writes = client.load_config(layout, plan.config_writes()) if plan.mode == "loadable" else 0
    expected = expected_answers(plan, x)
    observed, errors = [], []
    for i, xi in enumerate(x):
        cls, scores, counters = client.infer(layout, xi)
        observed.append({"cls": cls, "scores": scores, "counters": counters})
        errors += answer_mismatches(i, expected[i], observed[-1])
    return BoardRun(info=info, config_writes=writes, observed=observed, errors=errors,
                    seconds=time.monotonic() - start)
