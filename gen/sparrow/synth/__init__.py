"""Synthesis of a design to a standard-cell library with Yosys (``yosys.run_synthesis``)."""

from .yosys import SynthesisResult, run_synthesis, synthesis_script

__all__ = ["SynthesisResult", "run_synthesis", "synthesis_script"]
