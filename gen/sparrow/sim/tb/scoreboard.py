"""Scoreboard: every inference against the golden model, value by value."""

from __future__ import annotations

import numpy as np

from .monitors import Observed


class Scoreboard:
    """Compares observed results with the expected ones from the golden model.

    A mismatch message names the layer, the neuron, the expected and the actual value.
    """

    def __init__(self, manifest: dict, expected: dict):
        self.manifest = manifest
        self.expected = expected
        self.layers = manifest["layer_table"]
        self.errors: list[str] = []
        self.checked = 0

    def check(self, index: int, seen: Observed) -> bool:
        exp_scores = [int(v) for v in self.expected["scores"][index]]
        out = self.layers[-1]
        if len(seen.scores) != len(exp_scores):
            self.errors.append(f"inference {index}: {len(seen.scores)} scores observed, "
                               f"{len(exp_scores)} expected")
            return False
        ok = True
        for k, (e, a) in enumerate(zip(exp_scores, seen.scores, strict=True)):
            if e != a:
                o, q = divmod(k, out["out_length"])
                self.errors.append(f"inference {index}: layer {out['name']} (output), neuron "
                                   f"{o} at position {q}: expected score {e}, actual {a}")
                ok = False
        exp_cls = int(self.expected["predictions"][index])
        if seen.cls != exp_cls:
            self.errors.append(f"inference {index}: class expected {exp_cls}, actual {seen.cls}")
            ok = False
        exp_perf = {k: int(self.expected[k][index]) for k in
                    ("cycles", "weight_reads", "activation_reads", "activation_writes", "synops")}
        for k, e in exp_perf.items():
            if seen.perf[k] != e:
                self.errors.append(f"inference {index}: counter {k} expected {e}, "
                                   f"actual {seen.perf[k]}")
                ok = False
        self.checked += 1
        return ok

    def localise(self, index: int, writes) -> str | None:
        """The first activation value that differs from the golden model, from a trace of
        activation writes; ``None`` if every traced value matches."""
        lanes = self.manifest["lanes"]
        for layer_index, address, counts in writes:
            layer = self.layers[layer_index]
            expected = np.asarray(self.expected[f"act_{layer_index}"][index])
            q, g = divmod(address, layer["groups"])
            for lane, actual in enumerate(counts):
                channel = g * lanes + lane
                if channel >= expected.shape[0]:
                    continue
                want = int(expected[channel, q])
                if want != actual:
                    where, what = f"position {q}", "count"
                    if self.manifest.get("variant") == "if":
                        step, q = divmod(q, layer["out_length"])
                        where, what = f"position {q} at step {step}", "spike"
                    return (f"inference {index}: first difference at layer {layer['name']} "
                            f"(index {layer_index}), neuron {channel} at {where}: "
                            f"expected {what} {want}, actual {actual}")
        return None
