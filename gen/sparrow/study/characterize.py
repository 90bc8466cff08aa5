"""Per-operation energies of a library, measured on small blocks through the same tools as the
flow: the bottom-up constants of the analytical model (arXiv 2409.08290), beside the ones fitted
to a sweep's whole-core energies.

Each block is a few lines of Verilog with the widths of Sparrow's core (8-bit signed weights,
4-bit spike counts, 24-bit partial sums and membranes). It is synthesized (Yosys), repaired to
the library's design rules with its clock tree (``sparrow.repair``, which raises when a rule
cannot be met), simulated at gate level for ``operations`` cycles of uniformly random operands
(Icarus, the library's cell models, a VCD of the block over exactly those cycles) and its
energy over them computed from the per-pin transitions (``sparrow.power``). One operation per
cycle, so a constant is that energy / ``operations`` (/ bits where the constant is per bit).
Every figure includes the block's own registers, their clock pins and leakage, as a lane of
the core does; the operands arrive on the block's ports, whose loads count.

==================  ==========================================================  ===========
constant            block (one operation per cycle)                             unit
==================  ==========================================================  ===========
``e_acc``           ``acc <= acc + w``: a weight into a 24-bit partial sum      pJ
``mac_scale``       ``acc <= acc + w * c`` (8 x 4 bits): e_mac / e_acc - 1,     1
                    x 64 / (8 x 4), the model's e_mac(b, w) solved for it
``e_cmp``           ``fire <= v >= theta``: a 24-bit compare, registered        pJ
``e_sub``           ``v <= v - theta``: a 24-bit subtract, registered           pJ
``e_weight_bit``    a read of the core's baked weight ROM (``DecodedRom``:      pJ/bit
                    registered one-hot select, OR trees), P x 8 bits a word
                    (one word feeds the P lanes), as deep as the memory that
                    serves the core's average weight read (:func:`rom_depth`),
                    the address walking up one word per cycle as the controller
                    walks a layer's weights; / (P x 8)
``e_dense_hop``     a 32-bit register loaded with a new dense word, / 32        pJ/bit/hop
``e_sparse_hop``    a spike event (valid + 10-bit target address) passed one    pJ/spike/hop
                    register stage
==================  ==========================================================  ===========

``e_state_synapse``, ``e_state_step``, ``e_fixed`` and ``e_cycle`` (the neuron-state upkeep
per synapse and per neuron and step, the per-inference leakage and the clock and control paid
per cycle) depend on the whole core, not
on a block: :func:`characterized_params` takes them, with ``k_hop`` and ``qnn_sparsity``, from
another set (the study fits them to the sweep around the characterized constants).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from ..errors import SparrowError
from ..estimate.params import EnergyParams
from ..fileio import atomic_write_text
from ..hw.plan import HardwarePlan
from ..library import get_library
from ..power import compute_power
from ..repair import repair_netlist
from ..resources import code_digest
from ..sim.gatesim import run_gatesim
from ..sim.icarus import VcdDump
from ..synth import run_synthesis

PJ = 1e-12
MAC_BITS = (4, 8)          # count bits x weight bits of the characterized multiply-accumulate


@dataclass(frozen=True)
class Block:
    """A block to characterize: Verilog of module ``name`` with ports ``clk`` and the
    operands ``inputs`` (name -> width in bits, driven with random values every cycle, or,
    if named in ``counters`` (name -> modulus), counting up by one per cycle from 0 to the
    modulus - 1 and again); ``per`` divides one operation's energy (bits, for the per-bit
    constants)."""

    name: str
    verilog: str
    inputs: dict[str, int]
    per: int = 1
    counters: dict[str, int] = field(default_factory=dict)


WEIGHT_BITS = 8


def rom_depth(plan: HardwarePlan) -> int:
    """Words of the weight memory that serves the average weight read of ``plan``'s dense
    schedule: the layers' memory depths weighted by their weight reads per inference (a ROM's
    read energy grows with its depth: the select register and the OR trees span every
    word), at least 2."""
    layers = [l for l in plan.layers if l.has_weights and l.weight_reads > 0]
    reads = sum(l.weight_reads for l in layers)
    return max(2, round(sum(l.weight_reads * l.weight_words for l in layers) / reads))


def rom_verilog(lanes: int, words: int, seed: int = 1) -> str:
    """The core's baked weight ROM (:class:`sparrow.hw.rom.DecodedRom`, registered one-hot
    select, OR trees) with ``words`` words of ``lanes`` random signed 8-bit weights, as
    module ``rom`` (ports ``clk``, ``addr``, ``data``), always reading."""
    from amaranth.back import verilog

    from ..hw.rom import DecodedRom
    rng = random.Random(seed)
    width = lanes * WEIGHT_BITS
    rom = DecodedRom(words=[rng.getrandbits(width) for _ in range(words)], width=width)
    return verilog.convert(rom, name="rom_core") + f"""
module rom (input clk, input [{_addr_bits(words) - 1}:0] addr, output [{width - 1}:0] data);
  rom_core core (.clk(clk), .rst(1'b0), .read__en(1'b1), .read__addr(addr),
                 .read__data(data));
endmodule
"""


def _addr_bits(words: int) -> int:
    return max(1, (words - 1).bit_length())


def characterization_blocks(lanes: int, rom_words: int) -> tuple[Block, ...]:
    """The blocks of a core with ``lanes`` PE lanes (the weight ROM's word feeds them all)
    whose average weight read comes from a memory of ``rom_words`` words."""
    if not isinstance(rom_words, int) or rom_words < 2:
        raise ValueError(f"rom_words must be an integer of at least 2, not {rom_words!r}")
    return _ARITHMETIC + (
        Block("rom", rom_verilog(lanes, rom_words), {"addr": _addr_bits(rom_words)},
              per=lanes * WEIGHT_BITS, counters={"addr": rom_words}),) + _REGISTERS


_ARITHMETIC = (
    Block("acc", """
module acc (input clk, input signed [7:0] w, output reg signed [23:0] acc);
  always @(posedge clk) acc <= acc + w;
endmodule""", {"w": 8}),
    Block("mac", """
module mac (input clk, input signed [7:0] w, input [3:0] c, output reg signed [23:0] acc);
  always @(posedge clk) acc <= acc + w * $signed({1'b0, c});
endmodule""", {"w": 8, "c": 4}),
    Block("cmp", """
module cmp (input clk, input signed [23:0] v, input signed [23:0] theta, output reg fire);
  always @(posedge clk) fire <= v >= theta;
endmodule""", {"v": 24, "theta": 24}),
    Block("sub", """
module sub (input clk, input signed [23:0] v, input signed [23:0] theta,
            output reg signed [23:0] d);
  always @(posedge clk) d <= v - theta;
endmodule""", {"v": 24, "theta": 24}),
)
_REGISTERS = (
    Block("dense", """
module dense (input clk, input [31:0] d, output reg [31:0] q);
  always @(posedge clk) q <= d;
endmodule""", {"d": 32}, per=32),
    Block("sparse", """
module sparse (input clk, input [10:0] event_in, output reg [10:0] event_out);
  always @(posedge clk) event_out <= event_in;
endmodule""", {"event_in": 11}),
)


def _testbench(block: Block, operations: int, period_ns: float,
               seed: int) -> tuple[str, float, float]:
    """A Verilog testbench driving random operands for ``operations`` cycles after 4 warm-up
    cycles, and the window (ns) that holds exactly those cycles' edges."""
    half = period_ns / 2
    decl = "\n".join(f"  reg [{w - 1}:0] {n} = 0;" for n, w in block.inputs.items())
    ports = ", ".join(f".{n}({n})" for n in ("clk", *block.inputs))
    draw = "\n".join(f"      {n} = ({n} + 1) % {block.counters[n]};" if n in block.counters else
                     f"      {n} = {{$random(seed), $random(seed)}};" for n in block.inputs)
    tb = f"""
`timescale 1ns/1ps
module tb;
  reg clk = 1'b0;
  integer i, seed = {seed};
{decl}
  {block.name} dut ({ports});
  always #{half:g} clk = ~clk;
  initial begin
    for (i = 0; i < {operations + 8}; i = i + 1) begin
      @(negedge clk);
{draw}
    end
    $display("PASS characterization");
    $finish;
  end
endmodule
"""
    # Rising edges at (k + 0.5) period; the window starts after the 4th and holds the next
    # ``operations`` rising edges.
    start = 4 * period_ns + period_ns / 4
    return tb, start, start + operations * period_ns


@dataclass(frozen=True)
class BlockEnergy:
    """One block's measurement: energy per operation (J, already divided by ``per``), cells,
    area (µm²) and where it was measured."""

    name: str
    energy_j: float
    cells: int
    area_um2: float
    operations: int
    library: str


def characterize_block(block: Block, library: str, out_dir: Path, *, operations: int = 500,
                       clock_period_ns: float = 250.0, seed: int = 7) -> BlockEnergy:
    """Measure ``block`` on ``library`` in ``out_dir`` (synthesis, repair, gate level,
    power); see the module doc."""
    lib = get_library(library)
    out_dir.mkdir(parents=True, exist_ok=True)
    source = out_dir / f"{block.name}.v"
    source.write_text(block.verilog)
    syn = run_synthesis([source], block.name, lib, out_dir / "synthesis",
                        clock_period_ns=clock_period_ns)
    repaired = repair_netlist(syn.netlist, block.name, lib, out_dir / "repair",
                              clock_period_ns=clock_period_ns)
    tb_text, start, stop = _testbench(block, operations, clock_period_ns, seed)
    tb = out_dir / "tb.v"
    tb.write_text(tb_text)
    sim = run_gatesim(repaired.netlist, [tb], lib, out_dir / "sim",
                      dump=VcdDump("tb.dut", start_ns=start, stop_ns=stop),
                      expect="^PASS characterization")
    report = compute_power(repaired.netlist, lib.sta_liberty, block.name, vcd=sim.vcd,
                           scope="tb.dut", clock_period_ns=clock_period_ns,
                           window_ns=(start, stop), propagated_clock=True)
    if report.annotated_fraction < 0.99:
        raise SparrowError(f"characterization of {block.name} on {library}: only "
                           f"{report.annotated_fraction:.1%} of the cell pins got activity "
                           "from the simulation")
    cells = repaired.metrics()
    return BlockEnergy(block.name, report.energy_j / operations / block.per,
                       cells["design__instance__count"], cells["design__instance__area"],
                       operations, lib.name)


def characterize(library: str, out_dir: str | Path, *, lanes: int, rom_words: int,
                 operations: int = 500, clock_period_ns: float = 250.0,
                 progress: Callable[[str], None] | None = None) -> dict[str, BlockEnergy]:
    """Every block of :func:`characterization_blocks` (``lanes`` PE lanes, a weight ROM of
    ``rom_words`` words) on ``library``;
    ``<out_dir>/characterization.json`` holds the results (written last, atomically; an
    existing one with the same settings and the same Sparrow code is read instead of
    measuring again)."""
    out = Path(out_dir)
    summary = out / "characterization.json"
    settings = {"library": library, "lanes": lanes, "rom_words": rom_words,
                "operations": operations,
                "clock_period_ns": clock_period_ns, "code": code_digest()}
    blocks = characterization_blocks(lanes, rom_words)
    if summary.exists():
        doc = json.loads(summary.read_text())
        if doc.get("settings") == settings:
            return {k: BlockEnergy(**v) for k, v in doc["blocks"].items()}
    results = {}
    for k, block in enumerate(blocks, 1):
        if progress:
            progress(f"[{k}/{len(blocks)}] characterizing {block.name} on {library}")
        results[block.name] = characterize_block(block, library, out / block.name,
                                                 operations=operations,
                                                 clock_period_ns=clock_period_ns)
    atomic_write_text(summary, json.dumps(
        {"settings": settings, "blocks": {k: v.__dict__ for k, v in results.items()}},
        indent=1) + "\n")
    return results


BLOCK_OF_CONSTANT = {"e_acc": "acc", "mac_scale": "mac (and acc)", "e_cmp": "cmp",
                     "e_sub": "sub", "e_weight_bit": "rom", "e_dense_hop": "dense",
                     "e_sparse_hop": "sparse"}
"""The block each characterized constant comes from."""


def characterized_params(blocks: dict[str, BlockEnergy], rest: EnergyParams, *,
                         name: str) -> EnergyParams:
    """The analytical model's constants from the blocks, the core-wide ones
    (``e_state_synapse``, ``e_state_step``, ``e_fixed``, ``e_cycle``, ``k_hop``,
    ``qnn_sparsity``) from
    ``rest``."""
    acc = blocks["acc"].energy_j
    b, w = MAC_BITS
    first = next(iter(blocks.values()))
    sources = dict(rest.sources)
    for constant, block in BLOCK_OF_CONSTANT.items():
        sources[constant] = (f"characterized: block {block} on {first.library}, "
                             f"{first.operations} random operations at gate level "
                             "(sparrow.study.characterize)")
    return replace(
        rest, name=name, sources=sources,
        e_acc=acc / PJ,
        mac_scale=(blocks["mac"].energy_j / acc - 1) * 64 / (b * w),
        e_cmp=blocks["cmp"].energy_j / PJ,
        e_sub=blocks["sub"].energy_j / PJ,
        e_weight_bit=blocks["rom"].energy_j / PJ,
        e_dense_hop=blocks["dense"].energy_j / PJ,
        e_sparse_hop=blocks["sparse"].energy_j / PJ)
