"""Scoreboard: every answer of the board top against the golden model, value by value."""

from __future__ import annotations

from ..answers import answer_mismatches
from ..protocol import FrameType, ProtocolLayout


class AnswerScoreboard:
    """Checks RESULT frames against the expected class, scores and counters; a mismatch
    message names the inference, the field, the expected and the actual value."""

    def __init__(self, layout: ProtocolLayout, expected: list[dict]):
        self.layout = layout
        self.expected = expected
        self.errors: list[str] = []
        self.observed: list[dict] = []

    def check(self, index: int, frame_type: int, payload: bytes) -> bool:
        if frame_type != FrameType.RESULT:
            self.errors.append(f"inference {index}: answer of type 0x{frame_type:02x} "
                               f"({payload.hex()}), expected RESULT")
            self.observed.append({})
            return False
        cls, scores, counters = self.layout.decode_result(payload)
        self.observed.append({"cls": cls, "scores": scores, "counters": counters})
        found = answer_mismatches(index, self.expected[index], self.observed[-1])
        self.errors += found
        return not found
