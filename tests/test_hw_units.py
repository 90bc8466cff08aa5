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


def expected_taps(plan):
    """Every tap of one inference, in issue order, from the loop nest of the plan's module
    doc: (layer, position, group, tap, valid, act_addr (None for padding), elem, w_addr,
    out_addr). Activation word of element (c, l): l * groups + c // P, lane c % P; input
    sample (c, l): word l * C + c."""
    taps = []
    for layer in plan.layers:
        for q in range(layer.out_length):
            base = q * layer.stride - layer.padding
            for g in range(layer.groups):
                for t in range(layer.taps):
                    if layer.kind == "pool":
                        pos, word, elem, valid = base + t, None, 0, True
                        word = pos * layer.row_stride + g
                    else:
                        j, c = divmod(t, layer.in_channels)
                        pos = base + j
                        valid = 0 <= pos < layer.in_length
                        if layer.src == "input":
                            word, elem = pos * layer.in_channels + c, 0
                        else:
                            word, elem = pos * layer.row_stride + c // plan.lanes, c % plan.lanes
                    taps.append((layer.index, q, g, t, valid, word if valid else None,
                                 elem if layer.kind == "conv" else None,
                                 g * layer.taps + t if layer.kind == "conv" else None,
                                 q * layer.groups + g))
    return taps


@pytest.mark.parametrize("shape", CONTROLLER_SHAPES)
def test_controller_issues_the_documented_schedule(shape):
    model, lanes = build_shape(shape)
    plan = plan_core(model, lanes=lanes)
    dut = LayerController(plan)
    want = expected_taps(plan)
    seen, cycles = [], []

    async def bench(ctx):
        ctx.set(dut.start, 1)
        await ctx.tick()
        ctx.set(dut.start, 0)
        n = 0
        while not ctx.get(dut.done):
            assert ctx.get(dut.busy), "controller idle before done"
            if ctx.get(dut.issue):
                layer = plan.layers[ctx.get(dut.layer)]
                valid = bool(ctx.get(dut.tap_valid))
                t = len([s for s in seen if s[0] == layer.index and s[1] == ctx.get(dut.position)
                         and s[2] == ctx.get(dut.group)])
                seen.append((layer.index, ctx.get(dut.position), ctx.get(dut.group), t, valid,
                             ctx.get(dut.act_addr) if valid else None,
                             ctx.get(dut.elem) if layer.kind == "conv" else None,
                             ctx.get(dut.w_addr) if layer.kind == "conv" else None,
                             ctx.get(dut.out_addr)))
                assert ctx.get(dut.first) == (t == 0)
                assert ctx.get(dut.last) == (t == layer.taps - 1)
                assert ctx.get(dut.pool) == (layer.kind == "pool")
                assert ctx.get(dut.src_input) == (layer.src == "input")
                if layer.kind == "conv":
                    assert ctx.get(dut.b_addr) == ctx.get(dut.group)
            n += 1
            await ctx.tick()
        cycles.append(n)
        await ctx.tick()
        assert not ctx.get(dut.busy) and not ctx.get(dut.done)

    simulate(dut, bench)
    assert len(seen) == len(want)
    for k, (s, w) in enumerate(zip(seen, want, strict=True)):
        assert s == w, f"tap {k}: controller {s}, schedule {w}"
    # From the cycle after start to done: every layer's issue and drain cycles, less the
    # cycle of start itself.
    assert cycles[0] == sum(l.cycles for l in plan.layers) - 1


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
