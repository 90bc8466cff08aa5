"""The steps of ``sparrow flow``, in order: generate, RTL simulation, synthesis, static timing,
gate-level simulation, power."""

from .generate import GenerateStep
from .power import PowerStep
from .simulation import GateLevelSimStep, RtlSimStep
from .synthesis import SynthesisStep
from .timing import StaStep

__all__ = ["GenerateStep", "RtlSimStep", "SynthesisStep", "StaStep", "GateLevelSimStep",
           "PowerStep"]
