"""The ``sparrow`` command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from . import defaults
from .errors import SparrowError, guarded_main
from .hw.clock_gate import STYLES
from .hw.memory import MEMORY_STYLES
from .hw.plan import INPUT_STYLES, MODES, VARIANTS
from .library import LIBRARY_NAMES
from .sim.simulators import SIMULATORS
from .sta.design_rules import DEFAULT_MAX_FANOUT


def _load(path: str):
    from .model import load_model
    return load_model(path)


def _flow_inputs(model, args) -> tuple[np.ndarray, np.ndarray | None, str]:
    """The inferences a flow runs (raw samples, aux vectors or None), and where they came
    from: ``--inputs`` (the first ``--inferences``), ``--random N``, or for a one-beat ECG
    model MIT-BIH test beats (with their aux features for a model with an aux input)."""
    if args.random is not None:
        x, aux = _load_inputs_and_aux(model, args)
        return x, aux, f"{args.random} uniform random inputs (seed {args.seed})"
    if args.inputs is not None:
        x, aux = _load_inputs_and_aux(model, args)
        x, aux = x[:args.inferences], None if aux is None else aux[:args.inferences]
        return x, aux, f"the first {len(x)} inputs of {args.inputs}"
    from .ecg.inputs import flow_beats
    return flow_beats(model, args.inferences, mitdb=args.mitdb)


def _load_inputs_and_aux(model, args):
    """(raw samples, aux vectors or None) from --inputs or --random."""
    from .model.inputs import load_inputs_and_aux, random_aux_inputs, random_inputs
    if args.inputs is not None:
        return load_inputs_and_aux(model, args.inputs, option="--inputs")
    return (random_inputs(model, args.random, args.seed),
            random_aux_inputs(model, args.random, args.seed))


def cmd_check(args) -> int:
    from .model.summary import format_summary, model_summary
    model = _load(args.file)
    summary = model_summary(model, lanes=args.lanes)
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(format_summary(summary))
    return 0


def cmd_run(args) -> int:
    from .model import run
    model = _load(args.file)
    x, aux = _load_inputs_and_aux(model, args)
    result = run(model, x, aux=aux, lanes=args.lanes)
    report = {
        "model": model.name,
        "inferences": int(len(result.predictions)),
        "predictions": result.predictions.tolist(),
        "scores": result.scores.tolist(),
        "per_inference": {
            "weight_reads": result.weight_reads,
            "activation_reads": result.activation_reads,
            "activation_writes": result.activation_writes,
            "macs": result.macs,
            "synops_mean": float(np.mean(result.synops)),
            "spike_rate_mean": float(np.mean(result.spike_rate)),
        },
        "lanes": args.lanes,
        "layers": [
            {"name": s.name, "kind": s.kind, "neurons": s.neurons, "macs": s.macs,
             "weight_reads": s.weight_reads, "activation_reads": s.activation_reads,
             "activation_writes": s.activation_writes,
             "synops_mean": float(np.mean(s.synops)),
             "nonzero_mean": float(np.mean(s.nonzero)),
             "spike_rate_mean": float(np.mean(s.spike_rate)),
             "sparsity_mean": float(np.mean(s.sparsity))}
            for s in result.layers
        ],
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    n = report["inferences"]
    shown = report["predictions"][:20]
    more = f" ... ({n} in all)" if n > 20 else ""
    print(f"{model.name}: {n} inference(s); predictions: {shown}{more}")
    if n <= 5:
        for i, s in enumerate(report["scores"]):
            print(f"  scores[{i}] = {s}")
    print(f"per inference: {result.weight_reads} weight reads (independent of T), "
          f"{result.macs} MACs, {float(np.mean(result.synops)):.1f} effective synops (mean), "
          f"{result.activation_reads} activation reads and {result.activation_writes} writes "
          f"with {args.lanes} lane(s)")
    print(f"{'layer':<12}{'kind':<11}{'neurons':>8}{'weight reads':>14}{'nonzero':>10}"
          f"{'spike rate':>12}{'sparsity':>10}")
    for s in report["layers"]:
        rate = "-" if s["kind"] != "maxpool1d" and s is report["layers"][-1] else \
            f"{s['spike_rate_mean'] * 100:.2f}%"
        print(f"{s['name']:<12}{s['kind']:<11}{s['neurons']:>8}{s['weight_reads']:>14}"
              f"{s['nonzero_mean']:>10.1f}{rate:>12}{s['sparsity_mean'] * 100:>9.1f}%")
    print(f"average spike rate s_r = {report['per_inference']['spike_rate_mean'] * 100:.2f}% "
          f"(spikes / (fired neurons x T), mean over inferences)")
    return 0


def cmd_generate(args) -> int:
    from .hw.generate import generate
    model = _load(args.file)
    design = generate(model, args.out, lanes=args.lanes, mode=args.mode,
                      zero_skip=not args.no_zero_skip, variant=args.variant,
                      clock_period_ns=args.clock_period, clock_gate=args.clock_gate,
                      memory_style=args.memory_style, input_style=args.input_style)
    plan = design.plan
    print(f"{design.top}: {plan.variant} core, {plan.mode} mode, {plan.memory_style} memories, "
          f"{plan.input_style} input, {plan.lanes} lane(s), zero skipping "
          f"{'on' if plan.zero_skip else 'off'}, at most "
          f"{plan.cycles_per_inference} cycles per inference "
          f"({plan.cycles_per_inference * args.clock_period / 1000:.1f} µs at "
          f"{1000 / args.clock_period:.3g} MHz), lane utilization "
          f"{plan.lane_utilization * 100:.1f}%")
    membranes = f", membranes {plan.membrane_memory_bits} bits" if plan.variant == "if" else ""
    aux = f", aux {plan.aux_memory_bits} bits (aux stream)" if plan.aux_words else ""
    print(f"memories: weights {plan.weight_memory_bits} bits, activations "
          f"{plan.activation_memory_bits} bits, input {plan.input_memory_bits} bits{aux}"
          f"{membranes}")
    for path in (design.verilog, design.clock_gate, design.latch, design.manifest, design.sdc,
                 design.librelane_config):
        if path is not None:
            print(f"  wrote {path}")
    return 0


def cmd_sim(args) -> int:
    import tempfile
    from .hw.generate import generate
    from .sim.runner import run_core_sim
    model = _load(args.file)
    x, aux = _load_inputs_and_aux(model, args)
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="sparrow-sim-"))
    design = generate(model, work / "design", lanes=args.lanes, mode=args.mode,
                      zero_skip=not args.no_zero_skip, variant=args.variant,
                      memory_style=args.memory_style, input_style=args.input_style)
    print(f"simulating {len(x)} inference(s) of {design.top} on {args.sim} "
          f"({design.plan.variant} core, {design.plan.lanes} lanes, {design.plan.mode} mode, "
          f"{design.plan.memory_style} memories, {design.plan.input_style} input) in "
          f"{work} ...", flush=True)
    result = run_core_sim(design, x, aux=aux, simulator=args.sim, work_dir=work / args.sim)
    for line in result.diagnosis + result.errors[:20]:
        print(f"  {line}")
    status = "bit-exact" if result.passed else "MISMATCH"
    print(f"{status}: {result.inferences - len({e.split(':')[0] for e in result.errors})}/"
          f"{result.inferences} inferences equal the golden model (scores, class, counters); "
          f"build {result.build_seconds:.1f} s, run {result.run_seconds:.1f} s; log "
          f"{result.log}")
    if result.observed:
        perf = result.observed[-1]["perf"]
        print(f"per inference: {perf['cycles']} cycles, {perf['weight_reads']} weight reads, "
              f"{perf['activation_reads']} activation reads, {perf['activation_writes']} "
              f"activation writes (hardware counters)")
    return 0 if result.passed else 1


def cmd_flow(args) -> int:
    from .flow import FLOW_STEPS, FlowOptions, Progress, run_flow
    from .report import write_report
    if args.list_steps:
        for i, step in enumerate(FLOW_STEPS, 1):
            print(f"{i}. {step.id:<18} {step.name}")
        return 0
    if args.file is None:
        raise SparrowError("give a model descriptor: sparrow flow FILE")
    model = _load(args.file)
    x, aux, described = _flow_inputs(model, args)
    options = FlowOptions(lanes=args.lanes, mode=args.mode, zero_skip=not args.no_zero_skip,
                          variant=args.variant, memory_style=args.memory_style,
                          input_style=args.input_style, library=args.library,
                          clock_period_ns=args.clock_period, rtl_simulator=args.rtl_sim,
                          inference_rate_hz=args.rate, repair=not args.no_repair,
                          max_fanout=args.max_fanout, strict=args.strict,
                          keep_vcd=args.keep_vcd, timed_activity=args.timed_activity,
                          idle_clock=args.idle_clock)
    run_dir = Path(args.out) if args.out else Path("runs") / model.name
    state = run_flow(args.file, run_dir, x, options, aux=aux, inputs_described=described,
                     from_step=getattr(args, "from"), to_step=args.to,
                     progress=Progress(tool_lines=not args.quiet))
    write_report(run_dir)
    _print_flow_summary(state.metrics, run_dir)
    return 0


def _print_flow_summary(m: dict, run_dir: Path) -> None:
    from .report import format_value, signoff_verdict
    print(signoff_verdict(m))           # before any number, as the report does
    rows = [("area", "design__instance__area", "µm²"),
            ("cells", "design__instance__count", "cells"),
            ("worst setup slack", "timing__setup__ws", "ns"),
            ("worst hold slack", "timing__hold__ws", "ns"),
            ("fmax", "timing__fmax", "MHz"),
            ("cycles per inference", "inference__cycles", "cycles"),
            ("weight reads per inference", "inference__weight_reads", "words"),
            ("power over the inference window", "power__total", "W"),
            ("energy per inference", "inference__energy", "J"),
            ("idle power, clock running", "power__idle__total", "W"),
            ("average power at the inference rate", "power__average", "W"),
            ("  the same, clock stopped when idle", "power__average__clock_stopped", "W")]
    for label, key, unit in rows:
        if key in m:
            print(f"  {label:<38}{format_value(m[key], unit)}")
    print(f"report: {run_dir / 'report.md'} (and report.html); metrics: "
          f"{run_dir / 'metrics.json'}")


def cmd_sweep(args) -> int:
    from .flow import FlowOptions
    from .study.sweep import SweepSpec, run_sweep
    model = _load(args.file)
    x, aux, described = _flow_inputs(model, args)
    if aux is not None:
        # The sweep's points include the if variant, which has no aux path.
        raise SparrowError(f"sweep: model {model.name} has an aux input; sweeps take models "
                           "without one (run sparrow flow per point)")
    spec = SweepSpec(Path(args.file), tuple(args.timesteps), tuple(args.scales),
                     tuple(args.variants),
                     FlowOptions(lanes=args.lanes, mode=args.mode, library=args.library,
                                 clock_period_ns=args.clock_period,
                                 memory_style=args.memory_style))
    out = Path(args.out) if args.out else Path("runs") / f"sweep-{model.name}"
    results = run_sweep(spec, out, x, inputs_described=described, scheduler=args.scheduler,
                        workers=args.workers, progress=lambda line: print(line, flush=True))
    print(f"{len(results)} points measured: {out / 'results.md'} (and results.json)")
    _print_study(out, None, characterize=True)
    return 0


def cmd_study(args) -> int:
    _print_study(Path(args.sweep), set(args.fit_timesteps) if args.fit_timesteps else None,
                 characterize=not args.no_characterize)
    return 0


def _print_study(folder: Path, fit_timesteps: set[int] | None, *, characterize: bool) -> None:
    from .hw.plan import plan_core
    from .model import load_model
    from .study.characterize import characterize as run_characterization
    from .study.characterize import rom_depth
    from .study.measured import load_sweep
    from .study.report import error_summary, write_study
    sweep = load_sweep(folder)
    blocks = None
    if characterize:
        options = sweep.spec.options
        plan = plan_core(load_model(sweep.spec.descriptor), lanes=options.lanes)
        blocks = run_characterization(options.library, folder / "study" / "characterization",
                                      lanes=options.lanes, rom_words=rom_depth(plan),
                                      clock_period_ns=options.clock_period_ns,
                                      progress=lambda line: print(line, flush=True))
    result = write_study(sweep, folder / "study", fit_timesteps, blocks)
    for b in result["breaks"]:
        span = f"{b.low:.2%}..{b.high:.2%}"
        found = (f"{b.rate:.2%} (bracket {span})" if b.rate is not None
                 else f"none in {span}: {b.verdict}")
        print(f"measured break-even, {b.twin} vs qnn at T = {b.timesteps}: {found}")
    print(f"calibrated model: fit points {error_summary(result['rows'], True)}; held-out "
          f"points {error_summary(result['rows'], False)}")
    if blocks is not None:
        for variant, n, mean, worst in result["data"]["characterized"]["variant_errors"]:
            print(f"characterized model, {variant}: {n} points, mean |error| {mean}, "
                  f"worst {worst}")
    print(f"study: {folder / 'study' / 'study.md'} (and study.html, study.json, "
          "calibrated-params.json, plots)")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="sparrow", description="Sparrow: SSF edge-ASIC generator "
                                "and measured-power flow")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    c = sub.add_parser("check", help="validate a model descriptor and print its summary")
    c.add_argument("file", help="descriptor (.toml or .json)")
    c.add_argument("--lanes", type=_positive, default=1,
                   help="PE lanes for the cycle estimate (default 1)")
    c.add_argument("--json", action="store_true", help="print the summary as JSON")
    c.set_defaults(func=cmd_check)

    r = sub.add_parser("run", help="run the bit-exact golden model on inputs")
    r.add_argument("file", help="descriptor (.toml or .json)")
    _input_options(r, required=True)
    r.add_argument("--lanes", type=_positive, default=1,
                   help="PE lanes the activation-traffic counters assume")
    r.add_argument("--json", action="store_true", help="print predictions and counters as JSON")
    r.set_defaults(func=cmd_run)

    g = sub.add_parser("generate", help="generate the core: Verilog, manifest, SDC, "
                       "LibreLane config")
    g.add_argument("file", help="descriptor (.toml or .json)")
    g.add_argument("-o", "--out", required=True, help="output folder")
    _hardware_options(g)
    _clock_period_option(g, "for the SDC")
    g.add_argument("--clock-gate", choices=STYLES, default=defaults.CLOCK_GATE,
                   help=f"clock-gate idle blocks (instance) or use enables only (none); "
                   f"default {defaults.CLOCK_GATE}")
    g.set_defaults(func=cmd_generate)

    s = sub.add_parser("sim", help="simulate the generated core (cocotb) against the golden "
                       "model")
    s.add_argument("file", help="descriptor (.toml or .json)")
    _input_options(s, required=True)
    s.add_argument("--sim", choices=SIMULATORS, default=defaults.RTL_SIMULATOR,
                   help=f"simulator (default {defaults.RTL_SIMULATOR})")
    s.add_argument("--work", help="work folder (default: a new temporary folder)")
    _hardware_options(s)
    s.set_defaults(func=cmd_sim)

    f = sub.add_parser("flow", help="the whole flow: generate, RTL sim, synthesis, timing, "
                       "gate-level sim, power, report (resumable)")
    f.add_argument("file", nargs="?", help="descriptor (.toml or .json)")
    f.add_argument("-o", "--out", help="run folder (default runs/<model name>)")
    _input_options(f, required=False, default_help=" (default for a one-beat ECG model: "
                   "beats from MIT-BIH)")
    f.add_argument("--inferences", type=_positive, default=defaults.INFERENCES, metavar="N",
                   help=f"inferences to simulate from --inputs or MIT-BIH (default "
                   f"{defaults.INFERENCES}; a gate-level ECG inference takes minutes)")
    f.add_argument("--mitdb", help="MIT-BIH records folder (default $SPARROW_MITDB or "
                   "../shared/data/mitdb)")
    _hardware_options(f)
    f.add_argument("--library", default=defaults.LIBRARY,
                   help=f"standard-cell library: {', '.join(LIBRARY_NAMES)} or a .toml "
                   f"(default {defaults.LIBRARY})")
    _clock_period_option(f, "")
    f.add_argument("--rate", type=_positive_float, default=defaults.INFERENCE_RATE_HZ,
                   metavar="HZ", help=f"inferences per second for the average power (default "
                   f"{defaults.INFERENCE_RATE_HZ:g} = 72 bpm)")
    f.add_argument("--rtl-sim", choices=SIMULATORS, default=defaults.RTL_SIMULATOR,
                   help="simulator of the RTL step (gate level always runs on Icarus)")
    f.add_argument("--max-fanout", type=_positive, default=DEFAULT_MAX_FANOUT, metavar="N",
                   help=f"most load pins per net after repair (default {DEFAULT_MAX_FANOUT})")
    f.add_argument("--no-repair", action="store_true",
                   help="keep the synthesized netlist as it is (no buffer or clock trees): "
                   "its numbers are then labelled as not a sign-off result")
    f.add_argument("--strict", action="store_true",
                   help="fail (exit 1) when the run is not a sign-off result")
    f.add_argument("--keep-vcd", action="store_true",
                   help="also write the gate-level VCD (every net, whole run; about 150 MB "
                        "and twice the simulation time per ECG beat); power uses the toggle "
                        "counts either way")
    f.add_argument("--timed-activity", action="store_true",
                   help="also simulate the netlist with the cells' delays (OpenSTA's SDF), "
                        "so glitches are counted: energy and power from the timed run, the "
                        "zero-delay figures and the glitch share per block beside them")
    f.add_argument("--idle-clock", choices=("running", "stopped"), default="running",
                   help="between inferences the clock keeps running (default: the average "
                        "power takes the measured idle window's power) or is stopped (the "
                        "system stops it: leakage only); both figures are reported")
    f.add_argument("--from", metavar="STEP", help="re-run from this step (see --list-steps)")
    f.add_argument("--to", metavar="STEP", help="stop after this step")
    f.add_argument("--list-steps", action="store_true", help="print the steps and exit")
    f.add_argument("-q", "--quiet", action="store_true", help="no tool output lines")
    f.set_defaults(func=cmd_flow)

    from .study.sweep import VARIANTS, available_variants
    w = sub.add_parser("sweep", help="the energy study: T x spike rate x neuron scheme, every "
                       "point through the whole flow, on a Dask cluster (resumable)")
    w.add_argument("file", help="descriptor (.toml or .json)")
    w.add_argument("-o", "--out", help="sweep folder (default runs/sweep-<model name>)")
    w.add_argument("--timesteps", type=_positive, nargs="+", default=[1, 2, 3, 5, 7, 10, 15],
                   metavar="T", help="T values (default 1 2 3 5 7 10 15)")
    w.add_argument("--scales", type=_positive_float, nargs="+", default=[0.5, 1.0, 2.0],
                   metavar="S", help="threshold scales: larger fires less (default 0.5 1 2)")
    w.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(available_variants()),
                   help=f"neuron schemes (default {' '.join(available_variants())})")
    w.add_argument("--scheduler", metavar="ADDRESS",
                   help="a running Dask scheduler (default: a local cluster)")
    w.add_argument("--workers", type=_positive, default=2,
                   help="worker processes of the local cluster (default 2)")
    _input_options(w, required=False, default_help=" (default for a one-beat ECG model: "
                   "beats from MIT-BIH)")
    w.add_argument("--inferences", type=_positive, default=defaults.INFERENCES, metavar="N",
                   help=f"inferences per point (default {defaults.INFERENCES})")
    w.add_argument("--mitdb", help="MIT-BIH records folder")
    _hardware_options(w, schedule=False)
    w.add_argument("--library", default=defaults.LIBRARY, help="standard-cell library")
    _clock_period_option(w, "")
    w.set_defaults(func=cmd_sweep)

    st = sub.add_parser("study", help="the measured side of the energy study: a sweep folder's "
                        "break-even spike rates, calibrated constants and model error",
                        description="Read a sweep folder (sparrow sweep): the measured break-even "
                        "spike rate of each spiking twin against the qnn twin per T, the "
                        "analytical model's constants fitted to the measured energies by term, "
                        "its error on points the fit did not see, and estimated vs measured "
                        "gains. Writes <sweep>/study/ (study.md/.html/.json, "
                        "calibrated-params.json for sparrow energy --params, plots).")
    st.add_argument("sweep", help="sweep folder (sparrow sweep -o)")
    st.add_argument("--fit-timesteps", type=_positive, nargs="+", metavar="T",
                    help="fit the constants on the points at these T only (default the "
                    "smallest T; the others are held out)")
    st.add_argument("--no-characterize", action="store_true",
                    help="skip the characterization of the library's blocks (the bottom-up "
                    "constants; about 10 s on osu018, kept in <sweep>/study/characterization/)")
    st.set_defaults(func=cmd_study)

    from .ecg.cli import register_cli
    register_cli(sub)
    from .estimate.cli import register_cli as register_energy_cli
    register_energy_cli(sub)
    from .fpga.cli import register_cli as register_fpga_cli
    register_fpga_cli(sub)
    return p


def _input_options(p: argparse.ArgumentParser, *, required: bool, default_help: str = "") -> None:
    src = p.add_mutually_exclusive_group(required=required)
    src.add_argument("--inputs", metavar="X.npy",
                     help=f".npy of raw samples, shape (N, C, L) or (C, L), or .npz holding x "
                     f"(the raw samples) and, for a model with an aux input, aux (N, "
                     f"features){default_help}")
    src.add_argument("--random", type=_positive, metavar="N",
                     help="N random inputs (and random aux vectors for a model with an aux "
                     "input)")
    p.add_argument("--seed", type=int, default=defaults.SEED,
                   help=f"seed for --random (default {defaults.SEED})")


def _clock_period_option(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("--clock-period", type=_positive_float, default=defaults.CLOCK_PERIOD_NS,
                   metavar="NS", help=f"clock period in ns{' ' + what if what else ''} (default "
                   f"{defaults.CLOCK_PERIOD_NS:g} = {1e3 / defaults.CLOCK_PERIOD_NS:g} MHz)")


def _hardware_options(p: argparse.ArgumentParser, *, schedule: bool = True) -> None:
    p.add_argument("--lanes", type=_positive, default=defaults.LANES,
                   help=f"parallel PE lanes (default {defaults.LANES})")
    p.add_argument("--mode", choices=MODES, default=defaults.HW_MODE,
                   help=f"weights in ROM (baked) or in RAM written through the config port "
                   f"(loadable); default {defaults.HW_MODE}")
    if schedule:
        p.add_argument("--no-zero-skip", action="store_true",
                       help="issue zero counts too (the dense schedule: a QNN datapath)")
        p.add_argument("--variant", choices=VARIANTS, default=defaults.VARIANT,
                       help=f"neuron scheme: ssf (spike counts) or if (per-timestep "
                       f"integrate-and-fire, the baseline twin); default {defaults.VARIANT}")
    p.add_argument("--memory-style", choices=MEMORY_STYLES, default=defaults.MEMORY_STYLE,
                   help="memories as flip-flop arrays with binary read multiplexers (flop), "
                   "or standard-cell memories with a clock gate per word and decoded reads, "
                   "of flip-flops (flop_gated) or latches (latch; the library needs a latch "
                   f"cell); default {defaults.MEMORY_STYLE}")
    if schedule:
        p.add_argument("--input-style", choices=INPUT_STYLES, default=defaults.INPUT_STYLE,
                       help="take the whole input, then compute (buffer), or compute the "
                       "first layer from a ring of its window while the samples stream in, "
                       "the clock stopped while it waits for one (stream; not with --variant "
                       f"if); default {defaults.INPUT_STYLE}")


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text}")
    return value


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # A command group names itself in its errors ("sparrow ecg: error: ...").
    return guarded_main(getattr(args, "prog", "sparrow"), lambda: args.func(args))


if __name__ == "__main__":
    sys.exit(main())
