"""SequentialFlow: run steps in order, one folder per step, resumable.

Run folder layout::

    <run_dir>/01-<step-id>/        one per step that ran (dots in the id become dashes)
        state_in.json              views and metrics the step started from
        config.json                the step's resolved configuration variables
        fingerprint.json           hash of step, parameters, configuration and input files
        <logs and outputs>         whatever the step wrote
        metrics.json               the step's own metrics, with units and source
        state_out.json             state after the step
    <run_dir>/metrics.json         all metrics of the run, with units, meanings and sources
    <run_dir>/.sparrow.lock        held while a flow runs in the folder (see lock.py)

A step runs in ``.<NN>-<id>.tmp`` and is renamed to ``<NN>-<id>`` only when it succeeded, so
a step folder is always complete. A failed step is kept as ``<NN>-<id>.failed`` (its log is
there) and the error names that log. Re-running the flow in the same folder skips every step
whose fingerprint is unchanged (same step, parameters, configuration, input file contents,
and the same Sparrow: a digest of the package's code and data, so a changed generator or flow
never reuses a result of the old one) and reuses its outputs; ``from_step`` starts from the saved state of the step before it and
re-runs it and everything after; ``to_step`` stops after that step.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .. import __version__
from ..resources import code_digest
from ..errors import SparrowError
from ..fileio import atomic_write_text
from .lock import run_folder_lock
from .metrics import metric_spec
from .progress import Progress
from .state import State, ViewValue, as_view, view_files
from .step import ConfigVar, Step, StepContext

_HASH_CACHE: dict[tuple[str, int, int], str] = {}
STALE_OUTPUTS = ("report.md", "report.html", "plots")
"""What a report writes into a run folder (removed when a new run starts)."""


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's content, cached per (path, size, mtime) within the process."""
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _HASH_CACHE:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        _HASH_CACHE[key] = h.hexdigest()
    return _HASH_CACHE[key]


def _write_json(path: Path, data: Any) -> None:
    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


class SequentialFlow:
    """Runs ``steps`` in order with one configuration (``config``: variable name -> value).

    Raises ``SparrowError`` at construction for a configuration variable no step declares
    (a typo would otherwise be silently ignored); ``TypeError`` for duplicate step ids.
    """

    def __init__(self, steps: Sequence[Step], config: Mapping[str, Any] | None = None,
                 *, name: str = "sparrow"):
        self.steps = list(steps)
        self.config = dict(config or {})
        self.name = name
        ids = [s.id for s in self.steps]
        if len(set(ids)) != len(ids):
            raise TypeError(f"duplicate step ids in flow: {ids}")
        known = {v.name for v in self.config_vars()}
        unknown = sorted(set(self.config) - known)
        if unknown:
            raise SparrowError(f"configuration: unknown variable(s) {', '.join(unknown)} "
                               f"(known: {', '.join(sorted(known))})")

    def config_vars(self) -> list[ConfigVar]:
        """Every configuration variable the steps read, once each (by name)."""
        seen: dict[str, ConfigVar] = {}
        for step in self.steps:
            for var in step.config_vars:
                other = seen.setdefault(var.name, var)
                if (other.type, other.default) != (var.type, var.default):
                    raise TypeError(f"config variable {var.name} declared differently by steps")
        return list(seen.values())

    def step_ids(self) -> list[str]:
        return [s.id for s in self.steps]

    @staticmethod
    def step_dir_name(index: int, step: Step) -> str:
        """Folder name of the step at 0-based ``index``: ``03-opensta-timing``."""
        return f"{index + 1:02d}-{step.id.replace('.', '-')}"

    def _index(self, step_id: str | None, default: int) -> int:
        if step_id is None:
            return default
        ids = self.step_ids()
        if step_id not in ids:
            raise SparrowError(f"no step '{step_id}' in this flow (steps: {', '.join(ids)})")
        return ids.index(step_id)

    def _check_dataflow(self, views: set[str], first: int) -> None:
        available = set(views)
        for step in self.steps[first:]:
            missing = [v for v in step.inputs if v not in available]
            if missing:
                raise SparrowError(f"step {step.id} needs view(s) {', '.join(missing)}, which "
                                   "neither the initial views nor an earlier step provide")
            available |= set(step.outputs)

    def _fingerprint(self, step: Step, config: Mapping[str, Any], state: State) -> dict:
        inputs = {}
        for name in step.inputs:
            files = view_files(state.view(name))
            for f in files:
                if not f.is_file():
                    raise SparrowError(f"step {step.id}: input view '{name}' file {f} is missing")
            inputs[name] = [file_sha256(f) for f in files]
        return {
            "step": step.id,
            "class": f"{type(step).__module__}.{type(step).__qualname__}",
            "sparrow": __version__,
            "code": code_digest(),
            "params": json.loads(json.dumps(step.params(), sort_keys=True, default=str)),
            "config": json.loads(json.dumps(dict(config), sort_keys=True, default=str)),
            "inputs": inputs,
            "files": {str(p): file_sha256(p) for p in step.fingerprint_files()},
        }

    def _reusable(self, step: Step, step_dir: Path, fingerprint: dict,
                  run_dir: Path) -> tuple[dict, dict] | None:
        """The saved outputs (views, own metrics) of an unchanged step, or None. Only the
        step's own results are taken: the rest of its saved state may predate a re-run of an
        earlier step."""
        try:
            saved = json.loads((step_dir / "fingerprint.json").read_text())
            own = json.loads((step_dir / "metrics.json").read_text())["metrics"]
        except (OSError, ValueError, KeyError):
            return None
        if saved != fingerprint or not (step_dir / "state_out.json").is_file():
            return None
        views = State.load(step_dir / "state_out.json", run_dir).views
        outputs = {name: views[name] for name in step.outputs if name in views}
        if len(outputs) != len(step.outputs) or not all(
                f.is_file() for v in outputs.values() for f in view_files(v)):
            return None
        return outputs, own

    def run(self, run_dir: str | Path, *, initial_views: Mapping[str, Any] | None = None,
            from_step: str | None = None, to_step: str | None = None,
            progress: Progress | None = None, notes: Mapping[str, str] | None = None) -> State:
        """Run the flow in ``run_dir`` (created if needed); return the final state.

        ``initial_views``: views available before the first step (name -> path or paths).
        ``from_step``/``to_step``: step ids bounding the steps to run (see module doc).
        ``notes``: free-form facts about the run for its readers (where the inputs came from),
        kept in ``metrics.json``. Only one flow at a time may run in ``run_dir``.
        Raises ``ToolError``/``SparrowError`` from a failed step, prefixed with the step id.
        """
        run_dir = Path(run_dir)
        progress = progress or Progress()
        views0 = {k: as_view(v) for k, v in (initial_views or {}).items()}
        first = self._index(from_step, 0)
        last = self._index(to_step, len(self.steps) - 1)
        if last < first:
            raise SparrowError(f"--to {to_step} comes before --from {from_step}")
        if first == 0:
            state = State(views0, {})
        else:
            prev = run_dir / self.step_dir_name(first - 1, self.steps[first - 1]) / "state_out.json"
            if not prev.is_file():
                raise SparrowError(f"cannot start from step {from_step}: step "
                                   f"{self.steps[first - 1].id} has no saved state ({prev}); "
                                   "run the flow from the beginning first")
            state = State.load(prev, run_dir)
            state = State({**views0, **state.views}, state.metrics)
        self._check_dataflow(set(state.views), first)
        with run_folder_lock(run_dir):
            # Results of an earlier run go first: a report must never mix two runs.
            for stale in ("metrics.json", *STALE_OUTPUTS):
                _remove(run_dir / stale)
            count = len(self.steps)
            progress.flow_start(run_dir, count)
            t_flow = time.monotonic()
            statuses: dict[str, str] = {}
            ok = False
            try:
                for index in range(first, last + 1):
                    state, statuses[self.steps[index].id] = self._run_step(
                        index, state, run_dir, progress, forced=from_step is not None)
                ok = True
            finally:
                progress.flow_end(run_dir, time.monotonic() - t_flow, ok)
            doc = self._metrics_document(state, run_dir, last, statuses)
            doc["notes"] = dict(notes or {})
            _write_json(run_dir / "metrics.json", doc)
        return state

    def _run_step(self, index: int, state: State, run_dir: Path, progress: Progress,
                  *, forced: bool) -> tuple[State, str]:
        step = self.steps[index]
        count = len(self.steps)
        name = self.step_dir_name(index, step)
        final_dir, tmp_dir, failed_dir = (run_dir / name, run_dir / f".{name}.tmp",
                                          run_dir / f"{name}.failed")
        config = {v.name: v.resolve(self.config) for v in step.config_vars}
        for view in step.inputs:
            state.view(view)
        fingerprint = self._fingerprint(step, config, state)
        progress.step_start(index + 1, count, step.id, step.name)
        t0 = time.monotonic()
        if not forced:
            reused = self._reusable(step, final_dir, fingerprint, run_dir)
            if reused is not None:
                new_state = state.updated(*reused)
                # Saved states follow the new upstream results, so a later --from starts
                # from what this run produced.
                state.save(final_dir / "state_in.json", run_dir)
                new_state.save(final_dir / "state_out.json", run_dir)
                progress.step_end(index + 1, count, step.name, "unchanged, outputs reused", 0.0)
                return new_state, "reused"

        _remove(tmp_dir)
        tmp_dir.mkdir()
        state.save(tmp_dir / "state_in.json", run_dir)
        _write_json(tmp_dir / "config.json", config)
        ctx = StepContext(config=config, progress=progress.step_line)
        try:
            views, metrics = step.run(state, tmp_dir, ctx)
            views, metrics = self._check_result(step, tmp_dir, final_dir, views, metrics)
        except BaseException as e:
            _remove(failed_dir)
            _remove(final_dir)
            tmp_dir.rename(failed_dir)
            progress.step_end(index + 1, count, step.name, "FAILED", time.monotonic() - t0)
            if isinstance(e, SparrowError):
                message = str(e).replace(str(tmp_dir), str(failed_dir))
                e.args = (f"step {step.id} failed: {message}",)
            raise
        elapsed = time.monotonic() - t0
        metrics = {**metrics, f"flow__wall_time__step:{step.id}": round(elapsed, 3)}
        new_state = state.updated(views, metrics)
        _write_json(tmp_dir / "fingerprint.json", fingerprint)
        _write_json(tmp_dir / "metrics.json", self._step_metrics(step, metrics))
        new_state.save(tmp_dir / "state_out.json", run_dir)
        old_dir = run_dir / f".{name}.old"
        _remove(old_dir)
        if final_dir.exists():
            final_dir.rename(old_dir)
        tmp_dir.rename(final_dir)
        _remove(old_dir)
        _remove(failed_dir)
        progress.step_end(index + 1, count, step.name, "done", elapsed)
        return new_state, "ran"

    @staticmethod
    def _check_result(step: Step, tmp_dir: Path, final_dir: Path, views: Mapping[str, ViewValue],
                      metrics: Mapping[str, Any]) -> tuple[dict, dict]:
        """Validate a step's result against its declaration and move its paths from the
        temporary folder to the final one. Violations are bugs in the step: RuntimeError."""
        if set(views) != set(step.outputs):
            raise RuntimeError(f"step {step.id} returned views {sorted(views)}, "
                               f"declared {sorted(step.outputs)}")
        moved: dict[str, ViewValue] = {}
        for view, value in views.items():
            value = as_view(value) if not isinstance(value, (Path, tuple)) else value
            files = []
            for f in view_files(value):
                if not f.is_file():
                    raise RuntimeError(f"step {step.id}: output view '{view}' file {f} missing")
                try:
                    f = final_dir / f.resolve().relative_to(tmp_dir.resolve())
                except ValueError:
                    pass
                files.append(f)
            moved[view] = tuple(files) if isinstance(value, tuple) else files[0]
        for key in metrics:
            if metric_spec(key, step.metric_specs) is None:
                raise RuntimeError(f"step {step.id}: metric {key} has no unit "
                                   "(add it to metrics.METRICS or the step's metric_specs)")
        return moved, dict(metrics)

    @staticmethod
    def _step_metrics(step: Step, metrics: Mapping[str, Any]) -> dict:
        specs = {k: metric_spec(k, step.metric_specs) for k in metrics}
        return {
            "step": step.id,
            "source": step.source,
            "metrics": dict(metrics),
            "units": {k: s.unit for k, s in specs.items()},
            "descriptions": {k: s.description for k, s in specs.items()},
        }

    def _metrics_document(self, state: State, run_dir: Path, last: int,
                          statuses: Mapping[str, str]) -> dict:
        """The run's metrics.json: every metric of the final state with unit, meaning and
        source (the last step, up to ``last``, whose own metrics.json reports it)."""
        units: dict[str, str] = {}
        descriptions: dict[str, str] = {}
        sources: dict[str, str] = {}
        steps = []
        for index, step in enumerate(self.steps[: last + 1]):
            name = self.step_dir_name(index, step)
            steps.append({"id": step.id, "name": step.name, "dir": name,
                          "status": statuses.get(step.id, "from saved state")})
            path = run_dir / name / "metrics.json"
            if not path.is_file():
                continue
            own = json.loads(path.read_text())
            for key in own["metrics"]:
                units[key] = own["units"][key]
                descriptions[key] = own["descriptions"][key]
                sources[key] = f"{own['source'] or step.name} ({name}/)"
        metrics = dict(sorted(state.metrics.items()))
        return {
            "flow": self.name,
            "sparrow_version": __version__,
            "steps": steps,
            "metrics": metrics,
            "units": {k: units.get(k, "") for k in metrics},
            "descriptions": {k: descriptions.get(k, "") for k in metrics},
            "sources": {k: sources.get(k, "") for k in metrics},
            "views": state.to_json(run_dir)["views"],
        }
