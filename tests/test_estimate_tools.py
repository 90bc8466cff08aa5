"""The SATA-style and SpikeSim-style estimators reproduce their tools' outputs on the tools'
own shipped workloads; the naive estimate counts what the literature counts.

Workload parameters below are typed from the tools' repositories (both MIT licence):
github RuokaiYin/SATA_Sim (``inference-energy-cal/``) and github
Intelligent-Computing-Lab-Yale/SpikeSim (``SNN_train_infer_quantization_ela/``).
"""

from __future__ import annotations

import math

import pytest

from sparrow.estimate.naive import NAIVE_45NM, naive_ann_energy, naive_snn_energy
from sparrow.estimate.sata import SATA, SataOps, SataTraffic, sata_energy
from sparrow.estimate.spikesim import SPIKESIM_RRAM, CrossbarLayer, crossbar_energy, pe_cycles
from sparrow.estimate.workload import square_layer

# SATA_Sim inference-energy-cal/results/bntt/cycle-stat.yaml: per layer of BNTT's VGG
# (CIFAR-10, T = 20, sparsity 0.91): DRAM filter, DRAM ifmap, DRAM ofmap, SRAM filter cycles,
# SRAM filter reads, SRAM ifmap reads, SRAM ofmap cycles, SRAM ofmap start cycle,
# SRAM ofmap writes.
BNTT_CYCLE_STATS = [
    (1728, 3072, 57607, 14085, 1728, 194400, 22317, 26, 68544),
    (36864, 649682, 57607, 269221, 36864, 4147200, 272112, 575, 68544),
    (73728, 276832, 25095, 134565, 73728, 1806336, 123808, 575, 30080),
    (147456, 8192, 4608, 85189, 147456, 663552, 55200, 1151, 5760),
    (294912, 2048, 1024, 96741, 294912, 147456, 36404, 1163, 1792),
    (589824, 4096, 1024, 193509, 589824, 294912, 72116, 2315, 1792),
    (589824, 4096, 1024, 193509, 589824, 294912, 72116, 2315, 1792),
    (1048576, 1024, 1024, 319464, 1048576, 131072, 132849, 1038, 4096),
    (524288, 1024, 512, 159720, 524288, 65536, 65905, 1038, 2048),
]
# SATA_Sim inference-energy-cal/workloads/workload._bntt.yaml: (IFMAP height = width,
# filter size, channels, filters), stride 1.
BNTT_LAYERS = [(32, 3, 3, 64), (32, 3, 64, 64), (16, 3, 64, 128), (8, 3, 128, 128),
               (4, 3, 128, 256), (4, 3, 256, 256), (4, 3, 256, 256), (1, 1, 1024, 1024),
               (1, 1, 1024, 512)]
BNTT_T, BNTT_SPARSITY = 20, 0.91


def _bntt_traffic() -> SataTraffic:
    s = BNTT_CYCLE_STATS
    return SataTraffic(
        # SATA's dataflow: each layer's output cycles repeat for every timestep, the filter
        # loading once.
        cycles=sum((r[7] + r[6]) * BNTT_T + r[3] for r in s),
        sram_ifmap_reads=sum(r[5] for r in s), sram_weight_reads=sum(r[4] for r in s),
        sram_ofmap_writes=sum(r[8] for r in s), dram_ifmap_reads=sum(r[1] for r in s),
        dram_weight_reads=sum(r[0] for r in s), dram_ofmap_writes=sum(r[2] for r in s))


def _bntt_ops() -> SataOps:
    """SATA's workload reading (``energy-cal.py extract_workload``): output size
    floor((W + 2 - F) / S) + 1 (it assumes padding 1, for the 1 x 1 FC entries too),
    LIF updates = filters x outputs x T, MACs = that x filter taps x channels x (1 - sparsity),
    each summed and truncated to an integer."""
    macs = lif = 0.0
    for size, k, c, n in BNTT_LAYERS:
        out = (size + 2 - k) // 1 + 1
        lif += n * out * out * BNTT_T
        macs += n * out * out * k * k * c * BNTT_T * (1 - BNTT_SPARSITY)
    return SataOps(macs=int(macs), neuron_updates=int(lif))


def test_sata_reproduces_bntt_energy_report():
    """SATA's shipped BNTT report (inference-energy-cal/results/bntt/computation-energy.yaml
    and memory-energy.yaml, nJ), reproduced to 1 % from its shipped cycle statistics."""
    e = sata_energy(_bntt_ops(), _bntt_traffic())
    assert e.compute_total_nj == pytest.approx(1794284.1929918402, rel=0.01)
    assert e.compute["lif"]["operation"] == pytest.approx(186.849792, rel=0.01)
    assert e.compute["spike-mac"]["operation"] == pytest.approx(11929.8421053, rel=0.01)
    assert e.compute["spad"]["ungated"] == pytest.approx(1272380.7644128, rel=0.01)
    assert e.dram_total_nj == pytest.approx(2065736.1627419998, rel=0.01)
    assert e.sram_total_nj == pytest.approx(1934607.5112578, rel=0.01)
    assert e.memory["glb_weight_leakage"] == pytest.approx(1166124.9407045, rel=0.01)
    terms = e.terms()
    assert terms.total == pytest.approx((1794284.19 + 2065736.16 + 1934607.51) * 1e-9, rel=1e-6)


def test_sata_component_groups_match_shipped_comp_stat():
    """The PE's gated/ungated powers equal SATA's comp-stat.yaml (mW), summed from the
    kernel tables."""
    expected = {"lif": (0.01886, 0.05625), "spad": (0.11241, 0.21233),
                "spike-mac": (0.02511, 0.01924)}
    for group, (gated, ungated) in expected.items():
        kernels = SATA.pe[group]
        assert sum(k.dpower_mw for k in kernels if k.gated) == pytest.approx(gated, abs=1e-6)
        assert sum(k.dpower_mw for k in kernels if not k.gated) == pytest.approx(ungated,
                                                                                 abs=1e-6)


# SpikeSim ela_spikesim.py's shipped workload: VGG9 on CIFAR-10, T = 5, 64 x 64 RRAM
# crossbars, 3 x 3 kernels.
VGG9 = dict(in_ch=[3, 64, 64, 128, 128, 256, 256], out_ch=[64, 64, 128, 128, 256, 256, 256],
            out_dim=[32, 16, 16, 8, 8, 8, 4])


def test_spikesim_reproduces_vgg9_energy():
    """SpikeSim's compute_energy on its VGG9 workload, evaluated by hand from its formula:
    E_PE = 19.64*8 + 4.64 + 1.274*4 + 8*(9*1.76423 + 8*(2.03084 + 0.094245))
    + 8*16*1.15e-6 + 8*0.2 + 397 = 828.486 pJ per PE cycle; PE cycles per timestep
    1024 + 256 + 512 + 256 + 512 + 1024 + 256 = 3840; x 5 timesteps = 15.906 uJ."""
    pe_energy = (19.64 * 8 + 4.64 + 1.274 * 4 + 8 * (9 * 1.76423 + 8 * (2.03084 + 0.094245))
                 + 8 * 16 * 1.15e-6 + 8 * 0.2 + 397)
    assert pe_energy == pytest.approx(828.486, abs=1e-3)
    total = 0.0
    cycles = 0
    for c_in, c_out, dim in zip(VGG9["in_ch"], VGG9["out_ch"], VGG9["out_dim"]):
        layer = CrossbarLayer(c_in, c_out, kernel_taps=9, out_positions=dim * dim)
        cycles += pe_cycles(layer)
        total += crossbar_energy(layer, passes=5).total
    assert cycles == 3840
    assert total == pytest.approx(3840 * 5 * 828.486e-12, rel=0.01)
    assert total == pytest.approx(15.906e-6, rel=0.01)


def test_spikesim_energy_ignores_sparsity_and_scales_with_passes():
    layer = CrossbarLayer(100, 70, kernel_taps=3, out_positions=10)
    one = crossbar_energy(layer, passes=1).total
    assert crossbar_energy(layer, passes=4).total == pytest.approx(4 * one)
    assert pe_cycles(layer) == math.ceil(70 / 64) * math.ceil(100 / 64) * 10


def test_naive_estimate_counts_spike_deliveries():
    """FLOPs x T x (1 - sparsity) x E_AC: 100 neurons of fan-in 50 firing at 10 % for T = 4
    deliver 0.1 x 4 x 5000 = 2000 spikes to synapses; the ANN does 5000 MACs."""
    work = square_layer(50, 0.1, 4, 8, nonzero_fraction=1.0, neurons=100)
    assert naive_snn_energy(work).total == pytest.approx(2000 * 0.9e-12)
    assert naive_ann_energy(work).total == pytest.approx(5000 * 4.6e-12)
    assert NAIVE_45NM.e_mac == pytest.approx(0.9 + 3.7)
