"""Analog in-memory-computing crossbars, after SpikeSim's energy model.

SpikeSim (Moitra, Bhattacharjee, ... Panda, arXiv 2210.12899; github
Intelligent-Computing-Lab-Yale/SpikeSim, ``ela_spikesim.py``, MIT) maps each layer onto
processing elements (PEs) of ``xbar x xbar`` crossbars. A layer with C_in input and C_out
output channels and P output positions takes ``ceil(C_out / xbar) * ceil(C_in / xbar) * P``
PE cycles per timestep, and every PE cycle costs the same energy whatever the spikes:

    E_PE = H-tree + memory fetch + neuron module + (xbar / 8) * E_PE_array
           + (xbar / 8) * 16 * E_sub + (xbar / 8) * E_temp_buffer + E_tile_buffer
    E_PE_array = k_taps * E_crossbar + (xbar / 8) * (E_ADC + E_MUX)

``k_taps`` crossbars hold a kernel's taps (k x k for 2-d convolutions; k for Sparrow's
conv1d, 1 for dense layers). Energy per inference = PE cycles x E_PE x passes: T timesteps
for a per-timestep SNN; for multi-bit activations (counts, QNN), ``bits`` bit-serial input
passes, as crossbars take one input bit per cycle. Spike sparsity does not enter: the
crossbars evaluate every input line each cycle, which is why SNN gains shrink there.

Constants: SpikeSim's 64 x 64 crossbars, RRAM (pJ per PE cycle component).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .terms import PJ, EnergyTerms


@dataclass(frozen=True)
class CrossbarConstants:
    """Per-component energies (pJ per PE cycle or per use) of SpikeSim's RRAM crossbars."""

    xbar: int = 64
    crossbar: float = 1.76423          # one crossbar read (RRAM)
    adc: float = 2.03084
    mux: float = 0.094245
    sub: float = 1.15e-6
    temp_buffer: float = 0.2
    tile_buffer: float = 397.0
    htree: float = 19.64 * 8
    mem_fetch: float = 4.64
    neuron: float = 1.274 * 4.0
    source: str = "SpikeSim ela_spikesim.py compute_energy (RRAM, 64 x 64), MIT licence"

    def pe_cycle_terms(self, kernel_taps: int) -> EnergyTerms:
        """Energy of one PE cycle (pJ, not J), by term: crossbars, ADCs, MUXes,
        subtractors and the temporary buffer compute; the H-tree, tile buffer and memory
        fetch move data; the neuron module keeps the neuron state."""
        lanes = self.xbar / 8
        array = kernel_taps * self.crossbar + lanes * (self.adc + self.mux)
        return EnergyTerms(
            compute=lanes * array + lanes * 16 * self.sub + lanes * self.temp_buffer,
            movement=self.htree + self.mem_fetch + self.tile_buffer,
            neuron_state=self.neuron)


SPIKESIM_RRAM = CrossbarConstants()


@dataclass(frozen=True)
class CrossbarLayer:
    """A layer as SpikeSim maps it: channels, kernel taps per crossbar set, output positions."""

    in_channels: int
    out_channels: int
    kernel_taps: int
    out_positions: int


def pe_cycles(layer: CrossbarLayer, c: CrossbarConstants = SPIKESIM_RRAM) -> int:
    """PE cycles of one pass (one timestep or one input bit) through ``layer``."""
    return (math.ceil(layer.out_channels / c.xbar) * math.ceil(layer.in_channels / c.xbar)
            * layer.out_positions)


def crossbar_energy(layer: CrossbarLayer, passes: int,
                    c: CrossbarConstants = SPIKESIM_RRAM) -> EnergyTerms:
    """Energy (J) of ``passes`` passes (timesteps or input bits) through ``layer``."""
    return c.pe_cycle_terms(layer.kernel_taps).scaled(pe_cycles(layer, c) * passes * PJ)
