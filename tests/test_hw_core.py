"""The whole core in Amaranth's simulator: the independent conformance vectors, the plan's
figures, and the generator's limits."""

from __future__ import annotations

import math

import numpy as np
import pytest

from conformance import case_files, load_case
from hw_shapes import PERF, build_shape, random_inputs, simulate_core
from sparrow.cli import main
from sparrow.hw import HardwareLimitError, Limits, plan_core
from sparrow.hw.schedule import inference_counters
from sparrow.model import run


# The ECG-sized case takes minutes in Amaranth's simulator; the ECG model runs on the emitted
# Verilog in test_rtl_sim.py, and this case with -m slow.
CONFORMANCE_CASES = [pytest.param(p, id=p.stem, marks=[pytest.mark.slow] if "ecg" in p.stem
                                  else []) for p in case_files()]


@pytest.mark.parametrize("path", CONFORMANCE_CASES)
def test_conformance_vectors_on_hardware(path):
    """Every conformance vector through the core gives the independent implementation's
    exact scores and prediction (lanes and mode vary with the case)."""
    model, x, scores, predictions = load_case(path)
    index = int(path.stem.split("_")[-1]) if path.stem[-1].isdigit() else 41
    lanes = (1, 2, 3, 4, 8)[index % 5]
    mode = ("baked", "loadable")[index % 2]
    plan, out = simulate_core(model, x, lanes=lanes, mode=mode, zero_skip=index % 3 != 0)
    counters = inference_counters(plan, x, run(model, x, lanes=lanes).activations)
    for i, (cls, got, perf) in enumerate(out):
        assert got == scores[i].tolist(), f"vector {i}"
        assert cls == predictions[i], f"vector {i}"
        assert perf == {k: int(v[i]) for k, v in counters.as_dict().items()}, f"vector {i}"


def counted_by_hand(model, x, lanes, zero_skip, aux=None):
    """The counters of one inference (aux values ``aux`` for a model with an aux input),
    walking the schedule element by element (the module doc of sparrow.hw.schedule),
    independently of its vectorised formulas."""
    golden = run(model, x[None], aux=None if aux is None else aux[None], lanes=lanes)
    sources = [x] + [a[0] for a in golden.activations[:-1]]
    cbits = model.count_bits
    totals = dict.fromkeys(PERF, 0)
    for layer, src in zip(model.layers, sources):
        drain = 2
        if layer.kind == "maxpool1d":
            groups = math.ceil(layer.in_channels / lanes)
            fetch = layer.out_length * groups * layer.kernel
            totals["cycles"] += 1 + fetch + drain
            totals["activation_reads"] += fetch
            totals["activation_writes"] += layer.out_length * groups
            continue
        conv = layer.kind == "conv1d"
        kernel, stride, pad = ((layer.kernel, layer.stride, layer.padding) if conv
                               else (layer.in_length, 1, 0))
        src = src.reshape(layer.in_channels, -1)
        fire = 0 if layer.is_output or layer.theta_is_pow2 else cbits
        groups = math.ceil(layer.out_channels / lanes)
        first_layer = layer.index == 0
        for q in range(layer.out_length):
            for g in range(groups):
                active = min(lanes, layer.out_channels - g * lanes)
                cycles = 0
                for j in range(kernel):
                    pos = q * stride - pad + j
                    if not 0 <= pos < src.shape[1]:
                        continue
                    words = ([[c] for c in range(layer.in_channels)] if first_layer else
                             [list(range(w, min(w + lanes, layer.in_channels)))
                              for w in range(0, layer.in_channels, lanes)])
                    for word in words:
                        totals["activation_reads"] += 1
                        issued = [c for c in word if first_layer or not zero_skip or src[c, pos]]
                        cycles += max(1, len(issued))
                        totals["weight_reads"] += active * len(issued)
                        totals["synops"] += active * sum(1 for c in issued if src[c, pos])
                # The aux layer's aux values follow the window, each one word, zero or not.
                for value in (aux if layer.has_aux else []):
                    totals["activation_reads"] += 1
                    cycles += 1
                    totals["weight_reads"] += active
                    totals["synops"] += active * (value != 0)
                totals["cycles"] += max(cycles, fire)
        totals["cycles"] += 1 + drain + fire
        totals["activation_writes"] += 0 if layer.is_output else layer.out_length * groups
    return totals


@pytest.mark.parametrize("zero_skip", [True, False])
@pytest.mark.parametrize("shape", ["deep_six_layers", "mixed_fire_modes", "wide_padding"])
def test_counters_walked_by_hand(shape, zero_skip):
    """Cycles, weight reads, fetches, writes and synops of the core equal a walk of the
    schedule written here; the dense schedule is the plan's cycle figure and the MAC count."""
    model, lanes = build_shape(shape)
    x = random_inputs(model, 2)
    plan, out = simulate_core(model, x, lanes=lanes, zero_skip=zero_skip)
    for i in range(len(x)):
        assert out[i][2] == counted_by_hand(model, x[i], lanes, zero_skip), i
    dense = inference_counters(plan)
    assert int(dense.weight_reads[0]) == model.macs
    assert plan.cycles_per_inference == int(dense.cycles[0])
    if zero_skip:
        assert all(o[2]["cycles"] <= plan.cycles_per_inference for o in out)


@pytest.mark.parametrize("limits,match", [
    (Limits(max_lanes=4), "lanes"),
    (Limits(max_channels=4), "out_channels"),
    (Limits(max_length=16), "in_length"),
    (Limits(max_words=32), "input"),
    (Limits(max_weight_bits_total=1000), "weights"),
    (Limits(max_accumulator_bits=16), "accumulator"),
    (Limits(max_layers=3), "layers"),
])
def test_beyond_limits_refused(limits, match):
    model, _ = build_shape("deep_six_layers")
    with pytest.raises(HardwareLimitError, match=match):
        plan_core(model, lanes=8, limits=limits)


def test_cli_generate_refuses_beyond_limits(tmp_path, capsys):
    code = main(["generate", str(tmp_path / "missing.toml"), "-o", str(tmp_path / "out")])
    assert code == 1
    assert "not found" in capsys.readouterr().err
    from pathlib import Path
    tiny = Path(__file__).resolve().parents[1] / "examples" / "tiny" / "tiny.toml"
    code = main(["generate", str(tiny), "-o", str(tmp_path / "out"), "--lanes", "65"])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("sparrow: error: lanes: must be in 1..64")
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
