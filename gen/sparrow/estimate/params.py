"""Per-operation energy constants of the analytical SNN/QNN model, and calibrated sets.

Two kinds of parameter set:

* :data:`PAPER_22NM`: the "typical neuromorphic hardware" constants of Yan, Bai, Wong,
  arXiv 2409.08290 (22 nm), completed by the constants this reconstruction had to infer
  (see :mod:`sparrow.estimate.analytical` for how each was pinned down).
* a calibrated set read from a file (:func:`load_params`): per-operation energies measured
  on a library (by characterization runs), each with its unit and source.

Parameters file format (TOML; JSON with the same structure is accepted)::

    format = 2
    name = "osu018-measured"          # [A-Za-z0-9_.-]+, shown in reports
    description = "..."               # optional

    [constants.e_acc]                 # one table per constant, all thirteen required
    value = 0.81
    unit = "pJ"                       # must be the unit listed below
    source = "16-bit ripple adder, OSU 0.18 um TT 1.8 V, gate-level run 2026-11-30"

Constants (unit; meaning):

====================  ================  ==================================================
``e_acc``             pJ                one accumulate (add into a partial sum)
``e_cmp``             pJ                one threshold compare
``e_sub``             pJ                one subtract (reset by subtraction)
``mac_scale``         1                 multiplier size factor: a b-bit x w-bit MAC costs
                                        ``e_acc * (1 + mac_scale * b * w / 64)``
``e_weight_bit``      pJ/bit            reading one weight bit from the weight memory
``e_sparse_hop``      pJ/spike/hop      moving one spike event one hop
``e_dense_hop``       pJ/bit/hop        moving one bit of a dense activation one hop
``k_hop``             hops              hops per synaptic delivery (0 for one core with
                                        no network)
``e_state_synapse``   pJ/synapse        neuron-state upkeep of a multi-timestep (T > 1)
                                        SNN, per synapse and inference
``e_state_step``      pJ/neuron/step    a per-timestep SNN's membrane read-modify-write,
                                        per neuron and timestep (0 in the paper's model)
``qnn_sparsity``      1                 fraction of zero QNN activations that the paper's
                                        generic QNN skips (gamma); Sparrow's twins use their
                                        own (measured) zero fractions instead
``e_fixed``           pJ/inference      leakage and ungated clock over one inference window
``e_cycle``           pJ/cycle          what a core pays per clock cycle of an inference
                                        whatever the data: clock network, controller,
                                        pipeline registers (0 in the paper's model)
====================  ================  ==================================================

A format 1 file (written before ``e_state_step`` and ``e_cycle`` existed) is read with both
at 0.

Errors (:class:`ParamsError`) name the file, the constant and the reason; a file is never
half-applied.
"""

from __future__ import annotations

import json
import math
import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import SparrowError


class ParamsError(SparrowError):
    """A parameters file (or a parameter value) is invalid; the message says which and why."""


UNITS = {
    "e_acc": "pJ",
    "e_cmp": "pJ",
    "e_sub": "pJ",
    "mac_scale": "1",
    "e_weight_bit": "pJ/bit",
    "e_sparse_hop": "pJ/spike/hop",
    "e_dense_hop": "pJ/bit/hop",
    "k_hop": "hops",
    "e_state_synapse": "pJ/synapse",
    "e_state_step": "pJ/neuron/step",
    "qnn_sparsity": "1",
    "e_fixed": "pJ/inference",
    "e_cycle": "pJ/cycle",
}
"""The unit each constant must be given in."""

PARAMS_FORMAT = 2
_FIRST_FORMAT = 1
_ADDED_IN_2 = ("e_state_step", "e_cycle")      # absent from format 1 files: read as 0
_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_TOP_KEYS = {"format", "name", "description", "constants"}
_CONSTANT_KEYS = {"value", "unit", "source"}


@dataclass(frozen=True)
class EnergyParams:
    """Constants of the analytical model (units in :data:`UNITS`) with their sources."""

    name: str
    e_acc: float
    e_cmp: float
    e_sub: float
    mac_scale: float
    e_weight_bit: float
    e_sparse_hop: float
    e_dense_hop: float
    k_hop: float
    e_state_synapse: float
    e_state_step: float
    qnn_sparsity: float
    e_fixed: float
    e_cycle: float
    sources: dict[str, str] = field(default_factory=dict, compare=False)

    def __post_init__(self):
        for name in UNITS:
            check_value(name, getattr(self, name))

    def e_mac(self, activation_bits: int, weight_bits: int) -> float:
        """Energy of one ``activation_bits`` x ``weight_bits`` multiply-accumulate (pJ)."""
        return self.e_acc * (1.0 + self.mac_scale * activation_bits * weight_bits / 64.0)

    def with_scaled(self, **factors: float) -> EnergyParams:
        """A copy with constants multiplied by factors (``e_weight_bit=1.5``), for sweeps."""
        unknown = sorted(set(factors) - set(UNITS))
        if unknown:
            raise ParamsError(f"unknown constant(s) {', '.join(unknown)}")
        return replace(self, name=f"{self.name} (scaled)",
                       **{k: getattr(self, k) * v for k, v in factors.items()})

    def to_dict(self) -> dict[str, Any]:
        """The file structure of :func:`load_params` (JSON-ready)."""
        return {"format": PARAMS_FORMAT, "name": self.name,
                "constants": {k: {"value": getattr(self, k), "unit": u,
                                  "source": self.sources.get(k, "")}
                              for k, u in UNITS.items()}}


def check_value(name: str, value: Any) -> float:
    """``value`` as a finite non-negative float (``qnn_sparsity`` below 1), else ParamsError."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ParamsError(f"{name}: expected a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ParamsError(f"{name}: expected a finite number, got {value}")
    if value < 0:
        raise ParamsError(f"{name}: energies and counts cannot be negative, got {value:g} "
                          f"{UNITS.get(name, '')}")
    if name == "qnn_sparsity" and value >= 1:
        raise ParamsError(f"{name}: a fraction of zero activations below 1, got {value:g}")
    return value


_PAPER = "arXiv 2409.08290 (Yan, Bai, Wong), typical neuromorphic hardware, 22 nm"
_INFERRED = ("inferred: fitted so the model reproduces the paper's published break-even "
             "points; see sparrow.estimate.analytical")

PAPER_22NM = EnergyParams(
    name="paper-22nm",
    e_acc=0.05448, e_cmp=0.05448, e_sub=0.05448,
    mac_scale=1.09,
    e_weight_bit=0.0138,
    e_sparse_hop=3.0, e_dense_hop=0.25,
    k_hop=0.21,
    e_state_synapse=0.039,
    e_state_step=0.0,
    qnn_sparsity=0.265,
    e_fixed=0.0,
    e_cycle=0.0,
    sources={
        "e_acc": _PAPER, "e_cmp": _PAPER, "e_sub": _PAPER,
        "e_sparse_hop": _PAPER, "e_dense_hop": _PAPER,
        "mac_scale": _INFERRED, "e_weight_bit": _INFERRED, "k_hop": _INFERRED,
        "e_state_synapse": _INFERRED, "qnn_sparsity": _INFERRED,
        "e_fixed": "not modelled by the paper (0)",
        "e_cycle": "not modelled by the paper (0)",
        "e_state_step": "not modelled by the paper (0)",
    },
)
"""The paper's 22 nm constants plus the inferred ones (values in :data:`UNITS`)."""

PARAM_SETS = {PAPER_22NM.name: PAPER_22NM}
"""Built-in parameter sets by name."""


def load_params(path: str | os.PathLike) -> EnergyParams:
    """Read a calibrated parameter set (format in the module docstring)."""
    path = Path(path)
    src = str(path)
    if not path.is_file():
        raise ParamsError(f"{src}: parameters file not found")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise ParamsError(f"{src}: not UTF-8 text (byte {e.start})") from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as e:
        raise ParamsError(f"{src}: not valid {'JSON' if path.suffix.lower() == '.json' else 'TOML'}"
                          f" ({e})") from None
    try:
        return params_from_dict(data)
    except ParamsError as e:
        raise ParamsError(f"{src}: {e}") from None


def params_from_dict(data: Any) -> EnergyParams:
    """Validate the parsed structure of a parameters file and build the set."""
    if not isinstance(data, dict):
        raise ParamsError("expected a table with format, name and constants")
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise ParamsError(f"unknown key(s) {', '.join(unknown)} (allowed: "
                          f"{', '.join(sorted(_TOP_KEYS))})")
    version = data.get("format")
    if version not in (PARAMS_FORMAT, _FIRST_FORMAT) or isinstance(version, bool):
        raise ParamsError(f"format: expected {PARAMS_FORMAT} (or {_FIRST_FORMAT}, without "
                          f"{' and '.join(_ADDED_IN_2)}), got {version!r}")
    required = {k: u for k, u in UNITS.items()
                if version == PARAMS_FORMAT or k not in _ADDED_IN_2}
    name = data.get("name")
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ParamsError(f"name: expected 1-64 characters of A-Z a-z 0-9 _ . -, got {name!r}")
    constants = data.get("constants")
    if not isinstance(constants, dict):
        raise ParamsError("constants: expected a table with one entry per constant")
    unknown = sorted(set(constants) - set(required))
    if unknown:
        raise ParamsError(f"constants: unknown constant(s) {', '.join(unknown)} (known in "
                          f"format {version}: {', '.join(required)})")
    missing = [k for k in required if k not in constants]
    if missing:
        raise ParamsError(f"constants: missing {', '.join(missing)} (every constant needs a "
                          "value, unit and source)")
    values: dict[str, float] = dict.fromkeys(_ADDED_IN_2, 0.0)
    sources = dict.fromkeys(_ADDED_IN_2, f"format {version} file: not in that format (0)")
    for key, unit in required.items():
        entry = constants[key]
        where = f"constants.{key}"
        if not isinstance(entry, dict):
            raise ParamsError(f"{where}: expected a table with value, unit and source")
        extra = sorted(set(entry) - _CONSTANT_KEYS)
        if extra:
            raise ParamsError(f"{where}: unknown key(s) {', '.join(extra)} (allowed: source, "
                              "unit, value)")
        lacking = [k for k in ("value", "unit", "source") if k not in entry]
        if lacking:
            raise ParamsError(f"{where}: missing {', '.join(lacking)}")
        if entry["unit"] != unit:
            raise ParamsError(f"{where}: unit must be {unit!r}, got {entry['unit']!r}")
        if not isinstance(entry["source"], str) or not entry["source"].strip():
            raise ParamsError(f"{where}: source must say where the number comes from")
        try:
            values[key] = check_value(key, entry["value"])
        except ParamsError as e:
            raise ParamsError(f"constants.{e}") from None
        sources[key] = entry["source"].strip()
    return EnergyParams(name=name, sources=sources, **values)


def resolve_params(name_or_path: str | None) -> EnergyParams:
    """A built-in set by name (default :data:`PAPER_22NM`) or a parameters file by path."""
    if name_or_path is None:
        return PAPER_22NM
    if name_or_path in PARAM_SETS:
        return PARAM_SETS[name_or_path]
    return load_params(name_or_path)

