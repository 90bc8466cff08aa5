"""A run's metrics document (``metrics.json``), read defensively for the report: a malformed
document is one ``SparrowError`` naming the file and the field, never a traceback."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping

from ..errors import SparrowError
from ..flow.metrics import base_name, metric_spec
from .values import format_percent, format_short, format_value

NOT_MEASURED = "not measured"
"""What a report shows for a metric the run does not have (never a made-up 0)."""

_STEP_FOLDER = re.compile(r"^(.*) \(([^()]+/)\)$")
"""A metric's source as the flow writes it: ``<tool and method> (<step folder>/)``."""


class RunMetrics:
    """The metrics of one run with their units, meanings and sources.

    ``where`` names the document in error messages (the path of ``metrics.json``)."""

    def __init__(self, doc: object, where: str):
        self.where = where
        if not isinstance(doc, Mapping):
            raise SparrowError(f"{where}: expected a JSON object, got {type(doc).__name__}")
        self.doc = doc
        self.metrics = self._mapping(doc, "metrics", required=True)
        self.units = self._mapping(doc, "units")
        self.descriptions = self._mapping(doc, "descriptions")
        self.sources = self._mapping(doc, "sources")
        self.notes = self._mapping(doc, "notes")
        steps = doc.get("steps", [])
        if not isinstance(steps, list) or not all(
                isinstance(s, Mapping) and all(isinstance(s.get(k), str)
                                               for k in ("id", "dir", "name", "status"))
                for s in steps):
            raise SparrowError(f"{where}: 'steps' must be a list of objects with the strings "
                               "id, dir, name and status")
        self.steps = steps

    def _mapping(self, doc: Mapping, field: str, *, required: bool = False) -> Mapping:
        value = doc.get(field) if required or field in doc else {}
        if not isinstance(value, Mapping):
            what = "missing" if value is None else f"a {type(value).__name__}"
            raise SparrowError(f"{self.where}: '{field}' must be an object, it is {what}")
        return value

    def has(self, name: str) -> bool:
        return name in self.metrics

    def unit(self, name: str) -> str:
        """The document's unit of ``name``, else (none, or "") the registered one, else ""."""
        if isinstance(self.units.get(name), str) and self.units[name]:
            return self.units[name]
        spec = metric_spec(name)
        return spec.unit if spec else ""

    def description(self, name: str) -> str:
        if isinstance(self.descriptions.get(name), str) and self.descriptions[name]:
            return self.descriptions[name]
        spec = metric_spec(name)
        return spec.description if spec else ""

    def source(self, name: str) -> str:
        return str(self.sources.get(name, ""))

    def step_folder(self, name: str) -> str:
        """The step folder that measured ``name`` (``05-opensta-timing/``); its whole source
        when that names no folder."""
        found = _STEP_FOLDER.match(self.source(name))
        return found.group(2) if found else self.source(name)

    def tools(self) -> dict[str, str]:
        """Step folder -> the tool and method its metrics came from."""
        found = (_STEP_FOLDER.match(self.source(k)) for k in self.metrics)
        return {f.group(2): f.group(1) for f in found if f}

    def _get(self, name: str, ok: Callable[[object], bool], expected: str):
        """``name``'s value when ``ok(value)``, None when the run does not have it; any other
        value is a ``SparrowError`` saying what was ``expected``."""
        if name not in self.metrics:
            return None
        value = self.metrics[name]
        if not ok(value):
            raise SparrowError(f"{self.where}: metric {name} is {value!r}, expected {expected}")
        return value

    def number(self, name: str) -> float | None:
        """The finite number ``name``, None when the run does not have it."""
        return self._get(name, lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)
                         and math.isfinite(v), f"a finite number ({self.unit(name) or 'no unit'})")

    def text(self, name: str) -> str | None:
        return self._get(name, lambda v: isinstance(v, str), "a string")

    def flag(self, name: str) -> bool | None:
        return self._get(name, lambda v: isinstance(v, bool), "true or false")

    def strings(self, name: str) -> list[str] | None:
        return self._get(name, lambda v: isinstance(v, list) and all(isinstance(x, str)
                                                                      for x in v),
                         "a list of strings")

    def by_modifier(self, base: str) -> dict[str, float]:
        """``{modifier: value}`` of every metric ``<base>:<modifier>`` (numbers)."""
        prefix = base + ":"
        return {k[len(prefix):]: self.number(k) for k in self.metrics if k.startswith(prefix)}

    def show(self, name: str, *, short: bool = False) -> str:
        """The metric formatted with its unit (a ``__fraction`` as a percentage; ``short``:
        at most four significant digits), or "not measured"."""
        if name not in self.metrics:
            return NOT_MEASURED
        value = self.metrics[name]
        if base_name(name).endswith("__fraction") and not isinstance(value, bool) \
                and isinstance(value, (int, float)):
            return format_percent(value)
        return (format_short if short else format_value)(value, self.unit(name))
