"""The measured side of the energy study: a sweep's points (every one a signed-off gate-level
measurement) against the analytical model of arXiv 2409.08290.

Three results come out of a finished sweep folder (:func:`load_sweep`):

* the **measured break-even spike rate** per T (:func:`measured_break_even`): the mean spike
  rate at which a spiking twin costs what the qnn twin costs, interpolated between the two
  measured rates that bracket the crossing (the bracket is its uncertainty);
* **calibrated constants** (:func:`calibrate`): the analytical model's constants fitted to the
  measured energies of the sweep's own runs, term by term (the flow's energy by block mapped
  onto the model's terms, :data:`TERM_OF_BLOCK`), by bounded least squares on errors relative
  to each point's energy; written as a parameters file that ``sparrow energy --params`` reads;
* the **model's error** (:func:`compare_points`): per point, the measured energy against the
  model with the paper's 22 nm constants (a different node: only the shape is comparable) and
  with the calibrated constants, on the points the fit saw and on the points it did not.

Energies are in J per inference; spike rates are spikes per neuron per timestep (0..1).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..errors import SparrowError
from ..estimate.cycles import TwinCycles, twin_cycles
from ..estimate.model_estimate import model_break_even
from ..estimate.params import PAPER_22NM, UNITS, EnergyParams
from ..estimate.terms import TERM_NAMES, EnergyTerms
from ..estimate.twins import ESTIMATORS, estimate_twin
from ..estimate.workload import LayerWork, model_work
from ..model import load_model, run
from .sweep import SweepPoint, SweepSpec, spec_from_json

TERM_OF_BLOCK = {
    "lanes": "compute", "neurons": "compute", "argmax": "compute",
    "weight buffer": "weight_reads",
    "activation buffers": "movement", "input buffer": "movement", "aux buffer": "movement",
    "membranes": "neuron_state",
    "controller": "fixed", "clock tree": "fixed", "clock gates": "fixed", "other": "fixed",
}
"""Which analytical term a measured block's energy counts as. The lanes (multiply-accumulate),
the fire units (compare, subtract, quantize) and the argmax are arithmetic; the activation,
input and aux buffers move activations; the IF core's membrane memory is the neuron state;
the controller, the clock network and the glue cells run whatever the data are. Every block
carries its own leakage."""

BLOCK_PREFIX = "inference__energy__block:"

FITTED = ("e_acc", "mac_scale", "e_cmp", "e_sub", "e_weight_bit", "e_sparse_hop",
          "e_dense_hop", "e_state_synapse", "e_state_step", "e_fixed", "e_cycle")
"""The constants :func:`calibrate` fits by default; ``k_hop`` is fixed at 1 (one core: a hop
is one buffer access) and ``qnn_sparsity`` at 0 (Sparrow's twins skip by their measured
zeros)."""

CORE_WIDE = ("e_state_synapse", "e_state_step", "e_fixed", "e_cycle")
"""The constants no block can be characterized for (they belong to the whole core): fitted
beside characterized per-operation constants."""


class StudyError(SparrowError):
    """A sweep folder cannot be studied; the message names the file and the problem."""


@dataclass(frozen=True)
class MeasuredPoint:
    """One measured sweep point, with the golden-model work of its model on the sweep's
    inputs (what the estimators need)."""

    point: SweepPoint
    spike_rate: float                 # spikes per neuron per timestep, golden model
    energy: float                     # J per inference, measured
    terms: EnergyTerms                # the same, by term (TERM_OF_BLOCK)
    cycles: int                       # the core's cycle counter, last inference
    signoff: bool
    works: tuple[LayerWork, ...]
    twin_cycles: dict[str, TwinCycles | None]   # every twin's core on this point's model

    @property
    def spiking_works(self) -> list[LayerWork]:
        """The layers whose inputs are spike counts (the ANN input layer left out)."""
        return [w for w in self.works if w.input_bits is None]


@dataclass(frozen=True)
class Sweep:
    """A sweep folder read back: its spec, its measured points (in spec order), the points
    not measured yet, and how its inputs were described."""

    folder: Path
    spec: SweepSpec
    points: tuple[MeasuredPoint, ...]
    missing: tuple[str, ...]
    inputs: str

    def at(self, variant: str, timesteps: int) -> list[MeasuredPoint]:
        """The measured points of one variant at one T, by ascending spike rate."""
        return sorted((p for p in self.points if p.point.variant == variant
                       and p.point.timesteps == timesteps), key=lambda p: p.spike_rate)


def measured_terms(metrics: dict, where: str) -> EnergyTerms:
    """A run's energy per inference by block (``metrics.json``) summed into the model's terms
    (J). Blocks the mapping does not know are an error, not a silent 'fixed'."""
    sums = dict.fromkeys(TERM_NAMES, 0.0)
    for key, value in metrics.items():
        if not key.startswith(BLOCK_PREFIX):
            continue
        block = key[len(BLOCK_PREFIX):]
        if block not in TERM_OF_BLOCK:
            raise StudyError(f"{where}: block {block!r} has no term in "
                             "sparrow.study.measured.TERM_OF_BLOCK")
        sums[TERM_OF_BLOCK[block]] += float(value)
    return EnergyTerms(**sums)


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise StudyError(f"{path}: missing") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise StudyError(f"{path}: not valid JSON ({e})") from None


def load_sweep(folder: str | Path) -> Sweep:
    """Read a sweep folder written by :func:`sparrow.study.sweep.run_sweep`: every point with a
    ``result.json`` counts as measured; the others are listed as missing."""
    folder = Path(folder)
    manifest = _read_json(folder / "sweep.json")
    try:
        spec = spec_from_json(json.dumps(manifest["spec"]))
    except (KeyError, TypeError) as e:
        raise StudyError(f"{folder / 'sweep.json'}: not a sweep manifest ({e})") from None
    inputs_path = folder / "inputs.npy"
    try:
        x = np.load(inputs_path, allow_pickle=False)
    except (OSError, ValueError) as e:
        raise StudyError(f"{inputs_path}: cannot read the sweep's inputs ({e})") from None
    points, missing = [], []
    for point in spec.points:
        point_dir = folder / "points" / point.name
        if not (point_dir / "result.json").is_file():
            missing.append(point.name)
            continue
        result = _read_json(point_dir / "result.json")
        metrics = _read_json(point_dir / "run" / "metrics.json").get("metrics", {})
        model = load_model(point_dir / "model.toml")
        golden = run(model, x)
        cycles = twin_cycles(model, x, golden, lanes=spec.options.lanes)
        points.append(MeasuredPoint(
            point=point, spike_rate=float(result["spike_rate"]),
            energy=float(metrics["inference__energy"]),
            terms=measured_terms(metrics, str(point_dir / "run" / "metrics.json")),
            cycles=int(metrics["inference__cycles"]), signoff=bool(metrics["flow__signoff"]),
            works=tuple(model_work(model, golden)), twin_cycles=cycles))
    if not points:
        raise StudyError(f"{folder}: no measured point yet (run sparrow sweep first)")
    return Sweep(folder, spec, tuple(points), tuple(missing),
                 str(manifest.get("inputs", "")))


@dataclass(frozen=True)
class BreakEven:
    """Where a spiking twin's measured energy crosses the qnn twin's at one T.

    ``rate``: the interpolated crossing (None when the measured rates do not bracket one);
    ``low``/``high``: the measured rates either side of it (its uncertainty). Without a
    crossing, ``verdict`` says which way the twin lies over the whole measured range
    (``low``..``high`` is then that range)."""

    twin: str
    timesteps: int
    rate: float | None
    low: float
    high: float
    verdict: str           # "crossing", "cheaper throughout", "dearer throughout"
    ratios: tuple[tuple[float, float], ...]   # (spike rate, E_twin / E_qnn), ascending rate


def measured_break_even(sweep: Sweep, twin: str, timesteps: int) -> BreakEven | None:
    """The measured break-even of ``twin`` against ``qnn`` at T = ``timesteps``, from the
    points both have (same threshold scale, hence same model and spike rate); None without
    such points. The crossing is interpolated linearly in the spike rate on log(ratio)."""
    qnn = {p.point.scale: p for p in sweep.at("qnn", timesteps)}
    pairs = sorted((p.spike_rate, p.energy / qnn[p.point.scale].energy)
                   for p in sweep.at(twin, timesteps) if p.point.scale in qnn)
    if not pairs:
        return None
    for (r0, q0), (r1, q1) in zip(pairs, pairs[1:]):
        if (q0 - 1) * (q1 - 1) <= 0 and q0 != q1:
            a, b = math.log(q0), math.log(q1)
            rate = r0 + (r1 - r0) * (0 - a) / (b - a)
            return BreakEven(twin, timesteps, rate, r0, r1, "crossing", tuple(pairs))
    verdict = "cheaper throughout" if pairs[0][1] < 1 else "dearer throughout"
    return BreakEven(twin, timesteps, None, pairs[0][0], pairs[-1][0], verdict, tuple(pairs))


def estimate_point(p: MeasuredPoint, params: EnergyParams, estimator: str = "analytical"):
    """The estimate of a measured point's own twin (J per inference, by term), its
    per-cycle term on the point's mean cycles per inference (the schedule's, which every
    testbench checks the core's cycle counter against, inference by inference)."""
    own = p.twin_cycles[p.point.variant]
    return estimate_twin(list(p.works), p.point.variant, estimator, p.point.timesteps,
                         params, None if own is None else own.measured).total


ONE_CORE = replace(PAPER_22NM, name="one-core", k_hop=1.0, qnn_sparsity=0.0,
                   sources={**PAPER_22NM.sources,
                            "k_hop": "fixed at 1: one core, a hop is one buffer access",
                            "qnn_sparsity": "fixed at 0: Sparrow's twins skip by their "
                                            "measured zero counts"})
"""The base of a calibration: the constants a Sparrow core fixes rather than fits."""


def calibrate(points: list[MeasuredPoint], *, name: str, source: str,
              base: EnergyParams = ONE_CORE, fitted: tuple[str, ...] = FITTED) -> EnergyParams:
    """The constants ``fitted`` (default :data:`FITTED`; the others from ``base``) that best
    reproduce the measured energies of ``points`` term by term: bounded (non-negative) least
    squares over every (point, term) pair, each error relative to the point's measured
    energy. ``source`` says where the measurements came from (it becomes each fitted
    constant's source)."""
    from scipy.optimize import least_squares
    if not points:
        raise StudyError("calibration needs at least one measured point")

    def with_values(values) -> EnergyParams:
        return replace(base, name=name, **dict(zip(fitted, (float(v) for v in values))))

    def residuals(values):
        params = with_values(values)
        out = []
        for p in points:
            est = estimate_point(p, params)
            out += [(getattr(est, t) - getattr(p.terms, t)) / p.energy for t in TERM_NAMES]
        return np.asarray(out)

    # Start from a flat 1 pJ per operation (the 22 nm values are 20-50x too small at 0.18 um).
    fit = least_squares(residuals, np.ones(len(fitted)), bounds=(0.0, np.inf), x_scale="jac",
                        ftol=1e-12, xtol=1e-12, gtol=1e-12)
    sources = dict(base.sources)
    sources.update({k: f"fitted to {len(points)} measured sweep point(s): {source}"
                    for k in fitted})
    return replace(with_values(fit.x), sources=sources)


def params_file(params: EnergyParams) -> str:
    """``params`` as a parameters file (JSON) that :func:`sparrow.estimate.params.load_params`
    reads back."""
    d = params.to_dict()
    for k in UNITS:
        d["constants"][k]["source"] = params.sources.get(k) or "not stated"
    return json.dumps(d, indent=1) + "\n"


@dataclass(frozen=True)
class PointComparison:
    """One point: measured energy against the analytical model (paper and calibrated
    constants), and whether the calibration saw it."""

    point: MeasuredPoint
    paper: EnergyTerms
    calibrated: EnergyTerms
    fitted: bool

    @property
    def error(self) -> float:
        """Calibrated model's relative error: estimated / measured - 1."""
        return self.calibrated.total / self.point.energy - 1


def compare_points(sweep: Sweep, calibrated: EnergyParams,
                   fit_timesteps: set[int]) -> list[PointComparison]:
    """Every measured point against the model with the paper's and the calibrated constants."""
    return [PointComparison(p, estimate_point(p, PAPER_22NM), estimate_point(p, calibrated),
                            p.point.timesteps in fit_timesteps) for p in sweep.points]


def model_break_even_at(sweep: Sweep, timesteps: int, params: EnergyParams,
                        twin: str = "if") -> float | None:
    """The analytical model's break-even (``twin`` vs qnn) for the sweep's model at T, scaling
    the activity of the measured point closest to it (the base threshold scale when swept)."""
    candidates = sweep.at(twin, timesteps) or sweep.at("qnn", timesteps)
    if not candidates:
        return None
    p = min(candidates, key=lambda c: abs(math.log(c.point.scale)))
    return model_break_even(p.spiking_works, timesteps, p.spike_rate, params, p.twin_cycles,
                            twin)


def estimated_gains(p: MeasuredPoint, qnn: MeasuredPoint, params: EnergyParams) -> dict:
    """E(qnn) / E(twin) for the twin of ``p``: measured, and by every estimator (the
    analytical one with ``params``), in the style of arXiv 2309.03388's "estimated vs
    actual" comparison."""
    gains = {"measured": qnn.energy / p.energy}
    for est in ESTIMATORS:
        gains[est] = estimate_point(qnn, params, est).total / estimate_point(p, params, est).total
    return gains
