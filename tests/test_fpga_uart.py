"""Gateware units of the FPGA top in Amaranth's simulator: UART transmitter and receiver,
the response sender's frames decoded by the host-side decoder."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from amaranth import Module
from amaranth.sim import Simulator

from sparrow.fpga.frame_layout import ResponseKind
from sparrow.fpga.protocol import (ErrorCode, FrameDecoder, FrameType, ProtocolLayout)
from sparrow.fpga.response_sender import ResponseSender
from sparrow.fpga.uart_rx import UartReceiver
from sparrow.fpga.uart_top import SparrowUartTop
from sparrow.fpga.uart_tx import UartTransmitter
from sparrow.hw.plan import plan_core
from sparrow.model import load_model

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "examples" / "tiny" / "tiny.toml"
# Components whose constructor refused its arguments are never elaborated, by design.
pytestmark = pytest.mark.filterwarnings("ignore::amaranth.hdl.UnusedElaboratable")


def _line_bits(byte: int) -> list[int]:
    return [0] + [(byte >> i) & 1 for i in range(8)] + [1]


@pytest.mark.parametrize("divisor", [4, 7])
def test_transmitter_waveform_and_loopback(divisor):
    """Every bit of the transmitter lasts ``divisor`` cycles (checked on the line, sampled
    independently of the receiver), and the receiver returns every byte."""
    m = Module()
    m.submodules.tx = tx = UartTransmitter(divisor=divisor)
    m.submodules.rx = rx = UartReceiver(divisor=divisor)
    m.d.comb += rx.rx.eq(tx.tx)
    data = [0x00, 0xFF, 0xA5, 0x5A, 0x01, 0x80, 0x37]
    line, received = [], []
    sim = Simulator(m)
    sim.add_clock(1e-8)

    async def send(ctx):
        for b in data:
            ctx.set(tx.data.payload, b)
            ctx.set(tx.data.valid, 1)
            await ctx.tick().until(tx.data.ready)
            await ctx.tick()
            ctx.set(tx.data.valid, 0)
        await ctx.tick().repeat(20 * divisor)

    async def watch(ctx):
        async for _, _, level, valid, byte in ctx.tick().sample(tx.tx, rx.data.valid,
                                                                rx.data.payload):
            line.append(level)
            if valid:
                received.append(byte)

    sim.add_testbench(send)
    sim.add_testbench(watch, background=True)
    sim.run()
    assert received == data
    # Decode the recorded line at bit centres, from each falling edge after idle.
    bits, i = [], 0
    while i < len(line) and len(bits) < len(data):
        if line[i] == 0 and (i == 0 or line[i - 1] == 1):
            bits.append([line[i + divisor // 2 + k * divisor] for k in range(10)])
            # the start bit and each data bit are held exactly `divisor` cycles
            assert line[i:i + divisor] == [0] * divisor
            i += 10 * divisor - divisor // 2
        else:
            i += 1
    assert bits == [_line_bits(b) for b in data]


def test_receiver_flags_a_low_stop_bit():
    m = Module()
    m.submodules.rx = rx = UartReceiver(divisor=4)
    seen = {"bytes": [], "framing": 0}
    sim = Simulator(m)
    sim.add_clock(1e-8)

    async def drive(ctx):
        ctx.set(rx.rx, 1)
        await ctx.tick().repeat(8)
        for frame in (_line_bits(0x3C)[:-1] + [0], _line_bits(0xC3)):
            for bit in frame:
                ctx.set(rx.rx, bit)
                await ctx.tick().repeat(4)
            ctx.set(rx.rx, 1)
            await ctx.tick().repeat(12)

    async def watch(ctx):
        async for _, _, valid, byte, framing in ctx.tick().sample(
                rx.data.valid, rx.data.payload, rx.framing_error):
            if valid:
                seen["bytes"].append(byte)
            seen["framing"] += framing

    sim.add_testbench(drive)
    sim.add_testbench(watch, background=True)
    sim.run()
    assert seen == {"bytes": [0xC3], "framing": 1}


@pytest.mark.parametrize("bad, error", [(3, ValueError), (4.0, TypeError), (True, TypeError)])
def test_divisor_is_checked(bad, error):
    with pytest.raises(error, match="divisor"):
        UartReceiver(divisor=bad)
    with pytest.raises(error, match="divisor"):
        UartTransmitter(divisor=bad)


def test_top_checks_its_arguments():
    plan = plan_core(load_model(TINY), lanes=2, mode="loadable")
    with pytest.raises(ValueError, match="timeout_cycles must exceed two byte times"):
        SparrowUartTop(plan, divisor=4, timeout_cycles=80)
    with pytest.raises(TypeError, match="plan must be a HardwarePlan"):
        SparrowUartTop("plan", divisor=4, timeout_cycles=1000)
    gc.collect()     # the refused objects' "never used" warnings, under this module's filter


def test_response_sender_frames_decode_on_the_host():
    """Each kind of answer, as bytes, is a valid frame with the payload the protocol says."""
    plan = plan_core(load_model(TINY), lanes=2, mode="loadable")
    lay = ProtocolLayout.from_plan(plan)
    dut = ResponseSender(layout=lay, plan=plan)
    scores = [-300, 1023, -1]
    perf = [99, 173, 89, 27, 160]
    requests = [
        {"kind": ResponseKind.ERROR, "code": ErrorCode.CHECKSUM, "detail": 2},
        {"kind": ResponseKind.CONFIG_ACK, "count": 513},
        {"kind": ResponseKind.INFO_REPLY},
        {"kind": ResponseKind.RESULT, "result": {"cls": 1, "scores": scores}, "perf": perf},
    ]
    out = bytearray()
    sim = Simulator(dut)
    sim.add_clock(1e-8)

    async def drive(ctx):
        ctx.set(dut.byte.ready, 1)
        for r in requests:
            ctx.set(dut.request.payload, {"code": 0, "detail": 0, "count": 0,
                                          "result": {"cls": 0, "scores": [0, 0, 0]},
                                          "perf": [0] * 4} | r)
            ctx.set(dut.request.valid, 1)
            taken = False
            while not taken:            # the request is taken with its last byte
                _, _, taken = await ctx.tick().sample(dut.request.ready)
            ctx.set(dut.request.valid, 0)
        await ctx.tick().repeat(4)

    async def collect(ctx):
        async for _, _, valid, byte in ctx.tick().sample(dut.byte.valid, dut.byte.payload):
            if valid:
                out.append(byte)

    sim.add_testbench(drive)
    sim.add_testbench(collect, background=True)
    sim.run()
    frames = FrameDecoder().feed(bytes(out))
    assert frames[0] == (FrameType.ERROR, bytes([ErrorCode.CHECKSUM, 2]))
    assert frames[1] == (FrameType.CONFIG_ACK, (513).to_bytes(2, "little"))
    assert frames[2] == (FrameType.INFO_REPLY, lay.info_payload())
    kind, payload = frames[3]
    assert kind == FrameType.RESULT
    assert lay.decode_result(payload) == (1, scores, dict(zip(
        ("cycles", "weight_reads", "activation_reads", "activation_writes", "synops"), perf)))
    assert len(frames) == 4
