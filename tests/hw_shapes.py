"""Named model shapes for hardware regression: each covers a corner of the generator.

Weights are random (fixed seeds) and thresholds calibrated on random inputs, so counts
spread over 0..T. ``SHAPES`` maps a name to (descriptor dict, lanes, options).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sparrow.model import Model, model_from_dict
from sparrow.model.random_model import calibrate, random_weights


def _conv(name, out, k, *, stride=1, padding=0, wb=8, role=None):
    d = {"name": name, "kind": "conv1d", "out_channels": out, "kernel": k, "stride": stride,
         "padding": padding, "weight_bits": wb, "bias_bits": 16}
    if role:
        d["role"] = role
    return d


def _dense(name, out, *, wb=8, role=None, aux=False):
    d = {"name": name, "kind": "dense", "out_features": out, "weight_bits": wb,
         "bias_bits": 16}
    if role:
        d["role"] = role
    if aux:
        d["aux_input"] = True
    return d


def _pool(name, k, stride=None):
    return {"name": name, "kind": "maxpool1d", "kernel": k, "stride": stride or k}


def _desc(t, c, length, layers, *, bits=8, signed=True, aux=None):
    """``aux``: (features, bits, signed) of an aux input (one dense layer has aux=True)."""
    d = {"name": "shape", "timesteps": t,
         "input": {"channels": c, "length": length, "bits": bits, "signed": signed},
         "layers": layers}
    if aux is not None:
        d["aux_input"] = dict(zip(("features", "bits", "signed"), aux))
    return d


OUT = "output"

# name: (descriptor, lanes, calibration: pow2 probability, per-channel probability,
#        weight skew ("uniform" | "negative"))
SHAPES: dict[str, tuple[dict[str, Any], int, dict[str, Any]]] = {
    "t1_conv_pool_dense": (_desc(1, 1, 24, [_conv("c1", 4, 3, padding=1), _pool("p1", 2),
                                            _dense("fc", 3, role=OUT)]), 2, {}),
    "t255_dense_only": (_desc(255, 2, 10, [_dense("d1", 6), _dense("d2", 5),
                                           _dense("fc", 4, role=OUT)]), 4, {}),
    "t63_conv_only": (_desc(63, 1, 19, [_conv("c1", 5, 3, padding=1), _conv("c2", 3, 5),
                                        _conv("out", 2, 3, stride=2, role=OUT)]), 8, {}),
    "divide_theta_p3": (_desc(15, 1, 20, [_conv("c1", 8, 3, padding=1), _pool("p1", 2),
                                          _dense("fc", 4, role=OUT)]), 3, {"pow2": 0.0}),
    "per_channel_theta": (_desc(7, 2, 16, [_conv("c1", 6, 3), _conv("c2", 5, 3),
                                           _dense("fc", 3, role=OUT)]), 4,
                          {"pow2": 0.0, "per_channel": 1.0}),
    "one_channel_odd_length": (_desc(15, 1, 37, [_conv("c1", 3, 5, stride=2, padding=2),
                                                 _pool("p1", 3), _dense("fc", 3, role=OUT)]),
                               1, {}),
    "three_channel_input": (_desc(7, 3, 21, [_conv("c1", 4, 3, padding=1), _pool("p1", 3),
                                             _dense("fc", 5, role=OUT)]), 2, {}),
    "dense_only_p8": (_desc(31, 1, 30, [_dense("d1", 12), _dense("d2", 9),
                                        _dense("fc", 5, role=OUT)]), 8, {}),
    "conv_to_conv_output": (_desc(15, 2, 13, [_conv("c1", 4, 3, padding=1),
                                              _conv("out", 3, 13, role=OUT)]), 4, {}),
    "weights_2bit": (_desc(15, 1, 20, [_conv("c1", 4, 3, wb=2), _pool("p1", 2),
                                       _dense("fc", 3, wb=2, role=OUT)]), 2, {}),
    "weights_8bit_wide_fan_in": (_desc(15, 4, 16, [_conv("c1", 8, 5, padding=2),
                                                   _dense("fc", 4, role=OUT)]), 8, {}),
    "negative_heavy": (_desc(15, 1, 24, [_conv("c1", 5, 3), _pool("p1", 2),
                                         _dense("d1", 6), _dense("fc", 3, role=OUT)]), 4,
                       {"skew": "negative"}),
    "p4_seven_channels": (_desc(7, 1, 18, [_conv("c1", 7, 3, padding=1), _pool("p1", 2),
                                           _conv("c2", 6, 3), _dense("fc", 5, role=OUT)]), 4,
                          {}),
    "p1_overlapping_pool": (_desc(3, 1, 15, [_conv("c1", 2, 2), _pool("p1", 3, 1),
                                             _dense("fc", 2, role=OUT)]), 1, {}),
    "p8_three_channels": (_desc(15, 1, 12, [_conv("c1", 3, 3), _dense("fc", 3, role=OUT)]),
                          8, {}),
    "unsigned_12bit_input": (_desc(15, 1, 16, [_conv("c1", 4, 3), _dense("fc", 3, role=OUT)],
                                   bits=12, signed=False), 2, {}),
    "wide_padding": (_desc(7, 1, 9, [_conv("c1", 3, 5, padding=4), _dense("fc", 3, role=OUT)]),
                     2, {}),
    "stride3_conv": (_desc(15, 2, 25, [_conv("c1", 5, 4, stride=3, padding=1),
                                       _dense("fc", 3, role=OUT)]), 4, {}),
    "t2_divide": (_desc(2, 1, 14, [_conv("c1", 3, 3), _dense("d1", 4),
                                   _dense("fc", 2, role=OUT)]), 2, {"pow2": 0.0}),
    "dense_first_multichannel": (_desc(7, 2, 9, [_dense("d1", 7), _dense("fc", 3, role=OUT)]),
                                 3, {}),
    "deep_six_layers": (_desc(15, 1, 40, [_conv("c1", 4, 5, padding=2), _pool("p1", 2),
                                          _conv("c2", 6, 3, padding=1), _pool("p2", 2),
                                          _dense("d1", 8), _dense("fc", 4, role=OUT)]), 4, {}),
    "mixed_fire_modes": (_desc(31, 1, 20, [_conv("c1", 4, 3), _dense("d1", 6),
                                           _dense("fc", 3, role=OUT)]), 2, {"pow2": [1.0, 0.0]}),
}

# Shapes with an aux input, apart from SHAPES (whose tests drive samples only, and run the if
# variant, which has no aux path): at a hidden dense layer behind a pool (divide fire, a
# partial last group), at the output layer (signed aux values), at the first layer (it reads
# raw samples).
AUX_SHAPES: dict[str, tuple[dict[str, Any], int, dict[str, Any]]] = {
    "aux_hidden_divide": (_desc(15, 1, 16, [_conv("c1", 5, 3, padding=1), _pool("p1", 2),
                                            _dense("d1", 7, aux=True),
                                            _dense("fc", 3, role=OUT)], aux=(4, 12, False)),
                          3, {"pow2": 0.0}),
    "aux_output_signed": (_desc(7, 2, 10, [_conv("c1", 4, 3), _dense("fc", 5, role=OUT,
                                                                        aux=True)],
                                aux=(3, 6, True)), 2, {}),
    "aux_first_layer": (_desc(31, 2, 5, [_dense("d1", 6, aux=True), _dense("fc", 3, role=OUT)],
                              aux=(1, 16, False)), 4, {}),
}


def build_shape(name: str, seed: int = 0) -> tuple[Model, int]:
    """The model of shape ``name`` (of SHAPES or AUX_SHAPES; deterministic) and its lane
    count."""
    desc, lanes, opts = SHAPES[name] if name in SHAPES else AUX_SHAPES[name]
    rng = np.random.default_rng(sum(map(ord, name)) + seed)
    weights = random_weights(desc, rng)
    if opts.get("skew") == "negative":
        # Mostly negative weights and biases: many V below zero, clamped to 0 by fire.
        for key, value in weights.items():
            weights[key] = np.where(value > 0, -value, value) + (value > 0) * (value // 4)
    model = calibrate(desc, weights, rng, pow2=opts.get("pow2", 1.0),
                      per_channel=opts.get("per_channel", 0.0))
    return model, lanes


def random_inputs(model: Model, n: int, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(model.input.min_value, model.input.max_value + 1,
                        size=(n, *model.input.shape))


def random_aux(model: Model, n: int, seed: int = 1) -> np.ndarray | None:
    """Aux vectors uniform over the aux range, a quarter of them zero (zeros still issue);
    None for a model without aux input."""
    spec = model.aux_input
    if spec is None:
        return None
    rng = np.random.default_rng(seed + 1000)
    aux = rng.integers(spec.min_value, spec.max_value + 1, size=(n, spec.features))
    return np.where(rng.random(aux.shape) < 0.25, 0, aux)


def with_timesteps(model: Model, timesteps: int) -> Model:
    """The same network with another T (weights and thresholds unchanged)."""
    desc = model.to_dict()
    desc["timesteps"] = timesteps
    return model_from_dict(desc, model.weights_dict())


async def write_config(ctx, port, plan) -> None:
    """Load every weight and bias of ``plan`` through a config port (``addr``/``data``/``en``)
    in an Amaranth testbench, one write per cycle."""
    for address, value in plan.config_writes():
        ctx.set(port.addr, address)
        ctx.set(port.data, value)
        ctx.set(port.en, 1)
        await ctx.tick()
    ctx.set(port.en, 0)


PERF = ("cycles", "weight_reads", "activation_reads", "activation_writes", "synops")
"""The hardware counters, in the order of the core's ``perf`` port."""


def simulate_core(model, x, *, lanes, mode="baked", zero_skip=True, memory_style="flop",
                  variant="ssf", input_style="buffer"):
    """Run inputs through the ``variant`` core in Amaranth's simulator (clock gating style
    ``none``); return the plan and per inference (class, scores, counters)."""
    from sparrow.hw import plan_core

    plan = plan_core(model, lanes=lanes, mode=mode, zero_skip=zero_skip,
                     memory_style=memory_style, variant=variant, input_style=input_style)
    return plan, simulate_plan(plan, x)


def simulate_plan(plan, x, aux=None) -> list:
    """Inputs (and, for an aux model, each inference's aux values first) through the core of
    ``plan`` in Amaranth's simulator; per inference (class, scores, counters)."""
    from amaranth.sim import Simulator

    from sparrow.hw.generate import build_core

    dut = build_core(plan, clock_gate="none")
    out = []

    async def bench(ctx):
        if plan.mode == "loadable":
            await write_config(ctx, dut.cfg, plan)
        for i, sample in enumerate(x):
            streams = [(dut.sample, np.asarray(sample).T.reshape(-1))]    # time-major
            if aux is not None:
                streams.insert(0, (dut.aux, aux[i]))
            for stream, payloads in streams:
                for value in payloads:
                    ctx.set(stream.payload, int(value))
                    ctx.set(stream.valid, 1)
                    await ctx.tick().until(stream.ready)
                ctx.set(stream.valid, 0)
            ctx.set(dut.result.ready, 1)
            await ctx.tick().until(dut.result.valid)
            out.append((ctx.get(dut.result.payload.cls),
                        [ctx.get(dut.result.payload.scores[k]) for k in range(plan.classes)],
                        {k: ctx.get(getattr(dut.perf, k)) for k in PERF}))
            ctx.set(dut.result.ready, 0)

    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()
    return out


def golden_answers(plan, x, aux=None) -> list:
    """Per inference: (class, scores, counters) of the golden model and the schedule."""
    from sparrow.hw.schedule import inference_counters
    from sparrow.model import run

    golden = run(plan.model, x, aux=aux, lanes=plan.lanes)
    counters = inference_counters(plan, x, golden.activations, aux).as_dict()
    return [(int(golden.predictions[i]), golden.scores[i].tolist(),
             {k: int(v[i]) for k, v in counters.items()}) for i in range(len(x))]


RTL_SAMPLE_STALL = (1, 1, 0, 1, 0, 0, 1)       # offer a sample in 4 of 7 cycles
RTL_RESULT_STALL = (0, 1, 0, 0, 1)             # take a result in 2 of 5 cycles


def rtl_matches_golden(design, x, aux, *, simulator: str, work_dir) -> None:
    """Run ``design`` on a simulator with stalls on every handshake and a reset in the
    middle of an inference; assert class, scores and counters equal ``golden_answers``."""
    from sparrow.sim.runner import run_core_sim

    result = run_core_sim(design, x, aux=aux, simulator=simulator, work_dir=work_dir,
                          sample_stall=RTL_SAMPLE_STALL, result_stall=RTL_RESULT_STALL,
                          config_stall=(1, 0, 1), reset_mid_inference=True)
    assert result.passed, "\n".join(result.diagnosis + result.errors[:10] + result.tests_failed)
    assert [(o["cls"], o["scores"], o["perf"]) for o in result.observed] == \
        golden_answers(design.plan, x, aux)
