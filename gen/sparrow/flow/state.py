"""The design state passed from step to step: named views (files) and metrics.

A view is a named design representation (``verilog``, ``netlist``, ``sdc``, ``vcd``, ...)
held as one file or a tuple of files. States are immutable: a step returns updates and the
flow makes a new State, so the state a step started from can always be saved beside it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

from ..errors import SparrowError
from ..fileio import atomic_write_text

ViewValue = Union[Path, tuple[Path, ...]]
"""One file, or several files of the same kind (e.g. Verilog sources)."""


def as_view(value: str | os.PathLike | tuple | list) -> ViewValue:
    """Normalise a path or a list of paths into a view value."""
    if isinstance(value, (list, tuple)):
        return tuple(Path(v) for v in value)
    return Path(value)


def view_files(value: ViewValue) -> tuple[Path, ...]:
    """The files of a view value, as a tuple."""
    return value if isinstance(value, tuple) else (value,)


def _to_json_path(path: Path, base: Path) -> str:
    """Relative to ``base`` when inside it (the run folder stays movable), else absolute."""
    path = path.resolve()
    try:
        return str(path.relative_to(base.resolve()))
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class State:
    """Views (name -> file(s)) and metrics (name -> number or string)."""
    views: Mapping[str, ViewValue] = field(default_factory=dict)
    metrics: Mapping[str, Any] = field(default_factory=dict)

    def updated(self, views: Mapping[str, ViewValue], metrics: Mapping[str, Any]) -> State:
        """A new state with ``views`` and ``metrics`` added or replaced."""
        return State({**self.views, **views}, {**self.metrics, **metrics})

    def view(self, name: str) -> ViewValue:
        """View ``name``; ``SparrowError`` when no earlier step produced it."""
        if name not in self.views:
            have = ", ".join(sorted(self.views)) or "none"
            raise SparrowError(f"design view '{name}' is not available (available: {have})")
        return self.views[name]

    def to_json(self, base: Path) -> dict:
        views = {}
        for name, value in sorted(self.views.items()):
            paths = [_to_json_path(p, base) for p in view_files(value)]
            views[name] = paths if isinstance(value, tuple) else paths[0]
        return {"views": views, "metrics": dict(sorted(self.metrics.items()))}

    @classmethod
    def from_json(cls, data: Mapping, base: Path) -> State:
        views: dict[str, ViewValue] = {}
        for name, value in data.get("views", {}).items():
            if isinstance(value, list):
                views[name] = tuple(base / v for v in value)
            else:
                views[name] = base / value
        return cls(views, dict(data.get("metrics", {})))

    def save(self, path: Path, base: Path) -> None:
        """Write the state as JSON (paths relative to ``base`` where possible), atomically."""
        atomic_write_text(path, json.dumps(self.to_json(base), indent=2) + "\n")

    @classmethod
    def load(cls, path: Path, base: Path) -> State:
        try:
            return cls.from_json(json.loads(path.read_text()), base)
        except (OSError, ValueError) as e:
            raise SparrowError(f"cannot read saved flow state {path}: {e}") from None
