"""Components of the core in Amaranth's simulator, each against an independent model."""

from __future__ import annotations

import numpy as np
import pytest
from amaranth.sim import Simulator

from sparrow.hw.argmax import ArgmaxUnit
from sparrow.hw.memory import SparrowMemory
from sparrow.hw.pe_lanes import PeLanes
from sparrow.hw.ssf_neuron import FireMode, SsfNeuronUnits


def simulate(dut, bench):
    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()


def expected_fire(v: int, theta: int, t: int) -> int:
    """clamp(floor(V / theta), 0, T) with Python's floor division (toward minus infinity)."""
    return min(max(v // theta, 0), t)


@pytest.mark.parametrize("t,cbits", [(1, 1), (7, 3), (15, 4), (63, 6), (255, 8), (5, 3)])
def test_fire_shift_and_divide(t, cbits):
    """Both fire modes give clamp(floor(V / theta), 0, T) for random V (negative too) and
    thetas, in the number of cycles the unit declares."""
    rng = np.random.default_rng(t)
    lanes, acc_bits, param_bits = 3, 20, 12
    dut = SsfNeuronUnits(lanes=lanes, accumulator_bits=acc_bits, count_bits=cbits,
                         timesteps=t, param_bits=param_bits)
    cases = []
    for _ in range(40):
        shifts = rng.integers(0, 10, size=lanes)
        thetas = rng.integers(1, 1 << param_bits, size=lanes)
        values = rng.integers(-(1 << (acc_bits - 1)), 1 << (acc_bits - 1), size=lanes)
        # Also values near the boundaries k*theta - 1, k*theta.
        near = int(thetas[0]) * int(rng.integers(0, t + 2)) - int(rng.integers(0, 2))
        values[0] = min(near, (1 << (acc_bits - 1)) - 1)
        cases.append((shifts, thetas, values))

    async def bench(ctx):
        for shifts, thetas, values in cases:
            for lane in range(lanes):
                ctx.set(dut.acc[lane], int(values[lane]))
            # Shift mode: counts in the same cycle as start.
            ctx.set(dut.mode, FireMode.SHIFT)
            for lane in range(lanes):
                ctx.set(dut.param[lane], int(shifts[lane]))
            ctx.set(dut.start, 1)
            assert ctx.get(dut.write) == 1
            for lane in range(lanes):
                want = expected_fire(int(values[lane]), 1 << int(shifts[lane]), t)
                assert ctx.get(dut.counts[lane]) == want
            # Divide mode: write rises divide_latency cycles after start.
            ctx.set(dut.mode, FireMode.DIVIDE)
            for lane in range(lanes):
                ctx.set(dut.param[lane], int(thetas[lane]))
            await ctx.tick()
            ctx.set(dut.start, 0)
            for cycle in range(1, dut.divide_latency + 1):
                assert ctx.get(dut.write) == (cycle == dut.divide_latency)
                if cycle == dut.divide_latency:
                    for lane in range(lanes):
                        want = expected_fire(int(values[lane]), int(thetas[lane]), t)
                        assert ctx.get(dut.counts[lane]) == want, (values[lane], thetas[lane])
                await ctx.tick()

    simulate(dut, bench)


def test_fire_without_divider_shifts_and_pools_alike():
    """``divide=False``: SHIFT and MAX give the same counts as the full units, in the start
    cycle, and the units are never busy; no register is left (no divider)."""
    from amaranth.back import verilog

    rng = np.random.default_rng(11)
    lanes, acc_bits, t, cbits = 4, 18, 15, 4
    dut = SsfNeuronUnits(lanes=lanes, accumulator_bits=acc_bits, count_bits=cbits,
                         timesteps=t, param_bits=4, divide=False)
    cases = [(rng.integers(0, 10, size=lanes),
              rng.integers(-(1 << (acc_bits - 1)), 1 << (acc_bits - 1), size=lanes),
              rng.integers(0, t + 1, size=lanes)) for _ in range(30)]

    async def bench(ctx):
        for shifts, values, maxima in cases:
            ctx.set(dut.start, 1)
            ctx.set(dut.mode, FireMode.SHIFT)
            for lane in range(lanes):
                ctx.set(dut.acc[lane], int(values[lane]))
                ctx.set(dut.param[lane], int(shifts[lane]))
            assert ctx.get(dut.write) == 1 and ctx.get(dut.busy) == 0
            for lane in range(lanes):
                assert ctx.get(dut.counts[lane]) == \
                    expected_fire(int(values[lane]), 1 << int(shifts[lane]), t)
            ctx.set(dut.mode, FireMode.MAX)
            for lane in range(lanes):
                ctx.set(dut.acc[lane], int(maxima[lane]))
            assert [ctx.get(dut.counts[lane]) for lane in range(lanes)] == maxima.tolist()
            await ctx.delay(1e-6)

    sim = Simulator(dut)            # no clocked logic is left: no clock to add
    sim.add_testbench(bench)
    sim.run()
    with pytest.raises(TypeError, match="divide must be a bool"):
        SsfNeuronUnits(lanes=1, accumulator_bits=8, count_bits=4, timesteps=15,
                       param_bits=4, divide=1)
    text = verilog.convert(dut, ports=[dut.start, dut.acc.as_value(), dut.counts.as_value()])
    assert "rem0" not in text and "divisor0" not in text
    full = SsfNeuronUnits(lanes=lanes, accumulator_bits=acc_bits, count_bits=cbits,
                          timesteps=t, param_bits=4)
    assert "rem0" in verilog.convert(full, ports=[full.start, full.acc.as_value()])


def test_argmax_lowest_index_wins_in_any_order():
    rng = np.random.default_rng(3)
    lanes = 4
    dut = ArgmaxUnit(lanes=lanes, score_bits=8, index_bits=5)
    rounds = []
    for _ in range(30):
        n_groups = int(rng.integers(1, 5))
        scores = rng.integers(-4, 4, size=(n_groups, lanes))      # small range: many ties
        order = rng.permutation(n_groups * lanes).reshape(n_groups, lanes)
        valid = rng.random((n_groups, lanes)) < 0.85
        valid[0, 0] = True
        rounds.append((scores, order, valid))

    async def bench(ctx):
        for scores, order, valid in rounds:
            ctx.set(dut.clear, 1)
            await ctx.tick()
            ctx.set(dut.clear, 0)
            for g in range(len(scores)):
                for lane in range(lanes):
                    ctx.set(dut.scores[lane], int(scores[g, lane]))
                    ctx.set(dut.indices[lane], int(order[g, lane]))
                    ctx.set(dut.valid[lane], int(valid[g, lane]))
                ctx.set(dut.en, 1)
                await ctx.tick()
            ctx.set(dut.en, 0)
            flat = np.full(scores.size, np.iinfo(np.int64).min)
            flat[order[valid]] = scores[valid]
            want = int(np.argmax(flat))                           # lowest index on a tie
            assert ctx.get(dut.index) == want
            assert ctx.get(dut.score) == flat[want]

    simulate(dut, bench)


def test_pe_lanes_mac_and_max():
    rng = np.random.default_rng(4)
    lanes = 3
    dut = PeLanes(lanes=lanes, operand_bits=9, weight_bits=8, accumulator_bits=24, count_bits=4)

    async def bench(ctx):
        for _ in range(20):
            taps = int(rng.integers(1, 8))
            bias = rng.integers(-1000, 1000, size=lanes)
            w = rng.integers(-128, 128, size=(taps, lanes))
            a = rng.integers(-256, 256, size=taps)
            valid = rng.random(taps) < 0.8
            ctx.set(dut.pool, 0)
            for k in range(taps):
                ctx.set(dut.en, 1)
                ctx.set(dut.first, int(k == 0))
                ctx.set(dut.valid, int(valid[k]))
                ctx.set(dut.operand, int(a[k]))
                for lane in range(lanes):
                    ctx.set(dut.coefficients.weights[lane], int(w[k, lane]))
                    ctx.set(dut.coefficients.biases[lane], int(bias[lane]))
                await ctx.tick()
            ctx.set(dut.en, 0)
            want = bias + (w * (a * valid)[:, None]).sum(axis=0)
            assert [ctx.get(dut.acc[i]) for i in range(lanes)] == want.tolist()
            # Pooling: running element-wise max of words.
            words = rng.integers(0, 16, size=(int(rng.integers(1, 4)), lanes))
            ctx.set(dut.pool, 1)
            for k, word in enumerate(words):
                ctx.set(dut.en, 1)
                ctx.set(dut.first, int(k == 0))
                for lane in range(lanes):
                    ctx.set(dut.word[lane], int(word[lane]))
                await ctx.tick()
            ctx.set(dut.en, 0)
            assert [ctx.get(dut.acc[i]) for i in range(lanes)] == words.max(axis=0).tolist()

    simulate(dut, bench)


def test_memory_read_latency_hold_and_lane_writes():
    dut = SparrowMemory(width=8, depth=5, lanes=2, init=[0x11, 0x22, 0x33])

    async def bench(ctx):
        model = [0x11, 0x22, 0x33, 0, 0]
        ctx.set(dut.read.addr, 1)
        ctx.set(dut.read.en, 1)
        await ctx.tick()
        assert ctx.get(dut.read.data) == 0x22
        ctx.set(dut.read.en, 0)
        ctx.set(dut.read.addr, 2)
        await ctx.tick()
        assert ctx.get(dut.read.data) == 0x22            # held while r_en is low
        # Write only the upper lane (nibble) of word 2.
        ctx.set(dut.write.addr, 2)
        ctx.set(dut.write.data, 0xA5)
        ctx.set(dut.write.en, 0b10)
        await ctx.tick()
        ctx.set(dut.write.en, 0)
        model[2] = (0xA0 | (model[2] & 0x0F))
        ctx.set(dut.read.en, 1)
        await ctx.tick()
        assert ctx.get(dut.read.data) == model[2]

    simulate(dut, bench)


@pytest.mark.filterwarnings("ignore::amaranth.hdl.UnusedElaboratable")
def test_memory_rejects_bad_parameters():
    with pytest.raises(ValueError, match="multiple of lanes"):
        SparrowMemory(width=7, depth=2, lanes=2)
    with pytest.raises(ValueError, match="ROM"):
        SparrowMemory(width=8, depth=2, writable=False)
    with pytest.raises(TypeError):
        SparrowMemory(width=8.0, depth=2)
