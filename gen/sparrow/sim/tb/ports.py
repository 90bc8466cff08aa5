"""Bit-level views of the core's ports, from the manifest (never re-derived here)."""

from __future__ import annotations


def to_signed(value: int, bits: int) -> int:
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def decode_result(payload: int, manifest: dict) -> tuple[int, list[int]]:
    """(class, scores) from the integer value of ``result__payload``."""
    fields = manifest["ports"]["result"]["fields"]
    values = []
    for f in fields:
        raw = (payload >> f["lsb"]) & ((1 << f["bits"]) - 1)
        values.append(to_signed(raw, f["bits"]) if f["signed"] else raw)
    return values[0], values[1:]


def stream_word(value: int, manifest: dict, port: str = "sample") -> int:
    """Two's-complement bits of one raw value for ``<port>__payload`` (``sample``, ``aux``)."""
    return value & ((1 << manifest["ports"][port]["bits"]) - 1)
