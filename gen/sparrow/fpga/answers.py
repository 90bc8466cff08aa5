"""What the board must answer: the golden model's class, scores and counters per input, and
the comparison every checker (testbench scoreboard, host client) uses."""

from __future__ import annotations

import numpy as np

from ..hw.plan import HardwarePlan
from ..model.golden import run


def expected_answers(plan: HardwarePlan, x: np.ndarray) -> list[dict]:
    """Class, scores and the four counters of each input (N, C, L), from the golden model
    (the counters as the core counts them: cycles from the plan's exact schedule, traffic from
    the golden model)."""
    golden = run(plan.model, x, lanes=plan.lanes)
    counters = {"cycles": plan.cycles_per_inference, "weight_reads": golden.weight_reads,
                "activation_reads": golden.activation_reads,
                "activation_writes": golden.activation_writes}
    return [{"cls": int(golden.predictions[i]), "scores": [int(v) for v in golden.scores[i]],
             "counters": dict(counters)} for i in range(len(x))]


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
