"""Estimates side by side: claimed gains vs fuller models, and estimates vs measurements.

``gain_table``: in the style of Bhattacharjee et al. (arXiv 2309.03388, "estimated vs
actual"): the energy gain of each spiking twin over the QNN twin as the naive FLOPs estimate
claims it, and as the fuller models (analytical, SATA-style, SpikeSim-style) find it.

``measured_vs_estimated``: the function the measured side calls: measured energies per
inference per twin (plain dicts, J; a number or a dict of terms) against every estimate.
"""

from __future__ import annotations

import math

from ..errors import SparrowError
from .terms import TERM_NAMES
from .twins import ESTIMATORS, TWINS, TwinEstimate

SPIKING_TWINS = ("if", "ssf")


class MeasuredError(SparrowError):
    """Measured figures handed in are malformed; the message names the entry."""


def gain_table(estimates: dict[tuple[str, str], TwinEstimate]) -> list[dict]:
    """Per spiking twin: E(qnn) / E(twin) under each estimator (> 1: the twin saves)."""
    rows = []
    for twin in SPIKING_TWINS:
        row = {"twin": twin}
        for est in ESTIMATORS:
            row[est] = (estimates[("qnn", est)].total.total
                        / estimates[(twin, est)].total.total)
        rows.append(row)
    return rows


def _check_measured(measured: dict) -> dict[str, dict[str, float]]:
    if not isinstance(measured, dict) or not measured:
        raise MeasuredError("measured energies: expected a dict of twin -> J per inference")
    out = {}
    for twin, value in measured.items():
        if twin not in TWINS:
            raise MeasuredError(f"measured[{twin!r}]: unknown twin (one of {', '.join(TWINS)})")
        terms = value if isinstance(value, dict) else {"total": value}
        unknown = sorted(set(terms) - set(TERM_NAMES) - {"total"})
        if unknown:
            raise MeasuredError(f"measured[{twin!r}]: unknown term(s) {', '.join(unknown)} "
                                f"(terms: {', '.join(TERM_NAMES)}, total)")
        clean = {}
        for name, v in terms.items():
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) \
                    or v < 0:
                raise MeasuredError(f"measured[{twin!r}][{name!r}]: expected a non-negative "
                                    f"energy in J, got {v!r}")
            clean[name] = float(v)
        if "total" not in clean:
            clean["total"] = sum(clean.values())
        out[twin] = clean
    return out


def measured_vs_estimated(estimates: dict[tuple[str, str], TwinEstimate],
                          measured: dict) -> list[dict]:
    """One row per measured twin and estimator: estimated and measured J per inference, their
    ratio, and the same per term where the measurement has terms. ``measured`` maps a twin
    to J per inference, or to a dict of terms (``compute``, ``movement``, ... , ``total``)."""
    rows = []
    for twin, terms in _check_measured(measured).items():
        for est in ESTIMATORS:
            estimated = estimates[(twin, est)].total.to_dict()
            row = {"twin": twin, "estimator": est,
                   "estimated_j": estimated["total"], "measured_j": terms["total"],
                   "ratio": (estimated["total"] / terms["total"] if terms["total"]
                             else math.inf)}
            row["terms"] = {name: {"estimated_j": estimated[name], "measured_j": v}
                            for name, v in terms.items() if name != "total"}
            rows.append(row)
    return rows


def measured_gains(measured: dict) -> dict[str, float]:
    """E(qnn) / E(twin) from measured totals, for the spiking twins measured with the QNN."""
    m = _check_measured(measured)
    if "qnn" not in m:
        return {}
    return {twin: m["qnn"]["total"] / m[twin]["total"] for twin in SPIKING_TWINS
            if twin in m and m[twin]["total"] > 0}
