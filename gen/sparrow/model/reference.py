"""Plain per-sample reference of the SSF semantics: Python loops and Python integers.

Obviously correct and slow on purpose. The golden model (:mod:`sparrow.model.golden`) is
checked against it value by value; benchmarks measure the golden model's speed against it.
"""

from __future__ import annotations

from .descriptor import Model


def plain_forward(model: Model, sample, aux=None
                  ) -> tuple[list[int], int, list[list[list[int]]]]:
    """One inference. ``sample``: C lists of L integers; ``aux``: the aux integers (a list)
    for a model with an aux input.

    Returns (scores, prediction, per-layer outputs as C lists of L integers).
    """
    a = [[int(v) for v in row] for row in sample]
    outputs = []
    for layer in model.layers:
        if layer.kind == "conv1d":
            w = layer.weight.tolist()
            v = []
            for o in range(layer.out_channels):
                row = []
                for q in range(layer.out_length):
                    acc = int(layer.bias[o])
                    for c in range(layer.in_channels):
                        for j in range(layer.kernel):
                            pos = q * layer.stride + j - layer.padding
                            if 0 <= pos < layer.in_length:
                                acc += w[o][c][j] * a[c][pos]
                    row.append(acc)
                v.append(row)
        elif layer.kind == "dense":
            w = layer.weight.tolist()
            flat = [value for row in a for value in row]      # channel-major: c * L + l
            v = []
            for o in range(layer.out_channels):
                acc = int(layer.bias[o])
                for i, value in enumerate(flat):
                    acc += w[o][i] * value
                if layer.has_aux:
                    for f, value in enumerate(aux):
                        acc += int(layer.aux_weight[o][f]) * int(value)
                v.append([acc])
        else:
            v = [[max(a[c][q * layer.stride + j] for j in range(layer.kernel))
                  for q in range(layer.out_length)] for c in range(layer.in_channels)]
            a = v
            outputs.append(a)
            continue
        if layer.is_output:
            a = v
        else:
            a = [[min(max(value // int(layer.theta[o]), 0), model.timesteps) for value in row]
                 for o, row in enumerate(v)]
        outputs.append(a)
    scores = [value for row in a for value in row]
    best = 0
    for i, s in enumerate(scores):
        if s > scores[best]:
            best = i
    return scores, best, outputs
