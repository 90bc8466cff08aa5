"""Memory styles (``flop``, ``flop_gated``, ``latch``): the wrapper alone in Amaranth's
simulator against a Python model of its contract, the latch of every library, the core at RTL
in each style, and the options' errors. The tiny model through the whole flow with latches is
in ``test_memory_flow.py``."""

from __future__ import annotations

import gc
import random
import subprocess
import sys
from pathlib import Path

import pytest
from amaranth.sim import Simulator

from flow_helpers import LIBRARIES, write
from hw_shapes import build_shape, random_inputs
from sparrow.errors import SparrowError
from sparrow.flow import FlowOptions, run_flow
from sparrow.hw import HardwareLimitError, plan_core
from sparrow.hw.generate import generate, load_design
from sparrow.hw.memory import MEMORY_STYLES, SparrowMemory
from sparrow.hw.word_decoder import WordDecoder
from sparrow.library import custom_library, get_library
from sparrow.model import load_model
from sparrow.resources import BEHAVIOURAL_LATCH
from sparrow.sim.icarus import run_icarus
from sparrow.sim.runner import run_core_sim
from sparrow.synth import run_synthesis
from test_rtl_sim import RESULT_STALL, SAMPLE_STALL, check_against_golden

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "examples" / "tiny" / "tiny.toml"
PERIOD = 1e-6
DECODED = ("flop_gated", "latch")


class MemoryModel:
    """The wrapper's contract: a read requested in cycle k shows its word from cycle k+1 on
    and holds while no read is requested; lane ``i`` of the word written in cycle k changes
    at the write edge. ``flop`` shows a copy taken at the read edge (a write of that word in
    the same cycle or later does not reach it); the decoded styles show the word itself
    (sparrow.hw.memory's module doc lists this difference)."""

    def __init__(self, style: str, width: int, depth: int, lanes: int, init):
        self.style, self.width, self.lanes = style, width, lanes
        self.words = [int(v) for v in init] + [0] * (depth - len(init))
        self.addr = None            # word of the last read
        self.copy = None            # flop: the word as it was read

    def tick(self, read_en, read_addr, write_en, write_addr, write_data) -> None:
        if read_en:
            self.addr = read_addr
            self.copy = self.words[read_addr]
        bits = self.width // self.lanes
        for lane in range(self.lanes):
            if write_en >> lane & 1:
                mask = ((1 << bits) - 1) << (lane * bits)
                self.words[write_addr] = (self.words[write_addr] & ~mask) | (write_data & mask)

    @property
    def shown(self):
        if self.addr is None:
            return None
        return self.copy if self.style == "flop" else self.words[self.addr]


def simulate(dut, bench) -> None:
    sim = Simulator(dut)
    sim.add_clock(PERIOD)
    sim.add_testbench(bench)
    sim.run()


async def compare_late_in_cycle(ctx, dut, model, cycle) -> None:
    """Sample ``read.data`` late in the cycle, where the next edge's flip-flops take it (a
    latch word is written by the falling edge, a quarter period before)."""
    await ctx.delay(0.75 * PERIOD)
    if model.shown is not None:
        got = ctx.get(dut.read.data)
        assert got == model.shown, f"cycle {cycle}: read.data {got:#x}, model {model.shown:#x}"


@pytest.mark.parametrize("style", MEMORY_STYLES)
@pytest.mark.parametrize("width, depth, lanes", [(8, 5, 2), (12, 17, 3), (32, 9, 1),
                                                 (4, 1, 1)])
def test_memory_matches_its_model(style, width, depth, lanes):
    """Random reads and writes (lane writes, reads of the word being written, runs without
    reads where the data must hold) in every style, cycle by cycle."""
    init = [random.Random(depth).randrange(1 << width) for _ in range(min(3, depth))]
    dut = SparrowMemory(width=width, depth=depth, lanes=lanes, init=init, style=style,
                        clock_gate="none")
    model = MemoryModel(style, width, depth, lanes, init)
    rng = random.Random(width * 100 + depth)

    async def bench(ctx):
        for cycle in range(600):
            # Phases: reads and writes mixed, then writes only (held data), and so on.
            holding = (cycle // 50) % 3 == 2
            read_en = not holding and rng.random() < 0.6
            read_addr = rng.randrange(depth)
            write_en = rng.randrange(1 << lanes) if rng.random() < 0.5 else 0
            write_addr = read_addr if rng.random() < 0.2 else rng.randrange(depth)
            write_data = rng.randrange(1 << width)
            ctx.set(dut.read.en, read_en)
            ctx.set(dut.read.addr, read_addr)
            ctx.set(dut.write.en, write_en)
            ctx.set(dut.write.addr, write_addr)
            ctx.set(dut.write.data, write_data)
            await ctx.tick()
            model.tick(read_en, read_addr, write_en, write_addr, write_data)
            await compare_late_in_cycle(ctx, dut, model, cycle)

    simulate(dut, bench)


@pytest.mark.parametrize("style", MEMORY_STYLES)
def test_rom_reads_and_holds(style):
    init = [random.Random(5).randrange(1 << 16) for _ in range(23)]
    dut = SparrowMemory(width=16, depth=23, init=init, writable=False, style=style,
                        clock_gate="none")
    model = MemoryModel(style, 16, 23, 1, init)
    rng = random.Random(3)

    async def bench(ctx):
        for cycle in range(200):
            read_en, read_addr = rng.random() < 0.5, rng.randrange(23)
            ctx.set(dut.read.en, read_en)
            ctx.set(dut.read.addr, read_addr)
            await ctx.tick()
            model.tick(read_en, read_addr, 0, 0, 0)
            await compare_late_in_cycle(ctx, dut, model, cycle)

    simulate(dut, bench)


def test_word_decoder_selects_one_word_or_none():
    dut = WordDecoder(addr_bits=3, words=6)

    async def bench(ctx):
        for addr in range(8):
            ctx.set(dut.addr, addr)
            await ctx.delay(1e-9)
            assert ctx.get(dut.onehot) == (1 << addr if addr < 6 else 0), addr

    sim = Simulator(dut)
    sim.add_testbench(bench)
    sim.run()


# Drives two latches: transparent while en is high, holding while it is low.
LATCH_TESTBENCH = """
`timescale 1ns/1ps
module tb;
  reg en = 1'b0;
  reg [1:0] d = 2'b00;
  wire [1:0] q;
  integer errors = 0;
  sparrow_latch dut0 (.en(en), .d(d[0]), .q(q[0]));
  sparrow_latch #(.INIT(1'b1)) dut1 (.en(en), .d(d[1]), .q(q[1]));
  task expect_q(input [1:0] v, input integer step);
    if (q !== v) begin errors = errors + 1; $display("MISMATCH step %0d: q=%b", step, q); end
  endtask
  initial begin
    #5 en = 1'b1; d = 2'b10; #5 expect_q(2'b10, 1);   // transparent
    d = 2'b01;               #5 expect_q(2'b01, 2);   // follows d while open
    en = 1'b0;               #5 expect_q(2'b01, 3);   // closes on the last value
    d = 2'b10;               #5 expect_q(2'b01, 4);   // holds while closed
    d = 2'b11;               #5 expect_q(2'b01, 5);
    en = 1'b1;               #5 expect_q(2'b11, 6);   // opens again
    en = 1'b0; #1 d = 2'b00; #5 expect_q(2'b11, 7);
    if (errors == 0) $display("PASS latch"); else $display("FAIL %0d errors", errors);
    $finish;
  end
endmodule
"""


def test_behavioural_latch(tmp_path):
    run_icarus([BEHAVIOURAL_LATCH, write(tmp_path, "tb.v", LATCH_TESTBENCH)], tmp_path,
               expect="^PASS latch")


@pytest.mark.parametrize("library", LIBRARIES)
def test_library_latch_is_transparent_high(library, tmp_path):
    """Each library's ``sparrow_latch`` with the cell models the gate-level simulation uses:
    the cell is transparent while en is high (the polarity the memory relies on)."""
    lib = get_library(library)
    assert lib.latch_verilog is not None
    run_icarus([write(tmp_path, "tb.v", LATCH_TESTBENCH), lib.latch_verilog, *lib.cell_models],
               tmp_path, flags=lib.iverilog_flags, expect="^PASS latch")


# Shapes for the RTL runs of the decoded styles: baked and loadable (lane writes through the
# config port), 3 to 8 lanes, a divide fire, pools, a reset in the middle of an inference.
RTL_SHAPES = {"flop_gated": [("divide_theta_p3", "loadable", True),
                             ("dense_only_p8", "baked", False)],
              "latch": [("p4_seven_channels", "loadable", True),
                        ("t1_conv_pool_dense", "baked", False)]}


@pytest.mark.parametrize("style, name, mode, reset", [
    pytest.param(style, *case, id=f"{style}-{case[0]}")
    for style, cases in RTL_SHAPES.items() for case in cases])
def test_core_rtl_bit_exact(style, name, mode, reset, tmp_path):
    """The emitted Verilog (per-word clock gates and, for latch, the behavioural latches) on
    Icarus: every inference equal to the golden model."""
    model, lanes = build_shape(name)
    design = generate(model, tmp_path / "design", lanes=lanes, mode=mode, memory_style=style)
    assert design.plan.memory_style == style
    assert (design.latch is not None) == (style == "latch")
    x = random_inputs(model, 2, 2)
    result = run_core_sim(design, x, simulator="icarus", work_dir=tmp_path / "icarus",
                         sample_stall=SAMPLE_STALL, result_stall=RESULT_STALL,
                         config_stall=(1, 0, 1), reset_mid_inference=reset)
    check_against_golden(result, x, design.plan)


def test_core_verilator_latch(tmp_path):
    """Once on Verilator: latches enabled by gated clocks, loadable weights."""
    model = load_model(TINY)
    design = generate(model, tmp_path / "design", lanes=3, mode="loadable",
                      memory_style="latch")
    x = random_inputs(model, 2, 4)
    result = run_core_sim(design, x, simulator="verilator", work_dir=tmp_path / "verilator")
    check_against_golden(result, x, design.plan)


@pytest.mark.parametrize("style", DECODED)
def test_core_in_amaranth_simulator(style):
    """The whole core with the style's cycle-exact model (clock_gate none)."""
    from hw_shapes import simulate_core
    from sparrow.model import run
    model, lanes = build_shape("t1_conv_pool_dense")
    x = random_inputs(model, 2, 5)
    plan, out = simulate_core(model, x, lanes=lanes, mode="loadable", memory_style=style)
    assert plan.memory_style == style
    golden = run(model, x, lanes=lanes)
    assert [scores for _, scores, _ in out] == golden.scores.tolist()


def test_manifest_names_the_style(tmp_path):
    model = load_model(TINY)
    design = generate(model, tmp_path, lanes=2, memory_style="flop_gated")
    assert load_design(tmp_path, model).plan.memory_style == "flop_gated"
    assert '"memory_style": "flop_gated"' in design.manifest.read_text()
    text = design.verilog.read_text()
    assert "sparrow_clock_gate word0_clock_gate" in text and "sparrow_latch" not in text


# ---- bad options --------------------------------------------------------------------------

@pytest.mark.filterwarnings("ignore::amaranth.hdl.UnusedElaboratable")
def test_unknown_style_is_named():
    model = load_model(TINY)
    with pytest.raises(HardwareLimitError, match="memory_style: must be one of flop, "
                       "flop_gated, latch, got 'sram'"):
        plan_core(model, memory_style="sram")
    with pytest.raises(ValueError, match="memory_style must be one of") as refused:
        SparrowMemory(width=8, depth=4, style="sram")
    del refused         # the half-built component warns when collected: here, filtered
    gc.collect()
    proc = subprocess.run([sys.executable, "-m", "sparrow", "generate", str(TINY), "-o", "x",
                           "--memory-style", "sram"], capture_output=True, text=True)
    assert proc.returncode == 2 and "--memory-style: invalid choice: 'sram'" in proc.stderr


def test_latch_without_clock_gates_is_refused(tmp_path):
    with pytest.raises(SparrowError, match="memory_style latch needs clock gates"):
        generate(load_model(TINY), tmp_path, memory_style="latch", clock_gate="none")


@pytest.fixture
def no_latch_library():
    osu = get_library("osu018")
    return custom_library(name="nolatch", liberty=osu.sta_liberty, cell_models=osu.cell_models,
                          nand2_cell="NAND2X1", clock_gate_verilog=osu.clock_gate_verilog)


def test_library_without_a_latch_is_named(no_latch_library, tmp_path):
    """Synthesis of a latch core, and a flow asking for one, on a library without a latch:
    one message naming the option and the library (the flow says it before it starts)."""
    assert no_latch_library.latch_verilog is None
    design = generate(load_model(TINY), tmp_path / "design", lanes=2, memory_style="latch")
    message = "memory_style latch instantiates sparrow_latch, but library nolatch has no latch"
    with pytest.raises(SparrowError, match=f"synthesis: {message}"):
        run_synthesis([design.verilog], design.top, no_latch_library, tmp_path / "syn")
    toml = write(tmp_path, "nolatch.toml", "\n".join([
        'name = "nolatch"',
        f'liberty = ["{no_latch_library.sta_liberty[0]}"]',
        f'cell_models = ["{no_latch_library.cell_models[0]}"]',
        'nand2_cell = "NAND2X1"']))
    x = random_inputs(load_model(TINY), 1, 1)
    with pytest.raises(SparrowError, match=f"flow: {message}"):
        run_flow(TINY, tmp_path / "run", x, FlowOptions(memory_style="latch", library=str(toml)))
    assert not (tmp_path / "run" / "01-sparrow-generate").exists()
