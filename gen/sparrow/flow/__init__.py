"""The flow: design-independent machinery (steps, sequential flow, state, metrics, report)
and the tool steps (Yosys synthesis, OpenSTA timing, Icarus gate-level simulation) over the
standard-cell libraries in ``libraries``.

Imports ``sparrow.model``/``sparrow.export`` at most; nothing below imports it.
"""

from .gatesim import GateSimStep, run_gatesim
from .icarus import SimResult, VcdDump, run_icarus
from .libraries import (DEFAULT_LIBRARY, LIBRARY_NAMES, Library, custom_library, get_library,
                        library_from_toml)
from .metrics import METRICS, MetricSpec, metric_spec
from .progress import Progress
from .report import write_report
from .sequential import SequentialFlow
from .sta import StaResult, StaStep, TimingPath, run_sta
from .state import State
from .step import ConfigVar, Step, StepContext
from .synthesis import SynthesisResult, SynthesisStep, run_synthesis

__all__ = [
    "GateSimStep", "run_gatesim", "SimResult", "VcdDump", "run_icarus",
    "DEFAULT_LIBRARY", "LIBRARY_NAMES", "Library", "custom_library", "get_library",
    "library_from_toml", "METRICS", "MetricSpec", "metric_spec", "Progress", "write_report",
    "SequentialFlow", "StaResult", "StaStep", "TimingPath", "run_sta", "State",
    "ConfigVar", "Step", "StepContext", "SynthesisResult", "SynthesisStep", "run_synthesis",
]
