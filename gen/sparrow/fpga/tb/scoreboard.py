"""Scoreboard: every answer of the board top against the golden model, value by value."""

from __future__ import annotations

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
        want = self.expected[index]
        before = len(self.errors)
        for k, (e, a) in enumerate(zip(want["scores"], scores)):
            if e != a:
                self.errors.append(f"inference {index}: score of class {k} expected {e}, "
                                   f"actual {a}")
        if cls != want["cls"]:
            self.errors.append(f"inference {index}: class expected {want['cls']}, actual {cls}")
        for name, e in want["counters"].items():
            if counters[name] != e:
                self.errors.append(f"inference {index}: counter {name} expected {e}, actual "
                                   f"{counters[name]}")
        return len(self.errors) == before
