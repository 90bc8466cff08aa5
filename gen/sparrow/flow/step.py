"""A flow step: one tool run with declared inputs, outputs and configuration.

Modelled on LibreLane's Step: a step declares the design views it reads (``inputs``) and
writes (``outputs``), the configuration variables it reads (``config_vars``, with defaults and
units) and the metrics it reports; ``run`` gets the state, its own folder and its resolved
configuration, and returns the updated views and new metrics. The flow does the rest (folders,
saved states, skipping unchanged steps, progress, errors).

Writing a step::

    class Lint(Step):
        id = "verilator.lint"
        name = "Lint"
        inputs = ("verilog",)
        outputs = ()
        config_vars = (ConfigVar("DESIGN_NAME", str, None, "top module", required=True),)
        metric_specs = {"lint__warnings__count": MetricSpec("warnings", "lint warnings")}

        def run(self, state, step_dir, ctx):
            ...                     # write files only inside step_dir
            return {}, {"lint__warnings__count": 0}
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from ..errors import SparrowError
from .metrics import MetricSpec
from .state import State, ViewValue

_STEP_ID = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*")


@dataclass(frozen=True)
class ConfigVar:
    """A configuration variable steps read. ``default`` None with ``required`` means the
    flow configuration must set it. ``unit`` is part of the documentation ("ns", "s", ...).
    ``choices``: the allowed values, if the variable takes one of a few. Declare each variable
    once (``flow.variables``) and list it in every step that reads it, as LibreLane does."""
    name: str
    type: type
    default: Any
    description: str
    unit: str = ""
    required: bool = False
    choices: tuple[Any, ...] | None = None

    def resolve(self, config: Mapping[str, Any]) -> Any:
        """The value from ``config`` (or the default), converted to ``type``; a
        ``SparrowError`` naming the variable when it is missing, of the wrong type or not one
        of its choices."""
        if self.name not in config:
            if self.required:
                raise SparrowError(f"configuration: {self.name} is required ({self.description})")
            return self.default
        value = config[self.name]
        if value is not None and not isinstance(value, self.type):
            if self.type is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            else:
                raise SparrowError(f"configuration: {self.name} must be of type "
                                   f"{self.type.__name__}, got {value!r}")
        if self.choices is not None and value is not None and value not in self.choices:
            raise SparrowError(f"configuration: {self.name} must be one of "
                               f"{', '.join(map(str, self.choices))}, got {value!r}")
        return value


@dataclass
class StepContext:
    """What the flow hands a running step besides state and folder.

    ``config``: the step's configuration variables, resolved; ``progress``: call with a line
    of tool output worth showing the user (the flow prefixes and rate-limits it)."""
    config: Mapping[str, Any]
    progress: Callable[[str], None] = field(default=lambda line: None)


class Step(ABC):
    """Base class of flow steps. Subclasses set the class attributes and implement ``run``.

    Class attributes:
      id           lower-case dotted identifier, e.g. ``yosys.synthesis``; names the step
                   folder (``NN-yosys-synthesis``) and ``--from``/``--to`` arguments;
      name         short human name;
      inputs       views the step reads (each must be in the state when it starts);
      outputs      views it returns (every one, each an existing file);
      config_vars  configuration variables it reads;
      metric_specs units of metrics it reports that ``metrics.METRICS`` does not define;
      source       which tool produces its metrics, for reports ("Yosys 0.23 stat -liberty").
    """
    id: ClassVar[str]
    name: ClassVar[str]
    inputs: ClassVar[tuple[str, ...]] = ()
    outputs: ClassVar[tuple[str, ...]] = ()
    config_vars: ClassVar[tuple[ConfigVar, ...]] = ()
    metric_specs: ClassVar[Mapping[str, MetricSpec]] = {}
    source: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "id" in cls.__dict__ and not _STEP_ID.fullmatch(cls.id):
            raise TypeError(f"step id {cls.id!r} must be lower-case dotted identifiers")

    def params(self) -> Mapping[str, Any]:
        """Per-instance parameters that change the step's result (JSON-serialisable); part of
        the fingerprint that decides whether an unchanged step may be skipped."""
        return {}

    def fingerprint_files(self) -> tuple[Path, ...]:
        """Files other than input views whose content changes the result (scripts,
        templates, testbenches); also part of the fingerprint."""
        return ()

    @abstractmethod
    def run(self, state: State, step_dir: Path,
            ctx: StepContext) -> tuple[Mapping[str, ViewValue], Mapping[str, Any]]:
        """Do the work; write files only inside ``step_dir`` (it exists and is empty).

        Returns ``(views, metrics)``: the output views (name -> file(s)) and new metrics.
        Raise ``ToolError`` for tool failures and ``SparrowError`` for bad input.
        """
