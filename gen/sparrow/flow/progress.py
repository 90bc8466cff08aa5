"""What the user sees while a flow runs: step i/n, its name, elapsed time, and a tool's
progress lines (rate-limited; the step's log file has every line)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Prints flow progress to ``stream`` (standard error by default).

    ``tool_lines``: show the lines steps report while their tool runs, at most one every
    ``min_line_interval_s`` seconds (a line that arrives sooner is dropped from the screen,
    never from the log)."""

    def __init__(self, stream: TextIO | None = None, *, tool_lines: bool = True,
                 min_line_interval_s: float = 0.25):
        self.stream = stream if stream is not None else sys.stderr
        self.tool_lines = tool_lines
        self.min_line_interval_s = min_line_interval_s
        self._last_line = 0.0
        self._step_start = 0.0

    def _print(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def flow_start(self, run_dir, count: int) -> None:
        self._print(f"flow: {count} steps, run folder {run_dir}")

    def step_start(self, index: int, count: int, step_id: str, name: str) -> None:
        self._step_start = time.monotonic()
        self._last_line = 0.0
        self._print(f"[{index}/{count}] {name} ({step_id}) ...")

    def step_line(self, line: str) -> None:
        now = time.monotonic()
        if not self.tool_lines or not line.strip() or now - self._last_line < self.min_line_interval_s:
            return
        self._last_line = now
        self._print(f"      {now - self._step_start:7.1f} s | {line.strip()[:160]}")

    def step_end(self, index: int, count: int, name: str, status: str, elapsed_s: float) -> None:
        self._print(f"[{index}/{count}] {name}: {status} ({elapsed_s:.1f} s)")

    def flow_end(self, run_dir, elapsed_s: float, ok: bool) -> None:
        word = "done" if ok else "FAILED"
        self._print(f"flow: {word} in {elapsed_s:.1f} s; results in {run_dir}")
