"""Characterization of a library's blocks (the bottom-up constants of the analytical model):
the measured window holds exactly the operations, and the constants reproduce the block
energies through the model's own formulas."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from flow_helpers import vcd_toggles
from sparrow.estimate.params import PAPER_22NM
from sparrow.hw.plan import plan_core
from sparrow.model import load_model
from sparrow.study.characterize import (MAC_BITS, PJ, BlockEnergy, characterization_blocks,
                                        characterize_block, characterized_params, rom_depth)

REPO = Path(__file__).resolve().parents[1]
BY_NAME = {b.name: b for b in characterization_blocks(lanes=8, rom_words=256)}


def test_the_window_holds_exactly_the_operations(tmp_path):
    """Every operation is one clock cycle: the VCD window the energy comes from holds 2 clock
    transitions per operation, and the register of the dense block changes in it."""
    operations = 40
    result = characterize_block(BY_NAME["dense"], "osu018", tmp_path, operations=operations)
    toggles = vcd_toggles(tmp_path / "sim" / "activity.vcd")
    assert toggles["tb.dut.clk"] == 2 * operations
    assert result.operations == operations and result.library == "osu018"
    assert 0 < result.energy_j < 10 * PJ                  # per bit: a flip-flop's worth
    # The 32 flops see random data: about half of their outputs change per operation.
    flops = [v for k, v in toggles.items() if k.startswith("tb.dut.q_") and k.endswith(".Q")]
    assert len(flops) == 32
    assert 0.3 * 32 * operations < sum(flops) < 0.7 * 32 * operations


def test_a_multiplier_costs_more_than_an_add(tmp_path):
    acc = characterize_block(BY_NAME["acc"], "osu018", tmp_path / "acc", operations=60)
    mac = characterize_block(BY_NAME["mac"], "osu018", tmp_path / "mac", operations=60)
    assert mac.energy_j > acc.energy_j > 0


def test_constants_reproduce_the_block_energies():
    """The model's formulas with the characterized constants give back each block's energy
    (e_mac(b, w) = e_acc (1 + mac_scale b w / 64) for the 4 x 8-bit MAC; per-bit constants x
    bits), and the core-wide constants stay those of the other set."""
    energies = {"acc": 7.5, "mac": 14.9, "cmp": 3.8, "sub": 16.3, "rom": 3.9, "dense": 0.48,
                "sparse": 4.9}
    blocks = {k: BlockEnergy(k, v * PJ, 10, 100.0, 500, "osu018") for k, v in energies.items()}
    params = characterized_params(blocks, PAPER_22NM, name="test-characterized")
    assert params.e_mac(*MAC_BITS) == pytest.approx(energies["mac"], rel=1e-12)
    assert (params.e_acc, params.e_cmp, params.e_sub) == pytest.approx((7.5, 3.8, 16.3))
    assert (params.e_weight_bit, params.e_dense_hop, params.e_sparse_hop) == \
        pytest.approx((3.9, 0.48, 4.9))
    for kept in ("e_state_synapse", "e_state_step", "e_fixed", "e_cycle", "k_hop",
                 "qnn_sparsity"):
        assert getattr(params, kept) == getattr(PAPER_22NM, kept)
        assert params.sources[kept] == PAPER_22NM.sources[kept]
    assert "characterized: block mac" in params.sources["mac_scale"]


def test_the_rom_is_read_word_after_word(tmp_path):
    """The weight ROM block is read as the controller walks a layer: the address counts up by
    one per operation through the ROM's 12 words and starts again, and the per-bit energy
    divides by the whole word (P lanes x 8 bits)."""
    operations = 40
    rom = next(b for b in characterization_blocks(lanes=2, rom_words=12) if b.name == "rom")
    assert rom.counters == {"addr": 12} and rom.per == 16 and rom.inputs == {"addr": 4}
    result = characterize_block(rom, "osu018", tmp_path, operations=operations)
    addresses = _bus_values(tmp_path / "sim" / "activity.vcd", "addr")
    assert len(addresses) >= operations
    assert all(b == (a + 1) % 12 for a, b in zip(addresses, addresses[1:]))
    assert set(addresses) == set(range(12))
    assert 0 < result.energy_j < 10 * PJ


def test_the_rom_is_as_deep_as_the_memory_of_the_average_read():
    """ECG at 8 lanes: five weight memories of 7 to 320 words; the depth weighted by each
    layer's weight reads lies between them, nearer the conv layers that make most reads than
    the fully connected layer's 320 words; a model of one weighted layer gets its own depth."""
    plan = plan_core(load_model(REPO / "examples" / "ecg" / "ecg.toml"), lanes=8)
    layers = [l for l in plan.layers if l.has_weights]
    depth = rom_depth(plan)
    by_reads = max(layers, key=lambda l: l.weight_reads)
    assert min(l.weight_words for l in layers) < depth < max(l.weight_words for l in layers)
    assert abs(depth - by_reads.weight_words) < abs(depth - 320)
    tiny = plan_core(load_model(REPO / "examples" / "tiny" / "tiny.toml"), lanes=4)
    fc = [l for l in tiny.layers if l.has_weights][-1]
    assert rom_depth(replace(tiny, layers=(fc,))) == fc.weight_words == 9
    with pytest.raises(ValueError, match="rom_words must be an integer of at least 2"):
        characterization_blocks(lanes=2, rom_words=1)


def _bus_values(vcd: Path, name: str) -> list[int]:
    """The successive values of the testbench's bus ``name`` in a VCD."""
    code, values = None, []
    for line in vcd.read_text().splitlines():
        parts = line.split()
        if parts[:1] == ["$var"] and parts[4] == name:
            code = parts[3]
        elif code and line.startswith("b") and parts[1] == code and "x" not in parts[0]:
            values.append(int(parts[0][1:], 2))
    return values
