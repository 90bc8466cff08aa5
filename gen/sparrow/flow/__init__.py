"""The flow: step machinery modelled on LibreLane's Step/Flow (``step``, ``state``,
``sequential``, ``metrics``, ``progress``, ``lock``), the configuration variables of Sparrow's
steps (``variables``), the steps themselves (``steps``) and the ``sparrow flow`` pipeline
(``pipeline``).

Above the tools it drives (``sparrow.hw``, ``sim``, ``synth``, ``sta``, ``power``); only the
report and the applications sit above it.
"""

from .metrics import METRICS, MetricSpec, metric_spec
from .pipeline import FLOW_STEPS, FlowOptions, build_flow, run_flow
from .progress import Progress
from .sequential import SequentialFlow
from .state import State
from .step import ConfigVar, Step, StepContext

__all__ = ["METRICS", "MetricSpec", "metric_spec", "FLOW_STEPS", "FlowOptions", "build_flow",
           "run_flow", "Progress", "SequentialFlow", "State", "ConfigVar", "Step",
           "StepContext"]
