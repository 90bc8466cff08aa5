"""What the board must answer: the golden model's class, scores and counters per input, and
the comparison every checker (testbench scoreboard, host client) uses."""

from __future__ import annotations

import numpy as np

from ..hw.plan import HardwarePlan
from ..hw.schedule import inference_counters
from ..model.golden import run
from .protocol import COUNTERS


def expected_answers(plan: HardwarePlan, x: np.ndarray) -> list[dict]:
    """Class, scores and the counters of each input (N, C, L), from the golden model (the
    counters as the core counts them: the schedule on the golden model's activations)."""
    golden = run(plan.model, x, lanes=plan.lanes)
    counters = inference_counters(plan, x, golden.activations).as_dict()
    return [{"cls": int(golden.predictions[i]), "scores": [int(v) for v in golden.scores[i]],
             "counters": {k: int(counters[k][i]) for k in COUNTERS}} for i in range(len(x))]


def answer_mismatches(index: int, want: dict, seen: dict) -> list[str]:
    """One message per value of ``seen`` (cls, scores, counters) that differs from ``want``,
    naming the inference, the value, the expected and the actual number."""
    errors = [f"inference {index}: score of class {k} expected {e}, actual {a}"
              for k, (e, a) in enumerate(zip(want["scores"], seen["scores"])) if e != a]
    if len(seen["scores"]) != len(want["scores"]):
        errors.append(f"inference {index}: {len(seen['scores'])} scores, expected "
                      f"{len(want['scores'])}")
    if seen["cls"] != want["cls"]:
        errors.append(f"inference {index}: class expected {want['cls']}, actual {seen['cls']}")
    errors += [f"inference {index}: counter {name} expected {e}, actual "
               f"{seen['counters'].get(name)}"
               for name, e in want["counters"].items() if seen["counters"].get(name) != e]
    return errors
