"""Hardware layouts shared by the frame receiver, the executor and the response sender."""

from __future__ import annotations

from amaranth import unsigned
from amaranth.lib import data, enum

from ..hw.core import result_layout
from .protocol import COUNTER_BYTES, COUNTERS


class ResponseKind(enum.Enum, shape=2):
    ERROR = 0
    CONFIG_ACK = 1
    RESULT = 2
    INFO_REPLY = 3


FRAME = data.StructLayout({
    "type": unsigned(8),
    "length": unsigned(16),
    "error": unsigned(8),        # an ErrorCode, 0 for a good frame
    "detail": unsigned(8),
})
"""A frame the receiver took: a good one (``error`` 0, its payload in the buffer) or the
report of a malformed one."""


def response_layout(plan) -> data.StructLayout:
    """A response request: its kind and every field any kind of answer needs."""
    return data.StructLayout({
        "kind": ResponseKind,
        "code": unsigned(8),
        "detail": unsigned(8),
        "count": unsigned(16),
        "result": result_layout(plan),
        "perf": data.ArrayLayout(unsigned(8 * COUNTER_BYTES), len(COUNTERS)),
    })
