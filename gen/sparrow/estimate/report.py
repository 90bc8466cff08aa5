"""The estimate report: ``energy.md`` and ``energy.html`` with plots, written all at once.

Every file is rendered in memory first and then written atomically, so a failure leaves no
half-written report.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np

from ..fileio import atomic_write_bytes, atomic_write_text
# The run report's renderers take the same blocks: one markdown and one HTML writer.
from ..report import (Block, Figure, Figures, Heading, Paragraph, Table, render_html,
                      render_markdown)
from .analytical import break_even_spike_rate
from .battery import SMARTWATCH, case_lifetime_hours
from .compare import gain_table
from .model_estimate import ModelEstimate, twin_energy_at_rate
from .published import BREAK_EVEN_POINTS, MOVEMENT_CONSTANTS, PAPER_2409, WEIGHT_CONSTANTS
from .terms import TERM_LABELS, TERM_NAMES
from .twins import ESTIMATORS, TWINS, estimate_twin, works_at_timesteps

COLOURS = {"ssf": "#4c72b0", "qnn": "#dd8452", "if": "#55a868"}


def figure_png(fig) -> bytes:
    """A matplotlib figure as PNG bytes (closed afterwards)."""
    import matplotlib.pyplot as plt
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def pyplot():
    """matplotlib.pyplot on the Agg backend (no display needed)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def plot_energy_vs_timesteps(e: ModelEstimate) -> bytes:
    """Energy per inference of each twin over T (same spike rates), one panel per estimator."""
    plt = pyplot()
    ts = np.unique(np.concatenate([np.arange(1, 17), [24, 32, 48, 64, e.timesteps]]))
    fig, axes = plt.subplots(1, len(ESTIMATORS), figsize=(4 * len(ESTIMATORS), 3.4))
    for ax, est in zip(axes, ESTIMATORS):
        for twin in TWINS:
            ys = [estimate_twin(works_at_timesteps(list(e.works), e.timesteps, int(t)), twin,
                                est, int(t), e.params, e.cycles_at(twin, int(t))).total.total
                  for t in ts]
            ax.plot(ts, ys, marker=".", color=COLOURS[twin], label=twin)
        ax.axvline(e.timesteps, color="grey", lw=0.8, ls=":")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_title(est)
        ax.set_xlabel("T (timesteps)")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("energy per inference (J)")
    axes[0].legend()
    fig.suptitle(f"{e.model}: estimated energy per twin over T at the measured spike rates")
    return figure_png(fig)


def plot_energy_vs_spike_rate(e: ModelEstimate) -> bytes:
    """Energy per inference of each twin over the mean spike rate (analytical), the measured
    rate and the model's break-even marked."""
    plt = pyplot()
    rates = np.linspace(0.0025, min(1.0, max(0.5, 2 * e.spike_rate)), 60)
    fig, ax = plt.subplots(figsize=(6.5, 4))
    works = list(e.works)
    for twin in TWINS:
        ys = [twin_energy_at_rate(works, twin, "analytical", e.timesteps, e.params,
                                  r / e.spike_rate, (e.cycles or {}).get(twin))
              if e.spike_rate > 0 else np.nan
              for r in rates]
        ax.plot(rates * 100, ys, color=COLOURS[twin], label=twin)
    ax.axvline(e.spike_rate * 100, color="grey", ls=":", label="measured rate")
    if e.break_even_model is not None:
        ax.axvline(e.break_even_model * 100, color="black", ls="--", lw=0.8,
                   label="break-even (if = qnn)")
    ax.set_xlabel("mean spike rate s_r (%)")
    ax.set_ylabel("energy per inference (J)")
    ax.set_yscale("log")
    ax.set_title(f"{e.model}, T = {e.timesteps}: analytical model ({e.params.name})")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return figure_png(fig)


def plot_break_even(e: ModelEstimate) -> bytes:
    """Break-even spike rate of the paper's generic layer over T, with its published points."""
    plt = pyplot()
    ts = np.arange(1, 17)
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for bits, style in ((4, "-"), (8, "--")):
        ax.plot(ts, [break_even_spike_rate(int(t), bits, 4096, e.params) * 100 for t in ts],
                style, color="#4c72b0", label=f"model, {bits}-bit weights, fan-in 4096")
    nominal = [p for p in BREAK_EVEN_POINTS if p.movement_scale == p.weight_scale == 1]
    for p in nominal:
        ax.plot(p.timesteps, p.spike_rate * 100, "o" if p.weight_bits == 4 else "s",
                color="#c44e52", mfc="none" if p.fan_in != 4096 else "#c44e52")
    ax.plot([], [], "o", color="#c44e52", label="published, 4-bit (open: fan-in 64)")
    ax.plot([], [], "s", color="#c44e52", label="published, 8-bit")
    ax.set_xlabel("T (timesteps)")
    ax.set_ylabel("break-even spike rate (%)")
    ax.set_title(f"SNN vs QNN twin break-even ({PAPER_2409}; parameters {e.params.name})",
                 fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return figure_png(fig)


def plot_battery(e: ModelEstimate) -> bytes:
    """Smartwatch battery life over inference rate and rest-of-system power, per twin."""
    plt = pyplot()
    energies = {twin: e.get(twin, "analytical").total.total for twin in TWINS}
    rates = np.logspace(-1, 3, 60)
    bases = (SMARTWATCH.base_power_w, 100e-6, 1e-6)
    fig, axes = plt.subplots(1, len(bases), figsize=(13, 3.6), sharey=False)
    for ax, base in zip(axes, bases):
        for twin, energy in energies.items():
            days = [case_lifetime_hours(SMARTWATCH, energy, inference_rate_hz=r,
                                        base_power_w=base) / 24 for r in rates]
            ax.plot(rates, days, color=COLOURS[twin], label=twin)
        ax.axvline(SMARTWATCH.inference_rate_hz, color="grey", ls=":")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("inference rate (Hz)")
        ax.set_title(f"rest of system {base * 1e3:.4g} mW", fontsize=9)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("battery life (days)")
    axes[0].legend(fontsize=8)
    fig.suptitle(f"{SMARTWATCH.capacity_mah:g} mAh, {SMARTWATCH.voltage_v:g} V; classifier "
                 f"energy from the analytical estimate of {e.model}")
    return figure_png(fig)


def _fmt(v: float) -> str:
    return f"{v:.3e}"


def report_blocks(e: ModelEstimate) -> list[Block]:
    """The report as the run report's blocks (headings, paragraphs, tables, figures)."""
    blocks: list[Block] = [
        Heading(1, f"Energy estimates: {e.model}"),
        Paragraph(f"T = {e.timesteps}, {e.inferences} inference(s) through the golden model, "
                  f"measured mean spike rate {e.spike_rate * 100:.2f} % (spikes per neuron per "
                  f"timestep). Parameters: {e.params.name}. All energies are estimates in J per "
                  "inference, before any synthesis; measured figures come from `sparrow flow`."),
        Heading(2, "Per twin and estimator (J per inference)"),
        Table(["estimator", "twin", "total"] + [TERM_LABELS[n] for n in TERM_NAMES],
              [[est, twin, _fmt(e.get(twin, est).total.total)]
               + [_fmt(getattr(e.get(twin, est).total, n)) for n in TERM_NAMES]
               for est in ESTIMATORS for twin in TWINS]),
        Heading(2, "Claimed vs modelled gain over the QNN twin"),
        Paragraph("E(qnn) / E(twin): above 1 the spiking twin saves energy. The naive column is "
                  "what the usual FLOPs x T x (1 - sparsity) x E_AC estimate claims; the others "
                  "count memory, movement and neuron modules (after arXiv 2309.03388, which found "
                  "claimed 10-83x gains shrink to 1.3-25x on SATA and SpikeSim)."),
        Table(["twin"] + list(ESTIMATORS),
              [[r["twin"]] + [f"{r[est]:.3g}x" for est in ESTIMATORS] for r in gain_table(
                  e.estimates)]),
        Heading(2, "Break-even spike rate"),
        Paragraph("Below the break-even rate the per-timestep if twin costs less than the qnn "
                  "twin (analytical estimator). "
                  + ("This model has no spikes to scale. " if e.break_even_model is None else
                     f"For this model's layers: {e.break_even_model * 100:.2f} % "
                     f"(measured {e.spike_rate * 100:.2f} %). ")
                  + f"For the paper's generic layer (8-bit weights, fan-in 4096) at T = "
                    f"{e.timesteps}: {e.break_even_generic * 100:.2f} %."),
        Figures((Figure("breakeven.png", "Break-even over T, model vs published points"),)),
        Table(["published point", "published", "model"],
              [[p.label, f"{p.spike_rate * 100:.2f} %",
                f"{_point_model(p, e) * 100:.2f} %"] for p in BREAK_EVEN_POINTS]),
        Heading(2, "Energy over T and spike rate"),
        Figures((Figure("energy_vs_t.png", "Energy per twin over T"),)),
        Figures((Figure("energy_vs_rate.png", "Energy per twin over the mean spike rate"),)),
        Heading(2, "Battery life (smartwatch)"),
        Paragraph(f"lifetime = C x V / (P_base + f x E): {SMARTWATCH.capacity_mah:g} mAh, "
                  f"{SMARTWATCH.voltage_v:g} V, rest of system "
                  f"{SMARTWATCH.base_power_w * 1e3:.3g} mW, {SMARTWATCH.inference_rate_hz:g} "
                  "inferences/s. Sources: " + "; ".join(f"{k}: {v}" for k, v in
                                                        SMARTWATCH.sources.items())),
        Table(["twin", "E per inference (analytical)", "battery life (days)",
               "at 1 µW rest of system (days)"],
              [[twin, _fmt(e.get(twin, "analytical").total.total),
                f"{case_lifetime_hours(SMARTWATCH, e.get(twin, 'analytical').total.total) / 24:.4g}",
                f"{case_lifetime_hours(SMARTWATCH, e.get(twin, 'analytical').total.total, base_power_w=1e-6) / 24:.4g}"]
               for twin in TWINS]),
        Figures((Figure("battery.png",
                        "Battery life over inference rate and rest-of-system power"),)),
        Heading(2, "Parameters"),
        Table(["constant", "value", "source"],
              [[k, f"{v['value']:g} {v['unit']}", v["source"]]
               for k, v in e.params.to_dict()["constants"].items()]),
    ]
    return blocks


def _point_model(p, e: ModelEstimate) -> float:
    params = e.params
    if p.movement_scale != 1:
        params = params.with_scaled(**{k: p.movement_scale for k in MOVEMENT_CONSTANTS})
    if p.weight_scale != 1:
        params = params.with_scaled(**{k: p.weight_scale for k in WEIGHT_CONSTANTS})
    return break_even_spike_rate(p.timesteps, p.weight_bits, p.fan_in, params)


def write_report(e: ModelEstimate, out_dir: str | Path) -> Path:
    """Write ``energy.md``, ``energy.html``, ``energy.json`` and the plots into ``out_dir``;
    returns the markdown path. Everything is rendered before the first file is written."""
    out_dir = Path(out_dir)
    blocks = report_blocks(e)
    files: dict[str, bytes | str] = {
        "breakeven.png": plot_break_even(e),
        "energy_vs_t.png": plot_energy_vs_timesteps(e),
        "energy_vs_rate.png": plot_energy_vs_spike_rate(e),
        "battery.png": plot_battery(e),
        "energy.json": json.dumps(e.to_dict(), indent=2),
        "energy.html": render_html(blocks, f"Energy estimates: {e.model}"),
        "energy.md": render_markdown(blocks),
    }
    for name, data in files.items():
        if isinstance(data, bytes):
            atomic_write_bytes(out_dir / name, data)
        else:
            atomic_write_text(out_dir / name, data)
    return out_dir / "energy.md"
