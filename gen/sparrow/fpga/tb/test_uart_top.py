"""cocotb tests of the FPGA board top: frames in over the UART line, answers out, every
inference checked against the golden model; malformed frames answered by ERROR frames; a
socket bridge for host clients. The job comes from ``SPARROW_FPGA_TB_JOB``."""

from __future__ import annotations

import json

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, FallingEdge, SimTimeoutError

from sparrow.fpga.protocol import ErrorCode, FrameType, ProtocolLayout, encode_frame
from sparrow.fpga.tb.bridge import SocketBridge
from sparrow.fpga.tb.job import UartTbJob
from sparrow.fpga.tb.scoreboard import AnswerScoreboard
from sparrow.fpga.tb.uart import FrameReader, UartSink, UartSource


class Bench:
    """Clock, reset, UART driver and monitor around the design under test."""

    def __init__(self, dut, job: UartTbJob):
        self.dut, self.job = dut, job
        self.layout = ProtocolLayout(**job.layout)
        bit_ns = job.divisor * job.clock_period_ns
        self.source = UartSource(dut.rx, bit_ns)
        self.sink = UartSink(dut.tx, bit_ns)
        self.reader = FrameReader(self.sink)
        self.answer_ns = job.answer_cycles * job.clock_period_ns
        self.quiet_ns = job.timeout_cycles * job.clock_period_ns

    async def start(self) -> None:
        dut = self.dut
        cocotb.start_soon(Clock(dut.clk, self.job.clock_period_ns, unit="ns").start())
        dut.rst.value = 1
        await ClockCycles(dut.clk, 3)
        await FallingEdge(dut.clk)
        dut.rst.value = 0
        cocotb.start_soon(self.sink.run())

    async def ask(self, frame: bytes, *, what: str, extra_ns: float = 0.0):
        """Send ``frame``, return the answer (type, payload); fail if none comes in time."""
        await self.source.send(frame)
        try:
            return await self.reader.frame(self.answer_ns + extra_ns)
        except SimTimeoutError:
            raise AssertionError(f"{what}: no answer within "
                                 f"{(self.answer_ns + extra_ns) / 1000:.1f} µs") from None

    async def resync(self) -> None:
        """Stay quiet for the design's resync gap (ends its discard after an error)."""
        await cocotb.triggers.Timer(self.quiet_ns + 20 * self.job.divisor *
                                    self.job.clock_period_ns, unit="ns")


async def _load_config(bench: Bench) -> None:
    for i, hex_frame in enumerate(bench.job.config_frames):
        frame = bytes.fromhex(hex_frame)
        kind, payload = await bench.ask(frame, what=f"config frame {i}")
        values = (len(frame) - 5 - bench.layout.address_bytes) // bench.layout.data_bytes
        assert kind == FrameType.CONFIG_ACK, \
            f"config frame {i}: answer 0x{kind:02x} {payload.hex()}, expected CONFIG_ACK"
        assert int.from_bytes(payload, "little") == values, \
            f"config frame {i}: {int.from_bytes(payload, 'little')} writes acknowledged, " \
            f"{values} sent"


def _write_results(job: UartTbJob, board: AnswerScoreboard, **extra) -> None:
    with open(job.results, "w") as f:
        json.dump({"observed": board.observed, "errors": board.errors} | extra, f)


@cocotb.test()
async def inferences_match_golden(dut):
    """Weights (loadable designs) and every input as UART frames; each RESULT equals the
    golden model's class, scores and hardware counters."""
    job = UartTbJob.load()
    bench = Bench(dut, job)
    await bench.start()
    await _load_config(bench)
    board = AnswerScoreboard(bench.layout, job.expected)
    for i, hex_frame in enumerate(job.infer_frames):
        kind, payload = await bench.ask(bytes.fromhex(hex_frame), what=f"inference {i}")
        board.check(i, kind, payload)
    _write_results(job, board)
    assert not board.errors, "\n".join(board.errors[:20])


@cocotb.test()
async def malformed_frames_get_errors(dut):
    """Each malformed frame gets its ERROR frame (no hang, no effect on the core); an
    inference after all of them is still exact."""
    job = UartTbJob.load()
    bench = Bench(dut, job)
    lay = bench.layout
    await bench.start()
    await _load_config(bench)
    good = bytes.fromhex(job.infer_frames[0])
    bad_crc = good[:-1] + bytes([good[-1] ^ 0x5A])
    cases = [
        ("bad sync byte", bytes([0x12]), ErrorCode.SYNC, 0x12),
        ("unknown type", encode_frame(0x42, b""), ErrorCode.TYPE, 0x42),
        ("INFER one sample short", encode_frame(FrameType.INFER, good[4:-2]),
         ErrorCode.LENGTH, FrameType.INFER),
        ("INFER with a payload over the capacity",
         encode_frame(FrameType.INFER, bytes(lay.capacity + 1)), ErrorCode.LENGTH,
         FrameType.INFER),
        ("INFO with a payload", encode_frame(FrameType.INFO, b"\x00"), ErrorCode.LENGTH,
         FrameType.INFO),
        ("bad checksum", bad_crc, ErrorCode.CHECKSUM, FrameType.INFER),
        ("frame cut short", good[:-3], ErrorCode.TIMEOUT, FrameType.INFER),
    ]
    if lay.mode == "loadable":
        ragged = bytes(lay.address_bytes + lay.data_bytes + 1) if lay.data_bytes > 1 else None
        if ragged is not None:
            cases.append(("CONFIG ending inside a value", encode_frame(FrameType.CONFIG, ragged),
                          ErrorCode.LENGTH, FrameType.CONFIG))
    else:
        cases.append(("CONFIG to a baked design", encode_frame(FrameType.CONFIG, bytes(4)),
                      ErrorCode.TYPE, FrameType.CONFIG))
    failures = []
    seen = []
    for what, frame, code, detail in cases:
        kind, payload = await bench.ask(frame, what=what, extra_ns=bench.quiet_ns)
        seen.append({"case": what, "type": kind, "payload": payload.hex()})
        if kind != FrameType.ERROR or payload != bytes([code, detail]):
            failures.append(f"{what}: answer 0x{kind:02x} {payload.hex()}, expected ERROR "
                            f"{code.name} ({bytes([code, detail]).hex()})")
        await bench.resync()
    # A byte sent before the answer: the inference is exact, then OVERRUN is reported.
    board = AnswerScoreboard(lay, job.expected)
    await bench.source.send(good)
    await bench.source.send(bytes([0x00]))
    kind, payload = await bench.reader.frame(bench.answer_ns)
    board.check(0, kind, payload)
    kind, payload = await bench.reader.frame(bench.answer_ns)
    if kind != FrameType.ERROR or payload[0] != ErrorCode.OVERRUN:
        failures.append(f"byte during an inference: answer 0x{kind:02x} {payload.hex()}, "
                        f"expected ERROR OVERRUN")
    await bench.resync()
    for i, hex_frame in enumerate(job.infer_frames):
        kind, payload = await bench.ask(bytes.fromhex(hex_frame), what=f"inference {i}")
        board.check(i, kind, payload)
    failures += board.errors
    _write_results(job, board, malformed=seen, failures=failures)
    assert not failures, "\n".join(failures)


@cocotb.test()
async def socket_bridge(dut):
    """The design behind a TCP socket until the client closes it."""
    job = UartTbJob.load()
    bench = Bench(dut, job)
    await bench.start()
    bridge = SocketBridge(bench.source, bench.sink, port_file=job.bridge_port_file,
                          seconds=job.bridge_seconds)
    await bridge.run()
    with open(job.results, "w") as f:
        json.dump({"bytes_in": bridge.bytes_in, "bytes_out": bridge.bytes_out,
                   "framing_errors": bench.sink.framing_errors}, f)
    assert bench.sink.framing_errors == 0, "framing errors on the design's tx line"
