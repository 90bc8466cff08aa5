"""CRC-8 of the UART frames: one definition for the host (Python) and the gateware (Amaranth).

Polynomial x^8 + x^2 + x + 1 (0x07), initial value 0, no reflection, no final XOR: the
catalogued CRC-8/SMBUS, whose check value (the CRC of the ASCII bytes ``123456789``) is 0xF4.
It detects every error of up to 8 consecutive bits and every odd number of flipped bits.
"""

from __future__ import annotations

from amaranth import Cat, Value

POLYNOMIAL = 0x07
INITIAL = 0x00


def crc8_byte(crc: int, byte: int) -> int:
    """The CRC after one more byte (both 0..255)."""
    crc ^= byte
    for _ in range(8):
        crc = ((crc << 1) ^ POLYNOMIAL) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def crc8(data: bytes, crc: int = INITIAL) -> int:
    """CRC-8 of ``data``, continuing from ``crc``."""
    for byte in data:
        crc = crc8_byte(crc, byte)
    return crc


def crc8_next(crc: Value, byte: Value) -> Value:
    """Amaranth expression of :func:`crc8_byte`: the CRC register after one byte.

    The CRC is linear over GF(2): each output bit is the XOR of the bits of ``crc ^ byte``
    whose unit vectors map onto it, found by running :func:`crc8_byte` on each unit vector."""
    value = crc ^ byte
    columns = [crc8_byte(0, 1 << j) for j in range(8)]
    bits = []
    for i in range(8):
        taps = [value[j] for j in range(8) if columns[j] >> i & 1]
        bit = taps[0]
        for tap in taps[1:]:
            bit = bit ^ tap
        bits.append(bit)
    return Cat(*bits)
