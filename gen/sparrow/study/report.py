"""The study report of a sweep: measured energy over T and spike rate, the measured break-even
spike rate next to the paper's, the analytical model's error with calibrated constants, and the
estimated-vs-measured gains; with the library's characterized blocks, the model with those
bottom-up constants beside it. ``study.md``, ``study.html``, ``study.json``,
``calibrated-params.json`` (and ``characterized-params.json``) and plots, rendered in memory
and then written atomically."""

from __future__ import annotations

import json
from pathlib import Path

from ..estimate.params import PAPER_22NM, UNITS
from ..estimate.published import BREAK_EVEN_POINTS
from ..estimate.report import figure_png, pyplot
from ..estimate.terms import TERM_LABELS, TERM_NAMES
from ..estimate.twins import ESTIMATORS
from ..fileio import atomic_write_bytes, atomic_write_text
from ..report import (Figure, Figures, Heading, Paragraph, Table, render_html,
                      render_markdown)
from .characterize import BLOCK_OF_CONSTANT, BlockEnergy, characterized_params
from .measured import (CORE_WIDE, FITTED, ONE_CORE, TERM_OF_BLOCK, BreakEven,
                       PointComparison, StudyError, Sweep, calibrate, compare_points,
                       estimate_point, estimated_gains, measured_break_even,
                       model_break_even_at, params_file)

COLOURS = {"ssf": "#4c72b0", "qnn": "#dd8452", "if": "#55a868"}
PAPER_T5 = next(p.spike_rate for p in BREAK_EVEN_POINTS if p.timesteps == 5)


def _subplots(n: int, **kw):
    fig, axes = pyplot().subplots(1, n, figsize=(4.6 * n, 3.8), squeeze=False, **kw)
    return fig, axes[0]


def plot_energy(sweep: Sweep, rows: list[PointComparison]) -> bytes:
    """Measured energy per variant over the spike rate, one panel per T, with the calibrated
    model at the same points (dashed)."""
    ts = sorted({p.point.timesteps for p in sweep.points})
    fig, axes = _subplots(len(ts), sharey=True)
    model = {id(r.point): r.calibrated.total for r in rows}
    for ax, t in zip(axes, ts):
        for v in sweep.spec.variants:
            pts = sweep.at(v, t)
            if not pts:
                continue
            rates = [p.spike_rate * 100 for p in pts]
            ax.plot(rates, [p.energy * 1e9 for p in pts], "o-", color=COLOURS[v],
                    label=f"{v} measured")
            ax.plot(rates, [model[id(p)] * 1e9 for p in pts], "--", color=COLOURS[v],
                    alpha=0.6, label=f"{v} model (calibrated)")
        ax.set_yscale("log")
        ax.set_title(f"T = {t}")
        ax.set_xlabel("mean spike rate (%)")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("energy per inference (nJ)")
    axes[-1].legend(fontsize=7)
    return figure_png(fig)


def plot_ratio(breaks: list[BreakEven]) -> bytes:
    """E(twin) / E(qnn) over the spike rate, measured, with the break-even marked and the
    paper's T = 5 point for reference."""
    fig, axes = _subplots(1)
    ax = axes[0]
    for b in breaks:
        style = "o-" if b.twin == "if" else "s:"
        ax.plot([r * 100 for r, _ in b.ratios], [q for _, q in b.ratios], style,
                label=f"{b.twin}, T = {b.timesteps}")
        if b.rate is not None:
            ax.plot([b.rate * 100], [1.0], "kx", ms=9)
    ax.axhline(1.0, color="grey", lw=1)
    ax.axvline(PAPER_T5 * 100, color="grey", ls=":", label=f"paper, T = 5: {PAPER_T5:.1%}")
    ax.set_yscale("log")
    ax.set_xlabel("mean spike rate (%)")
    ax.set_ylabel("E(twin) / E(qnn), measured")
    ax.set_title("Spiking twin vs QNN twin (below 1: the twin saves)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    return figure_png(fig)


def plot_model_error(rows: list[PointComparison]) -> bytes:
    """Calibrated model vs measurement per point (fit points filled, held-out hollow)."""
    fig, axes = _subplots(1)
    ax = axes[0]
    for r in rows:
        v = r.point.point.variant
        ax.plot(r.point.energy * 1e9, r.calibrated.total * 1e9, "o", color=COLOURS[v],
                mfc=COLOURS[v] if r.fitted else "none")
    lo = min(min(r.point.energy, r.calibrated.total) for r in rows) * 1e9 * 0.8
    hi = max(max(r.point.energy, r.calibrated.total) for r in rows) * 1e9 * 1.25
    ax.plot([lo, hi], [lo, hi], color="grey", lw=1)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("measured energy per inference (nJ)")
    ax.set_ylabel("analytical model, calibrated (nJ)")
    ax.set_title("Model vs measurement (hollow: not used by the fit)")
    ax.grid(alpha=0.3)
    return figure_png(fig)


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x * 100:.2f} %"


def _model_break(x: float | None, twin: str = "if") -> str:
    """A model break-even rate of ``twin``: 0 means it costs more than the qnn twin even with
    no spike at all, 1 that it costs no more even at a spike every timestep."""
    if x == 0.0:
        return f"none ({twin} dearer even at 0 %)"
    return f"none ({twin} not dearer up to 100 %)" if x == 1.0 else _pct(x)


def _nj(x: float) -> str:
    return f"{x * 1e9:.2f}"


def _break_row(b: BreakEven, model_paper, model_cal) -> list[str]:
    if b.rate is not None:
        measured = f"{b.rate * 100:.2f} % (between {b.low * 100:.2f} and {b.high * 100:.2f} %)"
    elif b.verdict == "cheaper throughout":
        measured = f"above {b.high * 100:.2f} % (twin cheaper at every measured rate)"
    else:
        measured = f"below {b.low * 100:.2f} % (twin dearer at every measured rate)"
    return [b.twin, str(b.timesteps), measured, _model_break(model_cal, b.twin),
            _model_break(model_paper, b.twin)]


def error_summary(rows: list[PointComparison], fitted: bool) -> str:
    """How far the calibrated model lies from the points the fit saw (``fitted``) or did
    not: count, mean and largest relative error, or "none"."""
    errs = [abs(r.error) for r in rows if r.fitted == fitted]
    if not errs:
        return "none"
    return f"{len(errs)} points, mean |error| {sum(errs) / len(errs):.1%}, max {max(errs):.1%}"


def variant_errors(rows: list[PointComparison], model) -> list[list[str]]:
    """Per variant: points, mean and largest |estimated / measured - 1| of ``model(row)``
    (the estimate's total, J)."""
    out = []
    for v in sorted({r.point.point.variant for r in rows}):
        errs = [model(r) / r.point.energy - 1 for r in rows if r.point.point.variant == v]
        worst = max(errs, key=abs)
        out.append([v, str(len(errs)), f"{sum(map(abs, errs)) / len(errs):.1%}",
                    f"{worst:+.1%}"])
    return out


def term_errors(rows: list[PointComparison], model=lambda r: r.calibrated) -> list[dict]:
    """Per variant and term: the measured energy and the model's (``model(row)``, default
    the calibrated estimate, by term), summed over the variant's points (J), and the term's
    share of the variant's total error (model - measured over the measured total): where the
    model misses, term by term."""
    out = []
    for v in sorted({r.point.point.variant for r in rows}):
        mine = [r for r in rows if r.point.point.variant == v]
        measured_total = sum(r.point.energy for r in mine)
        for t in TERM_NAMES:
            measured = sum(getattr(r.point.terms, t) for r in mine)
            modelled = sum(getattr(model(r), t) for r in mine)
            out.append({"variant": v, "term": t, "measured_j": measured, "model_j": modelled,
                        "share_of_total": (modelled - measured) / measured_total})
    return out


TERM_HEADER = ["variant", "term", "measured (nJ)", "model (nJ)", "model / measured",
               "part of the error"]


def _term_row(e: dict) -> list[str]:
    ratio = f"{e['model_j'] / e['measured_j']:.2f}" if e["measured_j"] > 0 else "-"
    return [e["variant"], TERM_LABELS[e["term"]], _nj(e["measured_j"]), _nj(e["model_j"]),
            ratio, f"{e['share_of_total']:+.1%}"]


def _bottom_up(sweep: Sweep, rows: list[PointComparison], calibrated,
               blocks: dict[str, BlockEnergy], ts: list[int]) -> tuple[list, dict, object]:
    """The report section, data and parameter set of the model with characterized constants."""
    spec = sweep.spec
    name = f"{spec.options.library}-characterized"
    # Per-operation constants from the blocks; the core-wide ones fitted around them.
    params = calibrate([r.point for r in rows if r.fitted], name=name,
                       source=f"the sweep's fit points, per-operation constants held at their "
                       f"characterized values",
                       base=characterized_params(blocks, ONE_CORE, name=name),
                       fitted=CORE_WIDE)
    estimates = {id(r): estimate_point(r.point, params) for r in rows}
    totals = {k: e.total for k, e in estimates.items()}
    errors = variant_errors(rows, lambda r: totals[id(r)])
    by_term = term_errors(rows, lambda r: estimates[id(r)])
    models = {t: model_break_even_at(sweep, t, params) for t in ts}
    section = [
        Heading(2, "Bottom-up: constants from characterized blocks"),
        Paragraph(f"Small blocks with the core's widths, each through synthesis, design-rule "
                  "repair, gate-level simulation of random operands (the weight ROM read word "
                  "after word, as the controller walks a layer) and power on "
                  f"{spec.options.library} at {spec.options.clock_period_ns:g} ns "
                  "(`sparrow.study.characterize`): the model's per-operation constants measured "
                  "rather than fitted. The core-wide constants (neuron-state upkeep per synapse "
                  "and per neuron and step, fixed energy per inference, energy per cycle) are "
                  "fitted to the sweep's fit points with the per-operation ones held at their "
                  "characterized values; hops and QNN "
                  "sparsity are fixed as in the fit. Model break-even "
                  "with these constants: " + ", ".join(
                      f"T = {t}: {_model_break(models[t])}" for t in ts) + "."),
        Table(["constant", "characterized", "block", "fitted to the sweep", "paper 22 nm",
               "unit"],
              [[k, f"{getattr(params, k):.4g}", BLOCK_OF_CONSTANT[k],
                f"{getattr(calibrated, k):.4g}", f"{getattr(PAPER_22NM, k):.4g}", UNITS[k]]
               for k in BLOCK_OF_CONSTANT]),
        Paragraph("The model's error per variant over every measured point (estimated / "
                  "measured - 1), with the fitted and with the characterized constants:"),
        Table(["variant", "points", "fitted: mean |error|", "fitted: worst",
               "characterized: mean |error|", "characterized: worst"],
              [a + b[2:] for a, b in zip(variant_errors(rows, lambda r: r.calibrated.total),
                                         errors)]),
        Paragraph("Term by term with the characterized constants (as above):"),
        Table(TERM_HEADER, [_term_row(e) for e in by_term]),
    ]
    data = {"blocks": {k: v.__dict__ for k, v in blocks.items()},
            "model_break_even": {str(t): models[t] for t in ts},
            "points": {r.point.point.name: totals[id(r)] for r in rows},
            "variant_errors": errors, "term_errors": by_term}
    return section, data, params


def study(sweep: Sweep, fit_timesteps: set[int] | None = None,
          characterization: dict[str, BlockEnergy] | None = None) -> dict:
    """Everything the report shows, as plain data plus the rendered files (name -> content).
    ``characterization``: the library's characterized blocks (``characterize``), for the
    bottom-up model beside the fitted one."""
    ts = sorted({p.point.timesteps for p in sweep.points})
    fit_ts = set(fit_timesteps) if fit_timesteps else {ts[0]}
    unknown = fit_ts - set(ts)
    if unknown:
        raise StudyError(f"--fit-timesteps {sorted(unknown)}: no measured point at that T "
                         f"(measured: {ts})")
    fit_points = [p for p in sweep.points if p.point.timesteps in fit_ts]
    spec = sweep.spec
    setup = (f"{spec.descriptor.name}, {spec.options.library}, {spec.options.lanes} lanes, "
             f"{spec.options.clock_period_ns:g} ns clock")
    calibrated = calibrate(fit_points, name=f"{spec.options.library}-calibrated",
                           source=f"{setup}, T = {sorted(fit_ts)}")
    rows = compare_points(sweep, calibrated, fit_ts)
    breaks = [b for t in ts for twin in ("if", "ssf") if twin in spec.variants
              and (b := measured_break_even(sweep, twin, t)) is not None]
    models = {(b.twin, b.timesteps): (model_break_even_at(sweep, b.timesteps, PAPER_22NM, b.twin),
                                      model_break_even_at(sweep, b.timesteps, calibrated, b.twin))
              for b in breaks}
    qnn = {(p.point.timesteps, p.point.scale): p for p in sweep.points
           if p.point.variant == "qnn"}
    gains = [(p, estimated_gains(p, qnn[(p.point.timesteps, p.point.scale)], calibrated))
             for p in sweep.points if p.point.variant != "qnn"
             and (p.point.timesteps, p.point.scale) in qnn]

    bottom_up, bottom_up_data, characterized = ([], None, None) if characterization is None \
        else _bottom_up(sweep, rows, calibrated, characterization, ts)
    by_term = term_errors(rows)
    unsigned = [p.point.name for p in sweep.points if not p.signoff]
    blocks = [Heading(1, f"Energy study: {spec.descriptor.name} on {spec.options.library}")]
    if unsigned:
        blocks.append(Paragraph(f"NOT A SIGN-OFF RESULT: {len(unsigned)} point(s) did not pass "
                                f"sign-off ({', '.join(unsigned)}); their energies are not "
                                "physical figures.", lead=True))
    blocks += [
        Paragraph(f"{len(sweep.points)} measured point(s) of {len(spec.points)}"
                  + (f" ({len(sweep.missing)} not measured yet: {', '.join(sweep.missing)})"
                     if sweep.missing else "")
                  + f". Every point is a whole `sparrow flow` run (synthesis, design-rule "
                  f"repair, sign-off timing, zero-delay gate-level activity of the sweep's "
                  f"inputs, power): {setup}. Inputs: {sweep.inputs}. "
                  "Spike rates are the golden model's spikes per neuron per timestep; energies "
                  "are J per inference, shown in nJ."),
        Heading(2, "Measured break-even spike rate"),
        Paragraph("Where a spiking twin's measured energy equals the qnn twin's (interpolated "
                  "between the two measured rates either side: that interval is the "
                  "uncertainty). The model columns give the analytical model's break-even for "
                  "this network (its spike-count layers' activity scaled), with the calibrated "
                  f"and with the paper's constants. The paper's own figure for its generic layer "
                  f"(8-bit weights, fan-in 4096) is {PAPER_T5:.1%} at T = 5 and about 6.4 % over "
                  "T = 5..10."),
        Table(["twin", "T", "measured break-even", "model, calibrated", "model, paper 22 nm"],
              [_break_row(b, *models[(b.twin, b.timesteps)]) for b in breaks]),
        Figures((Figure("ratio.png", "Measured E(twin) / E(qnn) over the spike rate"),)),
        Heading(2, "Measured energy per point"),
        Table(["point", "variant", "T", "spike rate", "measured (nJ)", "cycles"]
              + [f"{TERM_LABELS[t]} (nJ)" for t in TERM_NAMES]
              + ["model, calibrated (nJ)", "error", "fit", "model, paper 22 nm (nJ)", "sign-off"],
              [[r.point.point.name, r.point.point.variant, str(r.point.point.timesteps),
                _pct(r.point.spike_rate), _nj(r.point.energy), str(r.point.cycles)]
               + [_nj(getattr(r.point.terms, t)) for t in TERM_NAMES]
               + [_nj(r.calibrated.total), f"{r.error:+.1%}", "yes" if r.fitted else "no",
                  _nj(r.paper.total), "yes" if r.point.signoff else "NO"] for r in rows]),
        Figures((Figure("energy.png", "Measured energy per variant over the spike rate"),)),
        Heading(2, "The analytical model against the measurements"),
        Paragraph(f"Constants fitted to the points at T = {sorted(fit_ts)} (measured block "
                  "energies mapped onto the model's terms: "
                  + "; ".join(f"{b} -> {TERM_LABELS[t]}" for b, t in TERM_OF_BLOCK.items())
                  + f"). Fit points: {error_summary(rows, True)}. Held-out points: "
                  f"{error_summary(rows, False)}. Its leakage/clock term is a fixed energy per "
                  "inference plus an energy per cycle times the twin's cycles from the hardware "
                  "schedule: one constant for the three cores, whose clock trees differ."),
        Figures((Figure("model_error.png", "Calibrated model vs measurement per point"),)),
        Table(["constant", "calibrated", "paper 22 nm", "unit"],
              [[k, f"{getattr(calibrated, k):.4g}", f"{getattr(PAPER_22NM, k):.4g}", UNITS[k]]
               for k in FITTED + ("k_hop", "qnn_sparsity")]),
        Paragraph("Term by term, summed over each variant's points: the measured energy of the "
                  "blocks mapped onto the term, the calibrated model's, their ratio, and the "
                  "term's part of the variant's error (model - measured, over the variant's "
                  "measured total): the terms with the largest parts are where the model "
                  "misses."),
        Table(TERM_HEADER, [_term_row(e) for e in by_term]),
        *bottom_up,
        Heading(2, "Estimated vs measured gain over the QNN twin"),
        Paragraph("E(qnn) / E(twin) at the same T and threshold scale: above 1 the spiking twin "
                  "saves. 'naive' is the usual FLOPs x T x (1 - sparsity) x E_AC claim; "
                  "'analytical' uses the calibrated constants; 'sata' and 'spikesim' are the "
                  "published platforms' models (after arXiv 2309.03388)."),
        Table(["point", "spike rate", "measured"] + list(ESTIMATORS),
              [[p.point.name, _pct(p.spike_rate)] + [f"{g['measured']:.3g}x"]
               + [f"{g[e]:.3g}x" for e in ESTIMATORS] for p, g in gains]),
    ]
    data = {
        "sweep": str(sweep.folder), "measured_points": len(sweep.points),
        "missing_points": list(sweep.missing), "fit_timesteps": sorted(fit_ts),
        "break_even": [{"twin": b.twin, "timesteps": b.timesteps, "rate": b.rate,
                        "low": b.low, "high": b.high, "verdict": b.verdict,
                        "ratios": [list(r) for r in b.ratios],
                        "model_paper": models[(b.twin, b.timesteps)][0],
                        "model_calibrated": models[(b.twin, b.timesteps)][1]} for b in breaks],
        "points": [{"name": r.point.point.name, "spike_rate": r.point.spike_rate,
                    "measured_j": r.point.energy,
                    "measured_terms_j": r.point.terms.to_dict(),
                    "calibrated_j": r.calibrated.to_dict(), "paper_j": r.paper.to_dict(),
                    "error": r.error, "fitted": r.fitted, "cycles": r.point.cycles,
                    "signoff": r.point.signoff} for r in rows],
        "gains": [{"name": p.point.name, **g} for p, g in gains],
        "term_errors": by_term,
        "characterized": bottom_up_data,
        "units": "J per inference; spike rates in spikes per neuron per timestep",
    }
    files: dict[str, bytes | str] = {
        "ratio.png": plot_ratio(breaks),
        "energy.png": plot_energy(sweep, rows),
        "model_error.png": plot_model_error(rows),
        "calibrated-params.json": params_file(calibrated),
        "study.json": json.dumps(data, indent=1) + "\n",
        "study.html": render_html(blocks, f"Energy study: {spec.descriptor.name}"),
        "study.md": render_markdown(blocks),
    }
    if characterized is not None:
        files["characterized-params.json"] = params_file(characterized)
    return {"data": data, "files": files, "breaks": breaks, "rows": rows,
            "calibrated": calibrated}


def write_study(sweep: Sweep, out_dir: str | Path, fit_timesteps: set[int] | None = None,
                characterization: dict[str, BlockEnergy] | None = None) -> dict:
    """Render the study of ``sweep`` and write its files into ``out_dir`` (nothing is written
    if rendering fails). Returns what :func:`study` returns."""
    result = study(sweep, fit_timesteps, characterization)
    out = Path(out_dir)
    for name, content in result["files"].items():
        if isinstance(content, bytes):
            atomic_write_bytes(out / name, content)
        else:
            atomic_write_text(out / name, content)
    return result
