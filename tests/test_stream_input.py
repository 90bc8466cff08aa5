"""The streamed input (``input_style`` ``stream``): the first layer computes from a ring of its
window while the samples arrive. Checked against the golden model at every level (Amaranth
simulation, Icarus and Verilator RTL with stalls, gate level through the flow), with the
counters equal to the buffered core's schedule, and the core's clock stopped while it waits."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from conformance import case_files, load_case
from flow_helpers import idle_moving_nets, vcd_toggles
from hw_shapes import (AUX_SHAPES, SHAPES, build_shape, golden_answers, random_aux,
                       random_inputs, rtl_matches_golden, simulate_core, simulate_plan)
from sparrow.cli import main
from sparrow.flow import FlowOptions, Progress, run_flow
from sparrow.hw import HardwareLimitError, plan_core
from sparrow.hw.generate import generate, load_design
from sparrow.hw.schedule import inference_counters
from sparrow.model import load_model, run
from sparrow.sim.runner import run_core_sim

REPO = Path(__file__).resolve().parents[1]
ECG = REPO / "examples" / "ecg" / "ecg.toml"
TINY = REPO / "examples" / "tiny" / "tiny.toml"


# ---- the plan ----------------------------------------------------------------------------

def test_ecg_ring_is_the_window_and_a_stride_rounded_up():
    """ECG conv1: kernel 7, stride 2, one channel: (7 + 2) samples -> a ring of 16 words of
    8 bits (128 bits instead of the 180-sample buffer's 1,440)."""
    model = load_model(ECG)
    buffered = plan_core(model)
    streamed = plan_core(model, input_style="stream")
    assert buffered.input_depth == 180 and buffered.input_memory_bits == 1440
    assert streamed.input_depth == 16 and streamed.input_memory_bits == 128
    manifest = streamed.manifest()
    assert manifest["input_style"] == "stream"
    assert manifest["memories"]["input_buffer"]["words"] == 16
    assert "mod 16" in manifest["memories"]["input_buffer"]["addressing"]
    assert "waits for a sample" in manifest["counters"]["cycles"]
    # Nothing else of the plan moves: the same schedule, the same bound.
    assert streamed.cycles_per_inference == buffered.cycles_per_inference


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_ring_depth_closed_form(name):
    model, lanes = build_shape(name)
    plan = plan_core(model, lanes=lanes, input_style="stream")
    first = plan.layers[0]
    need = (first.kernel + first.stride) * first.in_channels
    words = model.input.channels * model.input.length
    assert plan.input_depth == min(words, 2 ** math.ceil(math.log2(need)))


def test_bad_input_style_is_named(tmp_path, capsys):
    model = load_model(TINY)
    with pytest.raises(HardwareLimitError, match="input_style: must be one of buffer, stream, "
                                                 "got 'fifo'"):
        plan_core(model, input_style="fifo")
    with pytest.raises(HardwareLimitError, match="input_style stream: the if core reads its "
                                                 "input once per timestep"):
        plan_core(model, variant="if", input_style="stream")
    assert main(["generate", str(TINY), "-o", str(tmp_path / "d"), "--variant", "if",
                 "--input-style", "stream"]) != 0
    err = capsys.readouterr().err
    assert "input_style stream" in err and "Traceback" not in err
    assert not (tmp_path / "d" / "manifest.json").exists()


def test_manifest_round_trip(tmp_path):
    model = load_model(TINY)
    design = generate(model, tmp_path, lanes=2, input_style="stream")
    assert load_design(tmp_path, model).plan.input_style == "stream"
    assert design.plan.input_depth < design.plan.input_words


# ---- Amaranth simulation -----------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(SHAPES) + sorted(AUX_SHAPES))
def test_every_shape_in_amaranth_simulation(name):
    """Class, scores and counters equal the golden model's and the schedule's; modes and zero
    skipping alternate over the shapes."""
    model, lanes = build_shape(name)
    index = (sorted(SHAPES) + sorted(AUX_SHAPES)).index(name)
    plan = plan_core(model, lanes=lanes, mode=("baked", "loadable")[index % 2],
                     zero_skip=index % 3 != 0, input_style="stream")
    x, aux = random_inputs(model, 3), random_aux(model, 3)
    assert simulate_plan(plan, x, aux) == golden_answers(plan, x, aux)


CONFORMANCE = [pytest.param(p, id=p.stem) for p in case_files() if "ecg" not in p.stem]


@pytest.mark.parametrize("path", CONFORMANCE)
def test_conformance_vectors(path):
    """The conformance vectors' exact scores and predictions, and the schedule's counters."""
    model, x, scores, predictions = load_case(path)
    index = int(path.stem.split("_")[-1]) if path.stem[-1].isdigit() else 41
    lanes = (1, 2, 3, 4, 8)[index % 5]
    plan, out = simulate_core(model, x, lanes=lanes, zero_skip=index % 3 != 0,
                              input_style="stream")
    counters = inference_counters(plan, x, run(model, x, lanes=lanes).activations)
    for i, (cls, got, perf) in enumerate(out):
        assert got == scores[i].tolist() and cls == predictions[i], f"vector {i}"
        assert perf == {k: int(v[i]) for k, v in counters.as_dict().items()}, f"vector {i}"


# ---- RTL: Icarus and Verilator, clock gates and latches ------------------------------------

VERILATOR = {"deep_six_layers", "stride3_conv", "three_channel_input", "aux_first_layer"}
RTL_CASES = [pytest.param(name, sim, id=f"{name}-{sim}",
                          marks=[] if sim == "icarus" or name in VERILATOR
                          else [pytest.mark.slow])
             for sim in ("icarus", "verilator") for name in sorted(SHAPES) + sorted(AUX_SHAPES)]


@pytest.mark.parametrize("name, simulator", RTL_CASES)
def test_every_shape_rtl(name, simulator, tmp_path):
    """Stalls on both handshakes (the core waits for samples mid-layer), a reset in the middle
    of an inference; latch memories on every other shape (their ring words are rewritten while
    the first layer reads its neighbours)."""
    model, lanes = build_shape(name)
    index = (sorted(SHAPES) + sorted(AUX_SHAPES)).index(name)
    design = generate(model, tmp_path / "design", lanes=lanes,
                      memory_style=("latch", "flop")[index % 2],
                      mode=("baked", "loadable")[index // 2 % 2], input_style="stream")
    x, aux = random_inputs(model, 3, seed=4), random_aux(model, 3, seed=4)
    rtl_matches_golden(design, x, aux, simulator=simulator, work_dir=tmp_path / "sim")


@pytest.mark.parametrize("simulator", ("icarus", "verilator"))
def test_ecg_rtl(simulator, tmp_path):
    model = load_model(ECG)
    design = generate(model, tmp_path / "design", lanes=8, memory_style="latch",
                      input_style="stream")
    rtl_matches_golden(design, random_inputs(model, 2, seed=5), None, simulator=simulator,
                       work_dir=tmp_path / "sim")


def test_core_clock_stops_while_waiting_for_samples(tmp_path):
    """One sample every 20 cycles: the buffered core's clock runs only once all are in, the
    streamed core's runs through the first layer but stops between samples: its gated clock
    sees at most a few edges per sample beyond the counted compute cycles, far fewer than the
    cycles the inference takes; and the streamed inference ends sooner (it overlaps the
    first layer with the input)."""
    model, lanes = build_shape("deep_six_layers")
    x = random_inputs(model, 1, seed=1)
    stall = (1,) + (0,) * 19
    seen = {}
    for style in ("buffer", "stream"):
        design = generate(model, tmp_path / style, lanes=lanes, input_style=style)
        vcd = tmp_path / f"{style}.vcd"
        result = run_core_sim(design, x, simulator="icarus", work_dir=tmp_path / f"{style}-sim",
                              sample_stall=stall, vcd=vcd)
        assert result.passed, result.errors[:5]
        toggles = vcd_toggles(vcd)
        top = design.top
        seen[style] = (result.observed[0]["perf"]["cycles"], toggles[f"{top}.core_clk"] // 2,
                       toggles[f"{top}.clk"] // 2)
    samples = model.input.channels * model.input.length
    (cycles_b, core_b, clk_b), (cycles_s, core_s, clk_s) = seen["buffer"], seen["stream"]
    assert cycles_s == cycles_b                          # waits are not counted
    assert core_b <= cycles_b + 4                        # buffered: clocked after the input
    assert cycles_s < core_s <= cycles_s + 3 * samples   # streamed: a few edges per sample
    assert clk_s > core_s + 10 * samples                 # ... while the input takes 20 each
    assert clk_s < clk_b                                 # the first layer overlaps the input


# ---- gate level, through the flow ---------------------------------------------------------

def test_flow_gate_level_bit_exact_and_signed_off(tmp_path):
    """The tiny model, latch memories and a streamed input through the whole flow on OSU018:
    repaired, signed off, every gate-level inference equal to the golden model, and the input
    memory the ring the plan names."""
    model = load_model(TINY)
    x = random_inputs(model, 3, seed=7)
    run_dir = tmp_path / "run"
    state = run_flow(TINY, run_dir, x, FlowOptions(lanes=4, memory_style="latch",
                                                   input_style="stream"),
                     inputs_described="3 random inputs (seed 7)",
                     progress=Progress(tool_lines=False))
    m = state.metrics
    assert m["flow__signoff"] is True, m["flow__signoff__reasons"]
    plan = plan_core(model, lanes=4, memory_style="latch", input_style="stream")
    assert m["design__input__style"] == "stream"
    assert m["design__memory__input_bits"] == plan.input_depth * model.input.bits
    golden = golden_answers(plan, np.load(run_dir / "inputs.npy"))
    seen = json.loads((run_dir / "06-cocotb-gate_sim" / "results.json").read_text())["observed"]
    assert [(o["cls"], o["scores"], o["perf"]) for o in seen] == golden
    idle_moving_nets(run_dir)       # waiting for the next inference, only clock nets move
