"""The steps of ``sparrow flow``, in order: generate, RTL simulation, synthesis, repair,
static timing, gate-level simulation, power, sign-off verdict."""

from .generate import GenerateStep
from .power import PowerStep
from .repair import RepairStep
from .signoff import SignoffStep
from .simulation import GateLevelSimStep, RtlSimStep
from .synthesis import SynthesisStep
from .timing import StaStep

__all__ = ["GenerateStep", "RtlSimStep", "SynthesisStep", "RepairStep", "StaStep",
           "GateLevelSimStep", "PowerStep", "SignoffStep"]
