"""Energy per inference of the ECG core, measured through the whole flow (synthesis, repair,
sign-off timing, gate-level activity of real MIT-BIH beats, power), for configurations of the
generator side by side: the baseline and the µW core, by block, and the design space of lanes x
memory style x zero skipping.

    .venv/bin/python bench/energy.py                       # baseline vs the µW cores, OSU018
                                                           # (buffered and streamed input)
    .venv/bin/python bench/energy.py --library sky130hd    # the same on sky130hd
    .venv/bin/python bench/energy.py --space               # lanes x memory x zero skipping
    .venv/bin/python bench/energy.py --beats 8 --out runs/energy
    .venv/bin/python bench/energy.py --space --collect      # tables and plot of finished runs
    .venv/bin/python bench/energy.py --model examples/ecg/ecg_rr_ds1.toml --configs p8-latch-skip
                                                           # the RR model (aux input), DS2 beats

Every run is a full `sparrow flow` in its own folder under --out (kept, so a re-run reuses
unchanged steps; --collect reads finished runs without running anything, for example runs
made in parallel by several invocations with --configs); the figures are read from each run's
metrics.json. Printed: energy per inference (nJ) and leakage (µW), each split by block,
cycles, area, cells, idle power (clock running, gates closed), average power at 72 beats/min
with the clock running and with it stopped between beats, fmax, sign-off; ratios against the
first configuration of the same run. Written: energy.json and energy.png (design space) in
--out.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from sparrow.ecg.inputs import flow_beats
from sparrow.fileio import atomic_write_text
from sparrow.flow import FlowOptions, Progress, run_flow
from sparrow.model import load_model

REPO = Path(__file__).resolve().parents[1]
ECG = REPO / "examples" / "ecg" / "ecg.toml"
BLOCK = "inference__energy__block:"
LEAK_BLOCK = "power__leakage__block:"


@dataclass(frozen=True)
class Config:
    """One generator configuration."""

    lanes: int
    memory: str
    zero_skip: bool
    stream: bool = False        # input_style stream (a window of the first layer)

    @property
    def name(self) -> str:
        return (f"p{self.lanes}-{self.memory}-{'skip' if self.zero_skip else 'dense'}"
                + ("-stream" if self.stream else ""))


def parse_configs(text: str) -> list[Config]:
    """``p<lanes>-<memory style>-<skip|dense>[-stream]`` names, comma-separated."""
    configs = []
    for name in text.split(","):
        m = re.fullmatch(r"p(\d+)-(flop|flop_gated|latch)-(skip|dense)(-stream)?", name.strip())
        if not m:
            raise argparse.ArgumentTypeError(f"{name!r} is not p<lanes>-<flop|flop_gated|latch>-"
                                             "<skip|dense>[-stream]")
        configs.append(Config(int(m[1]), m[2], m[3] == "skip", m[4] is not None))
    return configs


BEFORE_AFTER = (
    Config(8, "flop", False),               # the baseline
    Config(8, "latch", True),
    Config(8, "latch", True, stream=True),  # the lowest average power at 72 beats/min
    Config(16, "latch", True),
    Config(16, "latch", True, stream=True),  # the lowest energy per inference (more leakage)
)


def run_dir_of(config: Config, library: str, out: Path, model: Path) -> Path:
    # The reference model's runs keep plain configuration names (earlier runs are reused).
    return out / library / (config.name if model.resolve() == ECG
                            else f"{model.stem}-{config.name}")


def collected(config: Config, library: str, out: Path, model: Path) -> dict:
    """The metrics of a finished run (``--collect``)."""
    path = run_dir_of(config, library, out, model) / "metrics.json"
    if not path.is_file():
        sys.exit(f"bench/energy.py: {path} is missing: run {config.name} first (without "
                 "--collect)")
    return json.loads(path.read_text())["metrics"]


def measure(config: Config, library: str, out: Path, model: Path, x, aux,
            described: str) -> dict:
    run_dir = run_dir_of(config, library, out, model)
    options = FlowOptions(lanes=config.lanes, library=library, zero_skip=config.zero_skip,
                          memory_style=config.memory,
                          input_style="stream" if config.stream else "buffer")
    t0 = time.perf_counter()
    state = run_flow(model, run_dir, x, options, aux=aux, inputs_described=described,
                     progress=Progress(tool_lines=False))
    m = dict(state.metrics)
    m["bench__wall_time"] = time.perf_counter() - t0
    return m


BLOCK_TABLES = (("energy per inference (nJ)", BLOCK, "inference__energy", 1e9, 1),
                ("leakage (uW)", LEAK_BLOCK, "power__leakage__total", 1e6, 3))
"""The by-block tables: title, metric prefix, total metric, scale to the unit, decimals."""


def block_table(rows: list[tuple[Config, dict]], title: str, prefix: str, total: str,
                scale: float, decimals: int) -> list[str]:
    """One metric by block, configurations side by side, blocks by the first one's share
    (none for runs made before the metric existed)."""
    blocks = sorted({k[len(prefix):] for _, m in rows for k in m if k.startswith(prefix)},
                    key=lambda b: -rows[0][1].get(prefix + b, 0.0))
    if not blocks:
        return []
    lines = [f"{title:<28}" + "".join(f"{c.name:>22}" for c, _ in rows)]
    for block in blocks:
        lines.append(f"  {block:<26}" + "".join(
            f"{m.get(prefix + block, 0.0) * scale:>22.{decimals}f}" for _, m in rows))
    lines.append(f"  {'total':<26}" + "".join(f"{m[total] * scale:>22.{decimals}f}"
                                              for _, m in rows))
    return lines


def summary_table(rows: list[tuple[Config, dict]]) -> list[str]:
    base = rows[0][1]
    # avg: at 72 beats/min with the clock running between beats (the measured idle power);
    # stop: the same with the clock stopped between beats (leakage only).
    # cycles: mean per inference over the beats (hardware counters).
    head = (f"{'configuration':<22}{'nJ/inf':>9}{'ratio':>7}{'cycles':>8}{'area mm2':>10}"
            f"{'cells':>8}{'leak uW':>9}{'idle uW':>9}{'avg uW':>8}{'stop uW':>9}"
            f"{'fmax MHz':>10}{'sign-off':>10}")
    lines = [head]
    for c, m in rows:
        lines.append(
            f"{c.name:<22}{m['inference__energy'] * 1e9:>9.1f}"
            f"{m['inference__energy'] / base['inference__energy']:>7.2f}"
            f"{m['inference__cycles__mean']:>8.0f}{m['design__instance__area'] / 1e6:>10.3f}"
            f"{m['design__instance__count']:>8}{m['power__leakage__total'] * 1e6:>9.2f}"
            f"{m['power__idle__total'] * 1e6:>9.2f}{m['power__average'] * 1e6:>8.2f}"
            f"{m['power__average__clock_stopped'] * 1e6:>9.2f}"
            f"{m.get('timing__fmax', float('nan')):>10.1f}"
            f"{'yes' if m.get('flow__signoff') else 'NO':>10}")
    return lines


PANELS = (("inference__energy", 1e9, "energy per inference (nJ)", True),
          ("inference__cycles__mean", 1, "cycles per inference (mean)", True),
          ("design__instance__area", 1e-6, "cell area (mm²)", False),
          ("timing__fmax", 1, "fmax (MHz)", False))
"""The design-space plot's panels: metric, scale to the unit, label, log scale."""


def plot(rows: list[tuple[Config, dict]], library: str, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(2, 2, figsize=(10, 7))
    for ax, (metric, scale, label, log) in zip(axes.flat, PANELS):
        for memory in sorted({c.memory for c, _ in rows}):
            for skip in (False, True):
                pts = sorted((c.lanes, m[metric] * scale) for c, m in rows
                             if c.memory == memory and c.zero_skip == skip and metric in m)
                if pts:
                    ax.plot(*zip(*pts), marker="o", ls="-" if skip else "--",
                            label=f"{memory}, {'zero skipping' if skip else 'dense'}")
        ax.set_xscale("log", base=2)
        if log:
            ax.set_yscale("log")
        ax.set_xlabel("PE lanes")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3, which="both")
    axes.flat[0].legend(fontsize=8)
    fig.suptitle(f"ECG core on {library}, 4 MHz: repaired, signed-off netlists, gate-level "
                 "activity of MIT-BIH beats (measured)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--library", default="osu018")
    p.add_argument("--model", type=Path, default=ECG,
                   help="one-beat ECG descriptor (default %(default)s; a model with an aux "
                   "input runs on DS2 beats with their features)")
    p.add_argument("--beats", type=int, default=10,
                   help="MIT-BIH beats simulated per configuration (two of each class)")
    p.add_argument("--space", action="store_true",
                   help="lanes {1, 2, 4, 8} x memory {flop, latch} x zero skipping {off, on}")
    p.add_argument("--configs", type=parse_configs, metavar="NAME,...",
                   help="configurations by name instead, e.g. p8-latch-skip,p4-flop-dense")
    p.add_argument("--out", default="runs/energy", help="run folders (kept; default %(default)s)")
    p.add_argument("--collect", action="store_true",
                   help="read the finished runs of the configurations under --out, run nothing")
    args = p.parse_args()
    out = Path(args.out)
    x, aux, described = flow_beats(load_model(args.model), args.beats)
    configs = args.configs or (list(BEFORE_AFTER) if not args.space else [
        Config(lanes, memory, skip) for memory in ("flop", "latch") for skip in (False, True)
        for lanes in (1, 2, 4, 8)])
    rows = []
    for config in configs:
        if args.collect:
            rows.append((config, collected(config, args.library, out, args.model)))
            continue
        print(f"[{len(rows) + 1}/{len(configs)}] {config.name} on {args.library} ...",
              file=sys.stderr, flush=True)
        rows.append((config, measure(config, args.library, out, args.model, x, aux,
                                     described)))
    print(f"\n{args.model.name}, {args.library}, {described}; every figure measured on the "
          "repaired, signed-off netlist (energy: gate-level activity of the beats)\n")
    print("\n".join(summary_table(rows)))
    for table in BLOCK_TABLES:
        print()
        print("\n".join(block_table(rows, *table)))
    doc = {"model": str(args.model), "library": args.library, "inputs": described,
           "runs": [{"config": c.__dict__, "name": c.name, "metrics": m} for c, m in rows]}
    atomic_write_text(out / f"energy_{args.model.stem}_{args.library}.json",
                      json.dumps(doc, indent=1) + "\n")
    if args.space:
        plot(rows, args.library, out / f"energy_space_{args.library}.png")
        print(f"\nplot: {out / f'energy_space_{args.library}.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
