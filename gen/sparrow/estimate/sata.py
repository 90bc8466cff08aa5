"""A sparsity-aware systolic array, after SATA's energy accounting.

SATA (Yin, Moitra, Bhattacharjee, Kim, Panda, arXiv 2204.05422; github RuokaiYin/SATA_Sim,
``inference-energy-cal/``, MIT) runs an SNN on a PE array whose PEs AND a spike with a weight
and accumulate, then update leaky-integrate-and-fire (LIF) neurons. Its energy of one
inference is

* per PE component, at the clock period t_clk: gated components (``dpower['y']``, mW) for
  each operation they do (spike MACs, or LIF updates: neurons x T); ungated components
  (``dpower['n']``) and leakage for every cycle on every PE;
* per memory: DRAM accesses x energy per access; global-buffer (SRAM) accesses x dynamic
  energy, plus its leakage over all cycles.

Component powers are SATA's synthesized kernels (``hw_kernels.py``), memory energies its
CACTI runs (``results/*/mem-stat.yaml``). Cycles and memory accesses come from SATA's cycle
simulator for its workloads (:class:`SataTraffic`); for Sparrow layers,
:func:`traffic_for_layers` gives a first-order stand-in (documented there), not SATA's
simulator.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .terms import EnergyTerms

NJ = 1e-9


@dataclass(frozen=True)
class Component:
    """A PE component: dynamic power (mW, while active) and leakage (mW)."""

    name: str
    dpower_mw: float
    lpower_mw: float
    gated: bool


def _kernel(name, internal, switching, leak_uw, gated, count=1):
    return Component(name, (internal + switching) * count, leak_uw / 1000 * count, gated)


# SATA's hw_kernels tables: dynamic power = internal + switching (mW), leakage (µW).
_REG8 = (2.19e-03, 1.03e-02, 2.01e-02)
SATA_PE = {
    "spike-mac": (
        _kernel("and-gate 8b", 1.35e-03, 1.00e-03, 4.81e-03, gated=False),
        _kernel("adder 8b", 7.62e-03, 9.27e-03, 1.70e-02, gated=False),
        _kernel("accumulator register 16b", 4.41e-03, 2.07e-02, 4.02e-02, gated=True),
    ),
    "lif": (
        _kernel("comparator 16b", 1.46e-02, 4.95e-03, 1.82e-02, gated=False),
        _kernel("subtractor 16b", 1.68e-02, 1.99e-02, 3.50e-02, gated=False),
        _kernel("threshold register 4b", 1.17e-03, 5.20e-03, 1.02e-02, gated=True),
        _kernel("membrane register 8b", *_REG8, gated=True),
    ),
    "spad": (
        _kernel("spike scratchpad 9 B", *_REG8, gated=False, count=9),
        _kernel("weight scratchpad 9 B", *_REG8, gated=True, count=9),
        _kernel("psum scratchpad 8 B", *_REG8, gated=False, count=8),
    ),
}
"""SATA's PE (``sata-config.yaml``): component groups with their kernels."""

SATA_MAC_PE = dict(SATA_PE, **{"spike-mac": (
    _kernel("multiplier 8b", 4.82e-02, 3.39e-02, 6.13e-02, gated=True),
    _kernel("adder 8b", 7.62e-03, 9.27e-03, 1.70e-02, gated=True),
    _kernel("accumulator register 16b", 4.41e-03, 2.07e-02, 4.02e-02, gated=True),
)})
"""The same PE with a multi-bit MAC (8-bit multiplier, adder, register) for activations of
more than one bit (SATA's ANN baseline MAC, ``related-work-estimate.py``)."""


@dataclass(frozen=True)
class Memory:
    """A memory level: energy per read and write access (nJ) and leakage power (mW)."""

    read_nj: float
    write_nj: float
    leak_mw: float = 0.0


@dataclass(frozen=True)
class SataArch:
    """PE array, clock and memories (SATA's ``sata-config.yaml`` and CACTI results)."""

    rows: int = 16
    cols: int = 8
    clock_mhz: float = 400.0
    pe: dict = field(default_factory=lambda: SATA_PE)
    dram: Memory = Memory(read_nj=0.468762, write_nj=0.468762)
    glb_ifmap: Memory = Memory(read_nj=0.0110295, write_nj=0.012772, leak_mw=6.25862)
    glb_ofmap: Memory = Memory(read_nj=0.0110295, write_nj=0.012772, leak_mw=6.25862)
    glb_weight: Memory = Memory(read_nj=0.0286315, write_nj=0.0282197, leak_mw=24.9086)

    @property
    def pes(self) -> int:
        return self.rows * self.cols

    @property
    def cycle_s(self) -> float:
        return 1.0 / (self.clock_mhz * 1e6)


SATA = SataArch()


@dataclass(frozen=True)
class SataTraffic:
    """Cycles and memory accesses of one inference (counts, summed over layers)."""

    cycles: float
    sram_ifmap_reads: float
    sram_weight_reads: float
    sram_ofmap_writes: float
    dram_ifmap_reads: float
    dram_weight_reads: float
    dram_ofmap_writes: float


@dataclass(frozen=True)
class SataOps:
    """Operations of one inference: MACs on the PE array and neuron (LIF) updates."""

    macs: float
    neuron_updates: float


@dataclass(frozen=True)
class SataEnergy:
    """SATA's energy report (nJ): per PE group, operation / ungated / leakage; per memory."""

    compute: dict[str, dict[str, float]]
    memory: dict[str, float]

    @property
    def compute_total_nj(self) -> float:
        return sum(sum(parts.values()) for parts in self.compute.values())

    @property
    def dram_total_nj(self) -> float:
        return sum(v for k, v in self.memory.items() if k.startswith("dram"))

    @property
    def sram_total_nj(self) -> float:
        return sum(v for k, v in self.memory.items() if k.startswith("glb"))

    def terms(self) -> EnergyTerms:
        """The report as :class:`EnergyTerms` (J): the MAC group computes; the LIF group
        keeps neuron state; scratchpads and ifmap/ofmap memories move activations; weight
        memories are weight reads; every leakage and ungated (clocked every cycle) part is
        the fixed term."""
        fixed = sum(p["ungated"] + p["leakage"] for p in self.compute.values())
        fixed += sum(v for k, v in self.memory.items() if k.endswith("leakage"))
        m = self.memory
        return EnergyTerms(
            compute=self.compute["spike-mac"]["operation"],
            neuron_state=self.compute["lif"]["operation"],
            movement=(self.compute["spad"]["operation"] + m["dram_ifmap"] + m["dram_ofmap"]
                      + m["glb_ifmap_dynamic"] + m["glb_ofmap_dynamic"]),
            weight_reads=m["dram_weight"] + m["glb_weight_dynamic"],
            fixed=fixed).scaled(NJ)


def sata_energy(ops: SataOps, traffic: SataTraffic, arch: SataArch = SATA) -> SataEnergy:
    """SATA's energy of one inference from its operations and traffic (nJ)."""
    to_nj = arch.cycle_s * 1e6          # mW x s = mJ; x 1e6 = nJ
    compute = {}
    for group, kernels in arch.pe.items():
        count = ops.neuron_updates if group == "lif" else ops.macs
        gated = sum(k.dpower_mw for k in kernels if k.gated)
        ungated = sum(k.dpower_mw for k in kernels if not k.gated)
        leak = sum(k.lpower_mw for k in kernels)
        compute[group] = {
            "operation": gated * count * to_nj,
            "ungated": ungated * traffic.cycles * to_nj * arch.pes,
            "leakage": leak * traffic.cycles * to_nj * arch.pes,
        }
    t = traffic
    memory = {
        "dram_ifmap": arch.dram.read_nj * t.dram_ifmap_reads,
        "dram_weight": arch.dram.read_nj * t.dram_weight_reads,
        # SATA charges DRAM writes at its read energy (energy_cal.py), as does this model.
        "dram_ofmap": arch.dram.read_nj * t.dram_ofmap_writes,
        "glb_ifmap_dynamic": arch.glb_ifmap.read_nj * t.sram_ifmap_reads,
        "glb_ifmap_leakage": arch.glb_ifmap.leak_mw * t.cycles * to_nj,
        "glb_weight_dynamic": arch.glb_weight.read_nj * t.sram_weight_reads,
        "glb_weight_leakage": arch.glb_weight.leak_mw * t.cycles * to_nj,
        "glb_ofmap_dynamic": arch.glb_ofmap.write_nj * t.sram_ofmap_writes,
        "glb_ofmap_leakage": arch.glb_ofmap.leak_mw * t.cycles * to_nj,
    }
    return SataEnergy(compute=compute, memory=memory)


def traffic_for_layers(layers, passes: int, arch: SataArch = SATA) -> SataTraffic:
    """First-order traffic of ``layers`` (:class:`~sparrow.estimate.workload.LayerWork`)
    run ``passes`` times (timesteps; 1 for multi-bit activations), in SATA's pattern:

    * cycles: the dense products of each pass spread over all PEs (SATA's AND gates skip
      no cycles), plus loading each weight once, one array column at a time;
    * weights stay in the array across passes: one global-buffer and one DRAM read each;
    * inputs are read from the global buffer once per pass and from DRAM once; outputs are
      written once (SATA packs a neuron's spikes over the window).
    """
    cycles = ifmap = weights = outputs = inputs = 0.0
    for w in layers:
        cycles += passes * math.ceil(w.synapses / arch.pes) + math.ceil(w.weights / arch.cols)
        weights += w.weights
        ifmap += passes * w.inputs
        inputs += w.inputs
        outputs += w.neurons
    return SataTraffic(cycles=cycles, sram_ifmap_reads=ifmap, sram_weight_reads=weights,
                       sram_ofmap_writes=outputs, dram_ifmap_reads=inputs,
                       dram_weight_reads=weights, dram_ofmap_writes=outputs)
