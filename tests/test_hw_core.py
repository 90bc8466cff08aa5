"""The whole core in Amaranth's simulator: the independent conformance vectors, the plan's
figures, and the generator's limits."""

from __future__ import annotations

import math

import numpy as np
import pytest
from amaranth.sim import Simulator

from conformance import case_files, load_case
from hw_shapes import build_shape, random_inputs, write_config
from sparrow.cli import main
from sparrow.hw import HardwareLimitError, Limits, plan_core
from sparrow.hw.core import SparrowCore
from sparrow.model import run


def simulate_core(model, x, *, lanes, mode="baked"):
    """Run inputs through the core (clock gating style ``none``); return per inference
    (class, scores, counters)."""
    plan = plan_core(model, lanes=lanes, mode=mode)
    dut = SparrowCore(plan, clock_gate="none")
    out = []

    async def bench(ctx):
        if mode == "loadable":
            await write_config(ctx, dut.cfg, plan)
        for sample in x:
            for value in np.asarray(sample).T.reshape(-1):        # time-major stream
                ctx.set(dut.sample.payload, int(value))
                ctx.set(dut.sample.valid, 1)
                await ctx.tick().until(dut.sample.ready)
            ctx.set(dut.sample.valid, 0)
            ctx.set(dut.result.ready, 1)
            await ctx.tick().until(dut.result.valid)
            out.append((ctx.get(dut.result.payload.cls),
                        [ctx.get(dut.result.payload.scores[k]) for k in range(plan.classes)],
                        {k: ctx.get(getattr(dut.perf, k)) for k in
                         ("cycles", "weight_reads", "activation_reads", "activation_writes")}))
            ctx.set(dut.result.ready, 0)

    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()
    return plan, out


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
    plan, out = simulate_core(model, x, lanes=lanes, mode=mode)
    for i, (cls, got, perf) in enumerate(out):
        assert got == scores[i].tolist(), f"vector {i}"
        assert cls == predictions[i], f"vector {i}"
        assert perf["cycles"] == plan.cycles_per_inference


def test_cycles_closed_form_and_utilization():
    """Cycles per inference from the schedule's closed form, computed here independently."""
    model, lanes = build_shape("deep_six_layers")
    plan = plan_core(model, lanes=lanes)
    cbits = model.count_bits
    total = 0
    for layer in model.layers:
        if layer.kind == "maxpool1d":
            groups, taps, fire = math.ceil(layer.in_channels / lanes), layer.kernel, 0
        else:
            kernel = layer.kernel if layer.kind == "conv1d" else layer.in_length
            groups, taps = math.ceil(layer.out_channels / lanes), kernel * layer.in_channels
            fire = 0 if layer.is_output or layer.theta_is_pow2 else cbits
        total += layer.out_length * groups * max(taps, fire, 1) + 2 + fire
    assert plan.cycles_per_inference == total
    assert plan.lane_utilization == pytest.approx(model.macs / (lanes * total))
    x = random_inputs(model, 1)
    _, out = simulate_core(model, x, lanes=lanes)
    golden = run(model, x, lanes=lanes)
    assert out[0][2] == {"cycles": total, "weight_reads": model.macs,
                         "activation_reads": golden.activation_reads,
                         "activation_writes": golden.activation_writes}


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
