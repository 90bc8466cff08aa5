"""The ``if`` core (per-timestep integrate-and-fire) against ``sparrow.model.run_if``: in
Amaranth's simulator on random shapes and the conformance models, on Icarus and Verilator
RTL, its counters walked by hand, its fire units against a plain model, and what it refuses."""

from __future__ import annotations

import math

import numpy as np
import pytest
from amaranth.sim import Simulator

from conformance import case_files, load_case
from hw_shapes import PERF, SHAPES, build_shape, random_inputs, with_timesteps, simulate_core
from sparrow.cli import main
from sparrow.hw import HardwareLimitError, Limits, plan_core
from sparrow.hw.core import SparrowCore
from sparrow.hw.generate import generate
from sparrow.hw.if_core import IfCore
from sparrow.hw.if_neuron import IfMode, IfNeuronUnits
from sparrow.hw.if_schedule import if_counters
from sparrow.model import load_model, run, run_if
from sparrow.model.golden import input_reach
from sparrow.sim.runner import run_core_sim

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
def simulate_if(model, x, *, lanes, mode="baked"):
    """Inputs through the if core in Amaranth's simulator (see ``hw_shapes.simulate_core``)."""
    return simulate_core(model, x, lanes=lanes, mode=mode, variant="if")


def check_if(plan, out, x):
    """Scores, classes and counters equal run_if's and the counters walked by hand."""
    ref = run_if(plan.model, x)
    for i, (cls, scores, perf) in enumerate(out):
        assert scores == ref.scores[i].tolist(), f"inference {i}"
        assert cls == int(ref.predictions[i]), f"inference {i}"
        assert perf == walked_by_hand(plan.model, x[i], ref, i, plan.lanes), f"inference {i}"
        assert perf["weight_reads"] == int(ref.weight_reads[i]), f"inference {i}"
    return ref


def walked_by_hand(model, x, ref, index, lanes):
    """The counters of one inference, walking the if core's schedule (sparrow.hw.if_plan)
    element by element over run_if's spike trains, independently of sparrow.hw.schedule."""
    T = model.timesteps
    totals = dict.fromkeys(PERF, 0)
    for layer in model.layers:
        first_layer = layer.index == 0
        for t in range(T):
            src = x if first_layer else ref.spike_trains[layer.index - 1][index, t]
            totals["cycles"] += 1 + 2                       # first fetch, drain
            if layer.kind == "maxpool1d":
                groups = math.ceil(layer.in_channels / lanes)
                fetches = layer.out_length * groups * layer.kernel
                totals["cycles"] += fetches
                totals["activation_reads"] += fetches
                totals["activation_writes"] += layer.out_length * groups
                continue
            conv = layer.kind == "conv1d"
            kernel, stride, pad = ((layer.kernel, layer.stride, layer.padding) if conv
                                   else (layer.in_length, 1, 0))
            src = np.asarray(src).reshape(layer.in_channels, -1)
            groups = math.ceil(layer.out_channels / lanes)
            words = ([[c] for c in range(layer.in_channels)] if first_layer else
                     [list(range(w, min(w + lanes, layer.in_channels)))
                      for w in range(0, layer.in_channels, lanes)])
            for q in range(layer.out_length):
                for g in range(groups):
                    active = min(lanes, layer.out_channels - g * lanes)
                    for j in range(kernel):
                        pos = q * stride - pad + j
                        if not 0 <= pos < src.shape[1]:
                            continue
                        for word in words:
                            totals["activation_reads"] += 1
                            issued = [c for c in word if first_layer or src[c, pos]]
                            totals["cycles"] += max(1, len(issued))
                            totals["weight_reads"] += active * len(issued)
                            totals["synops"] += active * sum(1 for c in issued if src[c, pos])
            if not layer.is_output:
                totals["activation_writes"] += layer.out_length * groups
    return totals


# Shapes whose T fits the if variant's limit; the long ones (many steps x many cycles) run
# with -m slow.
IF_SHAPES = sorted(n for n, (d, _, _) in SHAPES.items() if d["timesteps"] <= 64)
SLOW_SHAPES = {"t63_conv_only", "dense_only_p8", "deep_six_layers", "stride3_conv",
               "weights_8bit_wide_fan_in", "unsigned_12bit_input", "one_channel_odd_length"}


@pytest.mark.parametrize("name", [pytest.param(n, marks=[pytest.mark.slow]
                                               if n in SLOW_SHAPES else []) for n in IF_SHAPES])
def test_shapes_match_run_if(name):
    """Every shape within the limits (both modes): run_if's scores and class, the counters
    walked by hand, the weight reads run_if reports."""
    model, lanes = build_shape(name)
    x = random_inputs(model, 2)
    mode = "loadable" if IF_SHAPES.index(name) % 2 else "baked"
    plan, out = simulate_if(model, x, lanes=lanes, mode=mode)
    check_if(plan, out, x)
    dense = if_counters(plan)
    assert plan.cycles_per_inference == int(dense.cycles[0])
    assert all(o[2]["cycles"] <= plan.cycles_per_inference for o in out)


def test_the_if_core_is_not_the_ssf_core():
    """On a shape whose later layers see varying currents, IF and SSF give different scores,
    and the core follows IF (spikes of a pooling layer over overlapping windows too)."""
    model, lanes = build_shape("p4_seven_channels")
    x = random_inputs(model, 4, seed=0)
    plan, out = simulate_if(model, x, lanes=lanes)
    ref = check_if(plan, out, x)
    assert (ref.scores != run(model, x).scores).any()


# The conformance models with T within the limit whose dense if schedule is short enough for
# Amaranth's simulator in the default suite; the rest with -m slow.
def _conformance_params():
    params = []
    for path in case_files():
        model, *_ = load_case(path)
        if model.timesteps > Limits().max_if_timesteps or model.layers[0].is_output:
            continue            # refused (test_refused_with_one_clear_message)
        cycles = plan_core(model, lanes=4, variant="if").cycles_per_inference
        params.append(pytest.param(path, id=path.stem,
                                   marks=[pytest.mark.slow] if cycles > 3000 else []))
    return params


@pytest.mark.parametrize("path", _conformance_params())
def test_conformance_models_match_run_if(path):
    model, x, _, _ = load_case(path)
    index = int(path.stem.split("_")[-1]) if path.stem[-1].isdigit() else 41
    lanes = (1, 2, 3, 4, 8)[index % 5]
    plan, out = simulate_if(model, x[:2], lanes=lanes,
                            mode=("baked", "loadable")[index % 2])
    check_if(plan, out, x[:2])


def test_weight_reads_are_T_times_macs_then_count_times_fanout():
    """Per layer: the ANN layer reads T x MACs, a later layer sum over inputs of count x
    fan-out (the counts run_if reports), and the core's total equals their sum."""
    model, lanes = build_shape("deep_six_layers")
    x = random_inputs(model, 3)
    ref = run_if(model, x)
    plan = plan_core(model, lanes=lanes, variant="if")
    T = model.timesteps
    expected = np.zeros(len(x), dtype=np.int64)
    for layer in model.layers:
        if layer.index == 0:
            reads = np.full(len(x), T * layer.macs)
        elif layer.has_weights:
            fanout = input_reach(layer) * layer.out_channels
            reads = (ref.counts[layer.index - 1] * fanout[None]).sum(axis=(1, 2))
        else:
            reads = 0
        np.testing.assert_array_equal(ref.weight_reads_per_layer[layer.index], reads)
        expected = expected + reads
    np.testing.assert_array_equal(if_counters(plan, x, ref.spike_trains).weight_reads, expected)
    # T times the SSF core's ANN reads, and far more than the SSF core reads in all.
    ssf = plan_core(model, lanes=lanes)
    assert (expected > ssf.weight_reads).all()


def test_fire_units_against_a_plain_model():
    """Fire, integrate and pooling deficits of IfNeuronUnits for random states, currents and
    tap spikes, against the module doc's formulas written here."""
    lanes, taps, cbits, mbits = 3, 3, 3, 12
    dut = IfNeuronUnits(lanes=lanes, accumulator_bits=10, membrane_bits=mbits,
                        count_bits=cbits, taps=taps, param_bits=8)
    rng = np.random.default_rng(7)

    async def bench(ctx):
        for _ in range(200):
            mode = IfMode(int(rng.integers(0, 3)))
            fresh = bool(rng.integers(0, 4) == 0)
            acc = rng.integers(-500, 500, lanes)
            theta = rng.integers(1, 256, lanes)
            if mode == IfMode.POOL:
                # Reachable states only: some tap is at the maximum (deficit 0), and a deficit
                # plus a spike fits count_bits (the plan sizes it for d <= T).
                deficits = rng.integers(0, (1 << cbits) - 1, (lanes, taps))
                deficits[np.arange(lanes), rng.integers(0, taps, lanes)] = 0
                state = [int(sum(int(d) << (f * cbits) for f, d in enumerate(row)))
                         for row in deficits]
                spikes_in = rng.integers(0, 2, (lanes, taps))
                for j in range(taps):             # collect the window's taps in order
                    ctx.set(dut.collect, 1)
                    ctx.set(dut.first, j == 0)
                    ctx.set(dut.word, int(sum(int(spikes_in[i, j]) << i for i in range(lanes))))
                    await ctx.tick()
                ctx.set(dut.collect, 0)
            else:
                state = rng.integers(-1500, 1500, lanes)
            ctx.set(dut.mode, mode)
            ctx.set(dut.fresh, fresh)
            for i in range(lanes):
                ctx.set(dut.acc[i], int(acc[i]))
                ctx.set(dut.threshold[i], int(theta[i]))
                ctx.set(dut.membrane[i], int(state[i]) - ((int(state[i]) >> (mbits - 1) & 1)
                                                            << mbits) if mode == IfMode.POOL
                        else int(state[i]))
            await ctx.delay(1e-9)
            for i in range(lanes):
                spike, new = ctx.get(dut.spikes[i]), ctx.get(dut.state[i])
                if mode == IfMode.POOL:
                    d = [0] * taps if fresh else list(deficits[i])
                    # tap j was collected j-th: the unit keeps it at bit taps-1-j
                    s = [int(spikes_in[i, taps - 1 - f]) for f in range(taps)]
                    o = int(any(d[f] == 0 and s[f] for f in range(taps)))
                    assert spike == o
                    want = sum((d[f] + o - s[f]) << (f * cbits) for f in range(taps))
                    assert new & ((1 << mbits) - 1) == want
                    continue
                v = (0 if fresh else int(state[i])) + int(acc[i])
                if mode == IfMode.FIRE:
                    assert (spike, new) == (int(v >= theta[i]), v - theta[i] * (v >= theta[i]))
                else:
                    assert (spike, new) == (0, v)

    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()


@pytest.mark.parametrize("simulator", ("icarus", "verilator"))
@pytest.mark.parametrize("name, mode", [("p1_overlapping_pool", "baked"),
                                        ("three_channel_input", "loadable")])
def test_rtl_matches_run_if(name, mode, simulator, tmp_path):
    """The emitted Verilog (clock gates instantiated) under cocotb: every inference equal to
    run_if, back-pressure on both handshakes, a reset in mid-inference."""
    model, lanes = build_shape(name)
    design = generate(model, tmp_path / "design", lanes=lanes, mode=mode, variant="if")
    x = random_inputs(model, 3)
    result = run_core_sim(design, x, simulator=simulator, work_dir=tmp_path / simulator,
                         sample_stall=(1, 0, 1, 1, 0), result_stall=(0, 1, 1),
                         config_stall=(1, 0, 1), reset_mid_inference=True)
    assert result.passed, "\n".join(result.diagnosis + result.errors[:10])
    ref = run_if(model, x)
    for i, seen in enumerate(result.observed):
        assert seen["scores"] == ref.scores[i].tolist()
        assert seen["perf"] == walked_by_hand(model, x[i], ref, i, lanes)


def test_tiny_example_on_icarus(tmp_path):
    model = load_model(ROOT / "examples" / "tiny" / "tiny.toml")
    design = generate(model, tmp_path / "design", lanes=2, variant="if")
    x = random_inputs(model, 4)
    result = run_core_sim(design, x, simulator="icarus", work_dir=tmp_path / "icarus")
    assert result.passed, "\n".join(result.diagnosis + result.errors[:10])
    assert [o["scores"] for o in result.observed] == run_if(model, x).scores.tolist()


def test_plan_figures():
    """The plan's memories and manifest: spike buffers T deep, spread biases, membranes."""
    model = load_model(ROOT / "examples" / "tiny" / "tiny.toml")
    ssf, plan = plan_core(model, lanes=2), plan_core(model, lanes=2, variant="if")
    T = model.timesteps
    assert plan.act_words == tuple(T * w for w in ssf.act_words)
    assert plan.activation_memory_bits * ssf.count_bits == T * ssf.activation_memory_bits
    for row, ssf_row in zip(plan.layers, ssf.layers):
        words = plan.bias_words(row) if row.has_weights else None
        if row.has_weights and row.index > 0:
            # The spread biases add up to the bias over the window.
            assert words.shape[0] == T * ssf_row.bias_words
            np.testing.assert_array_equal(words.reshape(T, -1, 2).sum(axis=0),
                                          ssf.bias_words(ssf_row))
    manifest = plan.manifest()
    assert manifest["variant"] == "if" and manifest["widths"]["activation_bits"] == 1
    assert manifest["memories"]["membranes"]["bits"] == plan.membrane_memory_bits
    assert ssf.manifest()["variant"] == "ssf"
    # Loadable: the config port loads the spread biases.
    loadable = plan_core(model, lanes=2, mode="loadable", variant="if")
    assert len(loadable.config_writes()) == sum(r.size for r in loadable.config_regions)


def test_refused_with_one_clear_message(tmp_path, capsys):
    model = load_model(ROOT / "examples" / "tiny" / "tiny.toml")
    with pytest.raises(HardwareLimitError, match="variant: must be one of ssf, if"):
        plan_core(model, variant="qnn")
    with pytest.raises(HardwareLimitError, match="event-driven"):
        plan_core(model, variant="if", zero_skip=False)
    with pytest.raises(HardwareLimitError, match="T = 100; the if variant is generated for T "
                                                 "up to 64"):
        plan_core(with_timesteps(model, 100), variant="if")
    single = next(m for m in (load_case(p)[0] for p in case_files()) if len(m.layers) == 1)
    with pytest.raises(HardwareLimitError, match="has no spiking layer"):
        plan_core(single, variant="if")
    with pytest.raises(HardwareLimitError, match="act0: .* words of spikes"):
        plan_core(model, variant="if", limits=Limits(max_words=64))
    with pytest.raises(TypeError, match="plan must be a IfPlan"):
        IfCore(plan_core(model))
    with pytest.raises(ValueError, match="SparrowCore builds ssf cores"):
        SparrowCore(plan_core(model, variant="if"))
    with pytest.raises(ValueError, match="3 deficits of 3 bits do not fit a membrane of 8 bits"):
        IfNeuronUnits(lanes=2, accumulator_bits=8, membrane_bits=8, count_bits=3, taps=3,
                      param_bits=4)
    with pytest.raises(TypeError, match="lanes must be an int"):
        IfNeuronUnits(lanes=2.0, accumulator_bits=8, membrane_bits=8, count_bits=3, taps=1,
                      param_bits=4)
    tiny = str(ROOT / "examples" / "tiny" / "tiny.toml")
    code = main(["generate", tiny, "-o", str(tmp_path / "out"), "--variant", "if",
                 "--no-zero-skip"])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("sparrow: error: variant if: the integrate-and-fire "
                                        "core is event-driven") and "Traceback" not in err
    with pytest.raises(SystemExit):
        main(["generate", tiny, "-o", str(tmp_path / "out"), "--variant", "snn"])
    assert "invalid choice: 'snn'" in capsys.readouterr().err
