"""Sweeps of the energy study: one network at several T, spike rates and neuron schemes, every
point measured through the whole flow, run as tasks on Dask.

A point is (variant, T, threshold scale). Its model is the sweep's model with ``timesteps = T``
and every threshold multiplied by the scale (rounded, at least 1): a larger scale fires less,
so the scales set the spike rate while the weights stay the same. Its run folder is
``<out>/points/<name>/``; a point is done when its ``result.json`` exists, so an interrupted
sweep resumes with the points left (and a point interrupted mid-flow resumes at its first
unfinished step, as every flow does).

Variants: ``ssf`` (the core, zero skipping), ``qnn`` (the dense schedule: the QNN twin),
``if`` (the per-timestep integrate-and-fire core, when the generator has it).
"""

from __future__ import annotations

import io
import json
import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from ..errors import SparrowError
from ..fileio import atomic_write_text
from ..flow import FlowOptions, Progress, run_flow
from ..model import Model, load_model, model_from_dict, run, save_model
from ..model.descriptor import MAX_TIMESTEPS

VARIANTS = ("ssf", "qnn", "if")
RESULT_METRICS = (
    "inference__energy", "inference__cycles", "inference__weight_reads", "inference__synops",
    "inference__activation_reads", "inference__activation_writes", "inference__time",
    "power__total", "power__leakage__total", "design__instance__area",
    "design__instance__count", "timing__fmax", "flow__signoff")


@dataclass(frozen=True)
class SweepPoint:
    """One configuration of the sweep."""

    variant: str
    timesteps: int
    scale: float                   # threshold multiplier

    @property
    def name(self) -> str:
        return f"{self.variant}-t{self.timesteps}-s{self.scale:g}"


@dataclass(frozen=True)
class SweepSpec:
    """What a sweep measures. ``options``: the flow's (lanes, library, clock); the variant of
    each point overrides the schedule."""

    descriptor: Path
    timesteps: tuple[int, ...]
    scales: tuple[float, ...]
    variants: tuple[str, ...]
    options: FlowOptions

    def __post_init__(self):
        for v in self.variants:
            if v not in VARIANTS:
                raise SparrowError(f"sweep: unknown variant {v!r} (variants: "
                                   f"{', '.join(VARIANTS)})")
        for t in self.timesteps:
            if not 1 <= t <= MAX_TIMESTEPS:
                raise SparrowError(f"sweep: T = {t} is outside 1..{MAX_TIMESTEPS}")
        for s in self.scales:
            if not (isinstance(s, (int, float)) and math.isfinite(s) and s > 0):
                raise SparrowError(f"sweep: threshold scale {s!r} must be a positive number")
        if not (self.timesteps and self.scales and self.variants):
            raise SparrowError("sweep: give at least one T, one threshold scale and one variant")
        for name, values in (("T", self.timesteps), ("threshold scales", self.scales),
                             ("variants", self.variants)):
            if len(set(values)) != len(values):
                raise SparrowError(f"sweep: {name} repeat a value: {list(values)}")

    @property
    def points(self) -> list[SweepPoint]:
        return [SweepPoint(v, t, s) for v in self.variants for t in self.timesteps
                for s in self.scales]


def point_model(base: Model, point: SweepPoint) -> Model:
    """``base`` at T = ``point.timesteps`` with every threshold scaled by ``point.scale``."""
    desc = base.to_dict()
    desc["timesteps"] = point.timesteps
    desc["name"] = f"{base.name}_{point.variant}_t{point.timesteps}_s" + \
        f"{point.scale:g}".replace(".", "p")
    for layer in desc["layers"]:
        if "theta" in layer:
            theta = layer["theta"]
            scaled = [max(1, round(t * point.scale))
                      for t in (theta if isinstance(theta, list) else [theta])]
            layer["theta"] = scaled if isinstance(theta, list) else scaled[0]
    return model_from_dict(desc, base.weights_dict(), source=f"{base.source or base.name} "
                           f"({point.name})")


def available_variants() -> tuple[str, ...]:
    """The variants this generator builds."""
    has_if = "variant" in FlowOptions.__dataclass_fields__
    return tuple(v for v in VARIANTS if v != "if" or has_if)


def point_options(options: FlowOptions, point: SweepPoint) -> FlowOptions:
    """The flow options of a point: its variant's schedule."""
    if point.variant not in available_variants():
        raise SparrowError(f"sweep: this generator builds no {point.variant!r} core; sweep "
                           f"the variants {', '.join(available_variants())}")
    if point.variant == "if":
        return replace(options, variant="if", zero_skip=True)
    return replace(options, zero_skip=point.variant == "ssf")


def run_point(spec_json: str, point_json: str, out_dir: str, x_path: str,
              described: str) -> dict:
    """Measure one point (a Dask task: plain arguments, a plain result). Writes the point's
    ``result.json`` last, so a point is either done or redone."""
    spec = spec_from_json(spec_json)
    point = SweepPoint(**json.loads(point_json))
    folder = Path(out_dir) / "points" / point.name
    result_path = folder / "result.json"
    if result_path.is_file():
        return json.loads(result_path.read_text())
    base = load_model(spec.descriptor)
    model = point_model(base, point)
    descriptor = save_model(model, folder / "model.toml")
    x = np.load(x_path, allow_pickle=False)
    golden = run(model, x, lanes=spec.options.lanes)
    t0 = time.perf_counter()
    state = run_flow(descriptor, folder / "run", x, point_options(spec.options, point),
                     inputs_described=described, progress=Progress(io.StringIO()))
    result = {"point": asdict(point), "name": point.name,
              "spike_rate": float(np.mean(golden.spike_rate)),
              "seconds": time.perf_counter() - t0,
              "metrics": {k: state.metrics.get(k) for k in RESULT_METRICS}}
    atomic_write_text(result_path, json.dumps(result, indent=1) + "\n")
    return result


def _spec_to_json(spec: SweepSpec) -> str:
    return json.dumps({"descriptor": str(Path(spec.descriptor).resolve()),
                       "timesteps": list(spec.timesteps), "scales": list(spec.scales),
                       "variants": list(spec.variants), "options": asdict(spec.options)})


def spec_from_json(text: str) -> SweepSpec:
    d = json.loads(text)
    return SweepSpec(Path(d["descriptor"]), tuple(d["timesteps"]), tuple(d["scales"]),
                     tuple(d["variants"]), FlowOptions(**d["options"]))


def run_sweep(spec: SweepSpec, out_dir: str | os.PathLike, x: np.ndarray, *,
              inputs_described: str, scheduler: str | None = None, workers: int = 2,
              progress: Callable[[str], None] | None = None) -> list[dict]:
    """Measure every point of ``spec`` on inputs ``x`` on a Dask cluster (``scheduler``: the
    address of a running one; default a local cluster of ``workers`` processes); return the
    results in point order. Finished points are not run again."""
    from dask.distributed import Client, LocalCluster, as_completed

    say = progress or (lambda line: None)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    spec_json = _spec_to_json(spec)
    manifest = out / "sweep.json"
    if manifest.is_file() and json.loads(manifest.read_text())["spec"] != json.loads(spec_json):
        raise SparrowError(f"sweep folder {out} holds another sweep (its sweep.json differs); "
                           "choose another folder with --out")
    atomic_write_text(manifest, json.dumps({"spec": json.loads(spec_json),
                                            "inputs": inputs_described}, indent=1) + "\n")
    x_path = out / "inputs.npy"
    np.save(x_path, np.ascontiguousarray(x, dtype=np.int64))
    points = spec.points
    done = {p.name for p in points if (out / "points" / p.name / "result.json").is_file()}
    say(f"sweep: {len(points)} points, {len(done)} already measured, in {out}")
    cluster = None if scheduler else LocalCluster(n_workers=workers, threads_per_worker=1,
                                                  processes=True, dashboard_address=None)
    results: dict[str, dict] = {}
    try:
        with Client(scheduler or cluster) as client:
            futures = {client.submit(run_point, spec_json, json.dumps(asdict(p)), str(out),
                                     str(x_path), inputs_described, key=f"sparrow-{p.name}",
                                     pure=False): p for p in points}
            for k, future in enumerate(as_completed(futures), 1):
                point = futures[future]
                try:
                    results[point.name] = future.result()
                except SparrowError as e:
                    raise SparrowError(f"sweep point {point.name}: {e}") from None
                m = results[point.name]["metrics"]
                say(f"[{k}/{len(points)}] {point.name}: {m['inference__energy'] * 1e9:.1f} nJ "
                    f"per inference, spike rate {results[point.name]['spike_rate']:.2%}")
    finally:
        if cluster is not None:
            cluster.close()
    ordered = [results[p.name] for p in points]
    write_tables(out, ordered)
    return ordered


def write_tables(out: Path, results: Sequence[dict]) -> tuple[Path, Path]:
    """``results.md`` (a table with units) and ``results.json`` of a finished sweep."""
    lines = ["| variant | T | threshold scale | spike rate | energy (nJ) | cycles | weight reads "
             "| synops | area (mm²) | sign-off |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in results:
        p, m = r["point"], r["metrics"]
        lines.append(f"| {p['variant']} | {p['timesteps']} | {p['scale']:g} | "
                     f"{r['spike_rate']:.2%} | {m['inference__energy'] * 1e9:.1f} | "
                     f"{m['inference__cycles']} | {m['inference__weight_reads']} | "
                     f"{m['inference__synops']} | {m['design__instance__area'] / 1e6:.3f} | "
                     f"{'yes' if m['flow__signoff'] else 'NO'} |")
    table = atomic_write_text(out / "results.md", "\n".join(lines) + "\n")
    data = atomic_write_text(out / "results.json", json.dumps(list(results), indent=1) + "\n")
    return table, data
