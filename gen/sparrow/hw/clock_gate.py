"""Clock-gated domains: between uses, no clock edge reaches the flops behind a gate.

An enable-gated flop (a mux in front of it) keeps its value but its clock pin still toggles
every cycle; at µW budgets that clock-pin power dominates. So every block that is idle most of
the time gets its own domain whose clock passes a latch-based integrated clock gate (ICG):
``gclk = clk & en_latched``, ``en`` latched while ``clk`` is low. Functionally, a flop in a
domain gated by ``en`` behaves exactly like a flop with enable ``en``.

Styles:

* ``instance``: instantiate the Verilog module ``sparrow_clock_gate`` (``clk``, ``en``,
  ``gclk``) from ``rtl/``, which synthesis maps to the library's ICG cell (or latch + AND);
* ``none``: no gating; every domain is ``sync`` and the same enables act as flop enables. It
  behaves identically cycle by cycle, so Amaranth's simulator (which cannot simulate the
  Verilog gate) runs this style, and benchmarks use it to measure what gating saves.
"""

from __future__ import annotations

from amaranth import ClockDomain, ClockSignal, Instance, Module, ResetSignal

from ..resources import CLOCK_GATE_MODULE
from .params import check_choice

STYLES = ("instance", "none")


def gated_domain(m: Module, name: str, enable, style: str, *, parent: str = "sync",
                 reset_less: bool = False) -> str:
    """Create domain ``name`` clocked by ``parent``'s clock gated by ``enable``; return its
    name (``parent`` for style ``none``). The domain shares ``parent``'s reset, so ``enable``
    must be high during reset for the reset to reach its flops; ``reset_less``: a domain
    without reset (storage that no reset clears). Gates nest: a domain gated from a gated
    ``parent`` sees a clock edge only where both enables were high."""
    check_choice("clock gate style", style, STYLES)
    if style == "none":
        return parent
    cd = ClockDomain(name, local=True, reset_less=reset_less)
    m.domains += cd
    if not reset_less:
        m.d.comb += cd.rst.eq(ResetSignal(parent))
    m.submodules[f"{name}_clock_gate"] = Instance(
        CLOCK_GATE_MODULE, i_clk=ClockSignal(parent), i_en=enable, o_gclk=cd.clk)
    return name
