"""The framed UART protocol on the host side: CRC-8, frame encoding and decoding, the byte
layouts of a design, the design fingerprint."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from amaranth import Module, Signal
from amaranth.sim import Simulator
from hypothesis import given, strategies as st

from sparrow.fpga.checksum import crc8, crc8_byte, crc8_next
from sparrow.fpga.protocol import (SYNC, DeviceError, ErrorCode, FrameDecoder, FrameType,
                                   ProtocolError, ProtocolLayout, design_fingerprint,
                                   encode_frame)
from sparrow.hw.plan import plan_core
from sparrow.model import load_model

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "examples" / "tiny" / "tiny.toml"
ECG = ROOT / "examples" / "ecg" / "ecg.toml"


def test_crc8_catalogue_check_value():
    # CRC-8/SMBUS (poly 0x07, init 0, no reflection, no final XOR): the catalogued check
    # value of the ASCII string "123456789" is 0xF4.
    assert crc8(b"123456789") == 0xF4
    assert crc8(b"") == 0


def test_crc8_detects_every_single_bit_error():
    data = bytes(range(40))
    good = crc8(data)
    for i in range(len(data) * 8):
        flipped = bytearray(data)
        flipped[i // 8] ^= 1 << (i % 8)
        assert crc8(bytes(flipped)) != good


def test_crc8_gateware_equals_the_reference():
    crc, byte, out = Signal(8), Signal(8), Signal(8)
    m = Module()
    m.d.comb += out.eq(crc8_next(crc, byte))
    sim = Simulator(m)
    rng = np.random.default_rng(3)
    pairs = [(0, b) for b in range(256)] + [tuple(map(int, p)) for p in
                                             rng.integers(0, 256, size=(512, 2))]
    seen = []

    async def bench(ctx):
        for c, b in pairs:
            ctx.set(crc, c)
            ctx.set(byte, b)
            seen.append(ctx.get(out))

    sim.add_testbench(bench)
    sim.run()
    assert seen == [crc8_byte(c, b) for c, b in pairs]


@given(st.integers(0, 255), st.binary(max_size=300))
def test_frames_round_trip_through_the_decoder(frame_type, payload):
    frame = encode_frame(frame_type, payload)
    assert frame[0] == SYNC and len(frame) == len(payload) + 5
    assert int.from_bytes(frame[2:4], "little") == len(payload)
    decoder = FrameDecoder()
    # Byte by byte: nothing until the last byte, then exactly the frame.
    for b in frame[:-1]:
        assert decoder.feed(bytes([b])) == []
    assert decoder.feed(frame[-1:]) == [(frame_type, payload)]
    assert decoder.pending == 0


def test_decoder_rejects_a_bad_crc_and_a_missing_sync():
    frame = bytearray(encode_frame(FrameType.RESULT, b"\x01\x02"))
    frame[4] ^= 0x10
    with pytest.raises(ProtocolError, match="bad CRC"):
        FrameDecoder().feed(bytes(frame))
    with pytest.raises(ProtocolError, match="sync"):
        FrameDecoder().feed(b"\x00" + encode_frame(FrameType.RESULT, b""))


def _layout(path, lanes=8, mode="loadable"):
    plan = plan_core(load_model(path), lanes=lanes, mode=mode)
    return plan, ProtocolLayout.from_plan(plan)


@pytest.mark.parametrize("path", [TINY, ECG])
def test_config_frames_carry_every_write_once(path):
    plan, lay = _layout(path)
    writes = plan.config_writes()
    decoded = []
    for frame in lay.config_frames(writes):
        (kind, payload), = FrameDecoder().feed(frame)
        assert kind == FrameType.CONFIG and len(payload) <= lay.capacity
        address = int.from_bytes(payload[:lay.address_bytes], "little")
        body = payload[lay.address_bytes:]
        assert len(body) % lay.data_bytes == 0
        for i in range(0, len(body), lay.data_bytes):
            decoded.append((address, int.from_bytes(body[i:i + lay.data_bytes], "little")))
            address += 1
    assert sorted(decoded) == sorted(writes)
    # Address and value fields are wide enough for the config port.
    assert 8 * lay.address_bytes >= plan.config_addr_bits
    assert 8 * lay.data_bytes >= plan.config_data_bits


def test_infer_frame_is_time_major_twos_complement():
    plan, lay = _layout(ECG)
    x = np.random.default_rng(0).integers(-128, 128, size=(1, 180))
    (kind, payload), = FrameDecoder().feed(lay.infer_frame(x))
    assert kind == FrameType.INFER and len(payload) == 180
    assert np.frombuffer(payload, dtype=np.int8).tolist() == x.T.reshape(-1).tolist()


def test_result_payload_decodes_signed_scores_and_counters():
    plan, lay = _layout(ECG)
    # ECG: 5 classes, 18-bit scores -> 3 bytes each; class in 1 byte; five 32-bit counters.
    scores = [-131072, 131071, -1, 0, 4242]
    payload = bytes([3]) + b"".join(s.to_bytes(3, "little", signed=True) for s in scores) + \
        b"".join(v.to_bytes(4, "little") for v in (6248, 46752, 9, 2**32 - 1, 17))
    cls, got, counters = lay.decode_result(payload)
    assert (cls, got) == (3, scores)
    assert counters == {"cycles": 6248, "weight_reads": 46752, "activation_reads": 9,
                        "activation_writes": 2**32 - 1, "synops": 17}
    with pytest.raises(ProtocolError, match="RESULT frame of 35 bytes"):
        lay.decode_result(payload[:-1])


def test_fingerprint_follows_shape_not_names_and_weights_only_when_baked():
    model = load_model(TINY)
    renamed = dataclasses.replace(model, name="other")
    layers = list(model.layers)
    w = layers[0].weight.copy()
    w.flat[0] = -w.flat[0] - 1
    layers[0] = dataclasses.replace(layers[0], weight=w)
    reweighted = dataclasses.replace(model, layers=tuple(layers))

    def fp(m, lanes=4, mode="loadable"):
        return design_fingerprint(plan_core(m, lanes=lanes, mode=mode))

    assert fp(model) == fp(renamed) == fp(reweighted)
    assert fp(model, mode="baked") != fp(reweighted, mode="baked")
    assert fp(model) != fp(model, lanes=2)
    assert fp(model) != fp(model, mode="baked")


def test_device_error_is_one_line_naming_the_code():
    text = str(DeviceError(ErrorCode.CHECKSUM, FrameType.INFER))
    assert "\n" not in text and "CHECKSUM" in text and "0x02" in text
    assert "code 99" in str(DeviceError(99, 0))


def test_layout_refuses_a_buffer_smaller_than_one_input():
    plan = plan_core(load_model(ECG), lanes=8, mode="loadable")
    with pytest.raises(ValueError, match="capacity must be in 180..65535"):
        ProtocolLayout.from_plan(plan, capacity=100)
