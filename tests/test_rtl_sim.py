"""The emitted Verilog under cocotb, on Icarus and Verilator, against the golden model.

Every inference is checked value by value by the testbench's scoreboard (scores, class and
the hardware counters); these tests check again here, from the observed values, against an
independent run of the golden model and the plan.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from hw_shapes import (RTL_RESULT_STALL, RTL_SAMPLE_STALL, SHAPES, build_shape, golden_answers,
                       random_inputs, with_timesteps)
from sparrow.hw.generate import generate
from sparrow.model import load_model
from sparrow.sim.runner import run_core_sim
from sparrow.sim.simulators import simulator_env

ROOT = Path(__file__).resolve().parents[1]
SIMULATORS = ("icarus", "verilator")
SAMPLE_STALL = RTL_SAMPLE_STALL              # offer a sample in 4 of 7 cycles
RESULT_STALL = RTL_RESULT_STALL              # take a result in 2 of 5 cycles


def check_against_golden(result, x, plan):
    """Observed classes, scores and counters equal the golden model's and the plan's."""
    assert result.passed, "\n".join(result.diagnosis + result.errors[:10])
    assert len(result.observed) == len(x)
    for i, (seen, want) in enumerate(zip(result.observed, golden_answers(plan, x))):
        assert (seen["cls"], seen["scores"], seen["perf"]) == want, f"inference {i}"


def simulate(model, lanes, tmp_path, simulator, *, n=3, mode="baked", reset=False, seed=1,
             zero_skip=True):
    design = generate(model, tmp_path / "design", lanes=lanes, mode=mode, zero_skip=zero_skip)
    x = random_inputs(model, n, seed)
    result = run_core_sim(design, x, simulator=simulator, work_dir=tmp_path / simulator,
                         sample_stall=SAMPLE_STALL, result_stall=RESULT_STALL,
                         config_stall=(1, 0, 1), reset_mid_inference=reset)
    check_against_golden(result, x, design.plan)
    return result, design


# Every shape runs on Icarus; Verilator builds take ~30-60 s each, so the default suite runs
# these on it (both modes, reset mid-inference, T = 1 and 255, odd lanes, unsigned input)
# and the rest with -m slow.
VERILATOR_DEFAULT = {"deep_six_layers", "divide_theta_p3", "t255_dense_only",
                     "t1_conv_pool_dense", "p4_seven_channels", "unsigned_12bit_input"}
SHAPE_CASES = [pytest.param(name, simulator, id=f"{name}-{simulator}",
                            marks=[pytest.mark.slow] if simulator == "verilator"
                            and name not in VERILATOR_DEFAULT else [])
               for simulator in SIMULATORS for name in sorted(SHAPES)]


@pytest.mark.parametrize("name, simulator", SHAPE_CASES)
def test_shape_bit_exact(name, simulator, tmp_path):
    model, lanes = build_shape(name)
    # Loadable mode on every other shape: weights go in through the config port.
    mode = "loadable" if sorted(SHAPES).index(name) % 2 else "baked"
    simulate(model, lanes, tmp_path, simulator, mode=mode,
             reset=name in ("deep_six_layers", "divide_theta_p3"))


@pytest.mark.parametrize("simulator", SIMULATORS)
@pytest.mark.parametrize("mode", ("baked", "loadable"))
def test_tiny_example(simulator, mode, tmp_path):
    model = load_model(ROOT / "examples" / "tiny" / "tiny.toml")
    simulate(model, 2, tmp_path, simulator, n=6, mode=mode, reset=True)


def test_relative_work_folder(tmp_path, monkeypatch):
    """A work folder given relative to the caller's directory (``sparrow flow -o runs/x``):
    the simulator runs elsewhere, so every path handed to it must still resolve."""
    model = load_model(ROOT / "examples" / "tiny" / "tiny.toml")
    monkeypatch.chdir(tmp_path)
    design = generate(model, "runs/design", lanes=2)
    x = random_inputs(model, 2, 3)
    result = run_core_sim(design, x, simulator="icarus", work_dir="runs/sim")
    check_against_golden(result, x, design.plan)


@pytest.mark.parametrize("simulator", SIMULATORS)
def test_ecg_example(simulator, tmp_path):
    model = load_model(ROOT / "examples" / "ecg" / "ecg.toml")
    simulate(model, 8, tmp_path, simulator, n=3, reset=True)


def test_weight_reads_do_not_depend_on_t(tmp_path):
    """The hardware counter: same network, T = 3 and T = 63: without zero skipping the same
    weight reads, the MACs, for any T (each weight once per use, never per timestep); with it,
    fewer (the zero counts' reads are skipped), as the schedule predicts."""
    base, lanes = build_shape("deep_six_layers")
    reads = {}
    for t in (3, 63):
        model = with_timesteps(base, t)
        result, design = simulate(model, lanes, tmp_path / f"t{t}", "icarus", n=2,
                                  zero_skip=False)
        reads[t] = {o["perf"]["weight_reads"] for o in result.observed}
        skipping, _ = simulate(model, lanes, tmp_path / f"t{t}s", "icarus", n=2)
        assert all(o["perf"]["weight_reads"] < base.macs for o in skipping.observed)
    assert reads[3] == reads[63] == {base.macs}


def test_lint_verilator_no_errors(tmp_path):
    """Verilator --lint-only on the emitted Verilog (ECG, both modes): no errors."""
    env = simulator_env("verilator")
    for mode in ("baked", "loadable"):
        design = generate(load_model(ROOT / "examples" / "ecg" / "ecg.toml"),
                          tmp_path / mode, lanes=8, mode=mode)
        out = subprocess.run(["verilator", "--lint-only", "-Wno-fatal", "--top-module",
                              design.top] + [str(p) for p in design.rtl_sources],
                             capture_output=True, text=True, env=env)
        assert out.returncode == 0, out.stderr[-2000:]
        assert "%Error" not in out.stderr, out.stderr[-2000:]


def test_generate_is_reproducible(tmp_path):
    model = load_model(ROOT / "examples" / "tiny" / "tiny.toml")
    a = generate(model, tmp_path / "a", lanes=3, mode="loadable")
    b = generate(model, tmp_path / "b", lanes=3, mode="loadable")
    for name in ("verilog", "manifest", "sdc", "librelane_config", "clock_gate"):
        assert getattr(a, name).read_bytes() == getattr(b, name).read_bytes(), name
    manifest = json.loads(a.manifest.read_text())
    assert manifest["per_inference"]["max_cycles"] == a.plan.cycles_per_inference
    assert manifest["per_inference"]["weight_reads"] == model.macs
