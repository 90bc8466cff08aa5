"""The job of one testbench run: written by the runner, read by the test module."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

JOB_ENV = "SPARROW_FPGA_TB_JOB"


@dataclass
class UartTbJob:
    layout: dict                      # ProtocolLayout fields of the design
    divisor: int                      # clock cycles per UART bit
    timeout_cycles: int               # the design's quiet time (frame timeout, resync gap)
    clock_period_ns: float
    results: str                      # where the test writes what it saw (JSON)
    config_frames: list[str] = field(default_factory=list)    # hex, loadable designs
    infer_frames: list[str] = field(default_factory=list)     # hex, one per inference
    expected: list[dict] = field(default_factory=list)        # cls, scores, counters
    answer_cycles: int = 0            # longest wait for an answer, clock cycles
    bridge_port_file: str | None = None   # the bridge writes its TCP port here
    bridge_seconds: float = 300.0     # wall-clock limit of a bridge run

    def save(self, path: str | os.PathLike) -> Path:
        path = Path(path)
        path.write_text(json.dumps(asdict(self), indent=1))
        return path

    @classmethod
    def load(cls, path: str | os.PathLike | None = None) -> "UartTbJob":
        path = path or os.environ.get(JOB_ENV)
        if not path:
            raise RuntimeError(f"no job: set {JOB_ENV} to a job file")
        return cls(**json.loads(Path(path).read_text()))
