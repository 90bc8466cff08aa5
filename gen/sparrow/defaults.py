"""Defaults shared by the command line, the flow and the library API: one place each.

Units are in the names: ns for clock periods, Hz for rates.
"""

from __future__ import annotations

CLOCK_PERIOD_NS = 250.0
"""Clock period (ns): 4 MHz, the ECG monitor's clock (SparrowSNN runs at 4 MHz)."""

LIBRARY = "osu018"
"""Standard-cell library: OSU 0.18 µm from Debian's qflow-tech-osu018 (installs anywhere)."""

LANES = 8
"""Parallel PE lanes of a generated core."""

HW_MODE = "baked"
"""Weights in ROM (``baked``) rather than RAM written through the config port."""

ZERO_SKIP = True
"""Skip the zero counts of spiking layers (their weight reads, MACs and cycles)."""

VARIANT = "ssf"
"""Neuron scheme of a generated core: ``ssf`` (spike counts) rather than ``if`` (per-timestep
integrate-and-fire, the baseline twin of the energy comparison)."""

CLOCK_GATE = "instance"
"""Clock-gate idle blocks with the library's gate (``instance``) rather than enables only."""

MEMORY_STYLE = "flop"
"""Memories as behavioural flip-flop arrays (``flop``), rather than standard-cell memories
with per-word clock gates and decoded reads (``flop_gated``, ``latch``; sparrow.hw.memory)."""

INPUT_STYLE = "buffer"
"""Take the whole input into a buffer before computing (``buffer``), rather than computing the
first layer from a window while the samples stream in (``stream``; sparrow.hw.plan)."""

RTL_SIMULATOR = "icarus"
"""Simulator of RTL runs (Icarus or Verilator)."""

INFERENCE_RATE_HZ = 72 / 60
"""Inferences per second for average power: one ECG beat classified per heartbeat at 72 bpm."""

INFERENCES = 1
"""Inferences a flow simulates by default (a gate-level ECG inference takes minutes)."""

SEED = 0
"""Seed of random inputs."""

MAX_FANOUT = 16
"""Most sinks per net after synthesis buffering."""
