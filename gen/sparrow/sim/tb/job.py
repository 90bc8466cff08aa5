"""The job a cocotb run executes: written by the runner, read by the test module."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

JOB_ENV = "SPARROW_TB_JOB"


@dataclass
class TbJob:
    manifest: str                     # manifest.json of the generated design
    inputs: str                       # .npy (N, C, L) raw samples
    expected: str                     # .npz: scores, predictions, weight_reads, act_<i>, ...
    results: str                      # where the test writes what it saw (JSON)
    config_writes: str | None = None  # .npy (K, 2) address, value (loadable mode)
    aux: str | None = None            # .npy (N, features) aux values (a model with aux input)
    sample_stall: list[int] = field(default_factory=lambda: [1])   # cycled; 0 = hold back
    result_stall: list[int] = field(default_factory=lambda: [1])   # cycled; 0 = not ready
    config_stall: list[int] = field(default_factory=lambda: [1])
    trace_on_mismatch: bool = True
    clock_period_ns: float = 10.0
    activity_counter: str | None = None   # toggle-counting VPI module loaded in the simulator
    idle_counts: str | None = None        # after the inferences: count an idle window here
    idle_cycles: int = 0                  # ... of this many clock cycles

    def save(self, path: str | os.PathLike) -> Path:
        path = Path(path)
        path.write_text(json.dumps(asdict(self), indent=2))
        return path

    @classmethod
    def load(cls, path: str | os.PathLike | None = None) -> "TbJob":
        path = path or os.environ.get(JOB_ENV)
        if not path:
            raise RuntimeError(f"no job: set {JOB_ENV} to a job file")
        return cls(**json.loads(Path(path).read_text()))
