"""The layer controller, the weight buffer and the activation buffers on their own, in
Amaranth's simulator, each against an independent model written here from the plan's
documented schedule and memory layout (not from the RTL)."""

from __future__ import annotations

import numpy as np
import pytest
from amaranth.sim import Simulator

from hw_shapes import build_shape, write_config
from sparrow.hw.activation_buffer import ActivationBuffers
from sparrow.hw.layer_controller import LayerController
from sparrow.hw.plan import plan_core
from sparrow.hw.weight_buffer import WeightBuffer

CONTROLLER_SHAPES = ("t1_conv_pool_dense", "divide_theta_p3", "three_channel_input",
                     "wide_padding", "stride3_conv", "p1_overlapping_pool", "deep_six_layers")


def simulate(dut, bench):
    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()


def word_mask(layer: int, addr: int, lanes: int) -> int:
    """The non-zero lanes of a (made-up) source word, fixed per layer and address."""
    return hash((layer, addr)) % (1 << lanes)


def expected_issues(plan):
    """Every issue of one inference in order, walking the schedule of the module doc of
    sparrow.hw.schedule: (layer, position, group, elem, w_addr, tap_valid, first, last, out),
    with each count word's non-zero lanes given by ``word_mask``."""
    out = []
    p = plan.lanes
    for layer in plan.layers:
        for q in range(layer.out_length):
            base = q * layer.stride - layer.padding
            span = range(max(base, 0), min(base + layer.kernel, layer.in_length))
            for g in range(layer.groups):
                words = [(pos, w) for pos in span for w in range(layer.row_words)]
                cycles = []
                for pos, w in words:
                    addr = pos * layer.row_stride + (g if layer.kind == "pool" else w)
                    if layer.kind == "pool" or layer.src == "input":
                        lanes = [0]
                    else:
                        valid = range(min(p, layer.in_channels - w * p))
                        mask = word_mask(layer.index, addr, p) if layer.zero_skip else ~0
                        lanes = [e for e in valid if mask >> e & 1]
                    j = pos - base
                    first_c = w * p if layer.src != "input" else w
                    tap = [(e, g * layer.taps + j * layer.in_channels + first_c + e, True)
                           for e in lanes] or [(None, None, False)]
                    cycles += tap
                while len(cycles) < layer.fire_cycles:      # a divide fire holds the group
                    cycles.insert(len(cycles) - 1, (None, None, False))
                for k, (e, w_addr, valid) in enumerate(cycles):
                    first, last = k == 0, k == len(cycles) - 1
                    if valid or first or last:
                        out.append((layer.index, q, g, e if valid else None,
                                    w_addr if valid and layer.kind == "conv" else None, valid,
                                    first, last, q * layer.groups + g))
    return out


@pytest.mark.parametrize("shape", CONTROLLER_SHAPES)
def test_controller_issues_the_documented_schedule(shape):
    model, lanes = build_shape(shape)
    plan = plan_core(model, lanes=lanes)
    dut = LayerController(plan)
    want = expected_issues(plan)
    seen = []

    async def bench(ctx):
        ctx.set(dut.start, 1)
        await ctx.tick()
        ctx.set(dut.start, 0)
        fetched = None
        while not ctx.get(dut.done):
            assert ctx.get(dut.busy), "controller idle before done"
            ctx.set(dut.nonzero, 0 if fetched is None else word_mask(*fetched, lanes))
            if ctx.get(dut.issue):
                layer = plan.layers[ctx.get(dut.layer)]
                valid = bool(ctx.get(dut.tap_valid))
                seen.append((layer.index, ctx.get(dut.position), ctx.get(dut.group),
                             ctx.get(dut.elem) if valid else None,
                             ctx.get(dut.w_addr) if valid and layer.kind == "conv" else None,
                             valid, bool(ctx.get(dut.first)), bool(ctx.get(dut.last)),
                             ctx.get(dut.out_addr)))
                assert ctx.get(dut.pool) == (layer.kind == "pool")
                assert ctx.get(dut.src_input) == (layer.src == "input")
                assert ctx.get(dut.weight_read) == (valid and layer.kind == "conv")
                assert ctx.get(dut.bias_read) == (ctx.get(dut.first) and layer.kind == "conv")
            if ctx.get(dut.fetch):
                fetched = (ctx.get(dut.layer), ctx.get(dut.fetch_addr))
            await ctx.tick()
        await ctx.tick()
        assert not ctx.get(dut.busy) and not ctx.get(dut.done)

    simulate(dut, bench)
    assert len(seen) == len(want)
    for k, (s, w) in enumerate(zip(seen, want, strict=True)):
        assert s == w, f"issue {k}: controller {s}, schedule {w}"


@pytest.mark.parametrize("mode", ["baked", "loadable"])
def test_weight_buffer_reads_the_plan_layout(mode):
    model, lanes = build_shape("p4_seven_channels")
    plan = plan_core(model, lanes=lanes, mode=mode)
    dut = WeightBuffer(plan)
    weighted = [l for l in plan.layers if l.has_weights]

    async def bench(ctx):
        if mode == "loadable":
            await write_config(ctx, dut.cfg, plan)
        for layer in weighted:
            words, biases = plan.weight_words(layer), plan.bias_words(layer)
            ctx.set(dut.layer, layer.index)
            for addr in range(len(words)):
                ctx.set(dut.weight_read.addr, addr)
                ctx.set(dut.weight_read.en, 1)
                ctx.set(dut.bias_read.addr, addr % len(biases))
                ctx.set(dut.bias_read.en, 1)
                await ctx.tick()
                ctx.set(dut.weight_read.en, 0)
                ctx.set(dut.bias_read.en, 0)
                got_w = [ctx.get(dut.coefficients.weights[i]) for i in range(lanes)]
                got_b = [ctx.get(dut.coefficients.biases[i]) for i in range(lanes)]
                assert got_w == words[addr].tolist(), (layer.name, addr)
                assert got_b == biases[addr % len(biases)].tolist(), (layer.name, addr)
                # Held while no read is requested.
                ctx.set(dut.weight_read.addr, (addr + 1) % len(words))
                await ctx.tick()
                assert [ctx.get(dut.coefficients.weights[i]) for i in range(lanes)] == got_w

    simulate(dut, bench)


def test_activation_buffers_against_a_bank_model():
    rng = np.random.default_rng(11)
    lanes, cbits, words = 3, 4, (7, 5)
    dut = ActivationBuffers(lanes=lanes, count_bits=cbits, words=words)
    model = [np.zeros((words[0], lanes), dtype=int), np.zeros((words[1], lanes), dtype=int)]

    async def bench(ctx):
        last = None
        for _ in range(300):
            op = rng.integers(0, 3)
            if op == 0:                                   # write a word
                bank = int(rng.integers(0, 2))
                addr = int(rng.integers(0, words[bank]))
                value = rng.integers(0, 1 << cbits, size=lanes)
                ctx.set(dut.write_bank, bank)
                ctx.set(dut.write.addr, addr)
                for i in range(lanes):
                    ctx.set(dut.write.data[i], int(value[i]))
                ctx.set(dut.write.en, 1)
                await ctx.tick()
                ctx.set(dut.write.en, 0)
                model[bank][addr] = value
            elif op == 1:                                 # read a word
                bank = int(rng.integers(0, 2))
                addr = int(rng.integers(0, words[bank]))
                ctx.set(dut.read_bank, bank)
                ctx.set(dut.read.addr, addr)
                ctx.set(dut.read.en, 1)
                await ctx.tick()
                ctx.set(dut.read.en, 0)
                last = model[bank][addr].tolist()
                assert [ctx.get(dut.read.data[i]) for i in range(lanes)] == last
            else:                                         # idle: the read data hold
                ctx.set(dut.read_bank, int(rng.integers(0, 2)))
                ctx.set(dut.read.addr, int(rng.integers(0, min(words))))
                await ctx.tick()
                if last is not None:
                    assert [ctx.get(dut.read.data[i]) for i in range(lanes)] == last

    simulate(dut, bench)


@pytest.mark.filterwarnings("ignore::amaranth.hdl.UnusedElaboratable")
def test_components_name_their_bad_arguments():
    model, lanes = build_shape("t1_conv_pool_dense")
    with pytest.raises(TypeError, match="plan must be a HardwarePlan"):
        LayerController(model)
    with pytest.raises(TypeError, match="plan must be a HardwarePlan"):
        WeightBuffer(None)
    with pytest.raises(ValueError, match="lanes must be a positive int, got 0"):
        ActivationBuffers(lanes=0, count_bits=4, words=(2, 2))
    with pytest.raises(TypeError, match="count_bits must be an int"):
        ActivationBuffers(lanes=2, count_bits=4.0, words=(2, 2))
    with pytest.raises(ValueError, match="two banks"):
        ActivationBuffers(lanes=2, count_bits=4, words=(2,))
