"""Command line of the FPGA prototype: ``sparrow fpga boards|build|run|sim``.

:func:`register_cli` adds the ``fpga`` command group to any argparse sub-parser set; each
subcommand's function returns the exit code and raises SparrowError for bad input.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from ..errors import SparrowError
from .client import DEFAULT_BAUD


def _positive_type(kind: type):
    """argparse type: a positive number of ``kind`` (int or float), with the top-level
    command line's wording (which sits above this package and cannot be imported here)."""
    what = "integer" if kind is int else "number"

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a positive {what}, got {text!r}") \
                from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"expected a positive {what}, got {text}")
        return value
    return parse


_positive = _positive_type(int)
_positive_float = _positive_type(float)


def _model(path: str):
    from ..model import load_model
    return load_model(path)


def _inputs(model, args):
    """(x, true classes or None) from --inputs, --random or --beats."""
    from ..model.golden import check_input
    from ..model.inputs import load_inputs, random_inputs
    if args.inputs is not None:
        return load_inputs(model, args.inputs, option="--inputs"), None
    if args.beats is not None:
        from .ecg_beats import class_balanced_beats
        x, y = class_balanced_beats(args.beats)
        return check_input(model, x), y
    return random_inputs(model, args.random, args.seed), None


def cmd_boards(args) -> int:
    from .boards import BOARDS
    for b in BOARDS.values():
        spram = f", {b.sprams} SPRAM" if b.sprams else ""
        print(f"{b.name:<12} {b.description}: {b.luts} LUTs, {b.brams} block RAMs, "
              f"{b.dsps} multipliers{spram}")
    return 0


def cmd_build(args) -> int:
    from .build import build_bitstream
    model = _model(args.file)
    out = Path(args.out) if args.out else Path("runs") / "fpga" / f"{model.name}-{args.board}"
    result = build_bitstream(model, args.board, out, lanes=args.lanes, mode=args.mode,
                             baud=args.baud, seed=args.seed)
    m = result.metrics
    print(f"{result.bitstream}: {m['fpga__mode']} design, {m['fpga__lanes']} lanes on "
          f"{m['fpga__device']}")
    for key, label in (("lut", "LUTs"), ("ff", "flip-flops"), ("bram", "block RAMs"),
                       ("dsp", "DSPs"), ("spram", "SPRAMs")):
        if f"fpga__{key}__count" in m:
            print(f"  {label:<12}{m[f'fpga__{key}__count']:>7,} of "
                  f"{m[f'fpga__{key}__available']:,}")
    print(f"  fmax {m['fpga__fmax']:.2f} MHz at a {m['fpga__clock__frequency']:.2f} MHz board "
          f"clock: setup slack {m['timing__setup__ws']:+.2f} ns")
    print(f"report: {out / 'report.md'}; metrics: {out / 'metrics.json'}")
    if not result.timing_met:
        raise SparrowError(f"timing not met: fmax {m['fpga__fmax']:.2f} MHz is below the "
                           f"board clock ({m['fpga__clock__frequency']:.2f} MHz); try fewer "
                           f"--lanes")
    return 0


def cmd_run(args) -> int:
    from .client import BoardClient, run_on_board
    model = _model(args.file)
    x, labels = _inputs(model, args)
    with BoardClient(args.port, baud=args.baud, timeout=args.timeout) as client:
        run = run_on_board(model, client, x)
    info = run.info
    print(f"{args.port}: {info.mode} design, {info.lanes} lanes (fingerprint "
          f"0x{info.fingerprint:08x}); {run.config_writes} config writes")
    return _report(run, "", labels)


def _report(run, where: str, labels) -> int:
    """Print the classes, any mismatch and the verdict of a board run; the exit code."""
    shown = [o["cls"] for o in run.observed[:20]]
    more = f" ... ({len(run.observed)} in all)" if len(run.observed) > 20 else ""
    print(f"classes: {shown}{more}")
    if labels is not None:
        print(f"labels:  {labels[:20].tolist()}{more} (MIT-BIH reference annotations)")
    for line in run.errors[:20]:
        print(f"  {line}")
    status = "bit-exact" if run.passed else "MISMATCH"
    print(f"{status}: {run.exact}/{len(run.observed)} inferences{where} equal the golden model "
          f"(class, scores, counters) in {run.seconds:.1f} s")
    return 0 if run.passed else 1


def cmd_sim(args) -> int:
    from ..hw.plan import plan_core
    from .client import BoardClient, run_on_board
    from .simulation import UartTopSimulation
    model = _model(args.file)
    plan = plan_core(model, lanes=args.lanes, mode=args.mode)
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="sparrow-fpga-sim-"))
    sim = UartTopSimulation(plan, work, simulator=args.sim)
    print(f"building the board top ({plan.mode}, {plan.lanes} lanes) on {args.sim} in "
          f"{work} ...", flush=True)
    sim.build()
    if args.serve:
        with sim.bridge(seconds=args.serve) as url:
            print(f"serving the simulated board at {url} for up to {args.serve:g} s; run "
                  f"`sparrow fpga run --port {url} {args.file} ...` (it ends when that "
                  f"client disconnects)", flush=True)
        return 0
    x, labels = _inputs(model, args)
    with sim.bridge() as url, BoardClient(url, timeout=120) as client:
        run = run_on_board(model, client, x)
    return _report(run, " through the simulated UART", labels)


def _input_options(p, *, serve: bool = False) -> None:
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--inputs", help=".npy of raw samples, (N, C, L)")
    src.add_argument("--random", type=_positive, metavar="N", help="N random inputs")
    src.add_argument("--beats", type=_positive, metavar="N", help="N MIT-BIH beats of each "
                     "AAMI class from records 208, 217, 232 (one-beat ECG models; "
                     "$SPARROW_MITDB)")
    if serve:
        src.add_argument("--serve", type=_positive_float, metavar="S",
                         help="serve the simulated board on a local socket for up to S seconds")
    p.add_argument("--seed", type=int, default=0, help="seed for --random")


def register_cli(subparsers) -> argparse.ArgumentParser:
    """Add the ``fpga`` command group (boards, build, run, sim) to ``subparsers``."""
    fpga = subparsers.add_parser("fpga", help="the core on an FPGA board: bitstreams, host "
                                 "client, UART-level simulation",
                                 description="The core behind a framed UART on an FPGA board.")
    sub = fpga.add_subparsers(dest="fpga_command", required=True, metavar="SUBCOMMAND")

    p = sub.add_parser("boards", help="list the supported boards")
    p.set_defaults(func=cmd_boards)

    p = sub.add_parser("build", help="bitstream of a model's UART top for a board (YoWASP "
                       "Yosys + nextpnr), with utilization and fmax")
    p.add_argument("file", help="descriptor (.toml or .json)")
    p.add_argument("--board", required=True, help="board name (see `sparrow fpga boards`)")
    p.add_argument("-o", "--out", help="build folder (default runs/fpga/<model>-<board>)")
    p.add_argument("--lanes", type=_positive, help="PE lanes (default: 8, halved until the "
                   "design fits the device)")
    p.add_argument("--mode", choices=("loadable", "baked"), default="loadable",
                   help="weights loaded over the UART (default) or baked into the bitstream")
    p.add_argument("--baud", type=_positive, default=DEFAULT_BAUD,
                   help=f"UART baud rate (default {DEFAULT_BAUD})")
    p.add_argument("--seed", type=int, default=1, help="nextpnr placement seed")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("run", help="run inputs on a board over its serial port; every answer "
                       "checked against the golden model")
    p.add_argument("file", help="descriptor (.toml or .json)")
    p.add_argument("--port", required=True, help="serial port or pyserial URL "
                   "(/dev/ttyUSB1, socket://HOST:PORT)")
    _input_options(p)
    p.add_argument("--baud", type=_positive, default=DEFAULT_BAUD,
                   help=f"baud rate of the bitstream (default {DEFAULT_BAUD})")
    p.add_argument("--timeout", type=_positive_float, default=5.0, metavar="S",
                   help="seconds to wait for each answer (default 5)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("sim", help="the board top under cocotb: inputs through the simulated "
                       "UART with the host client, or --serve it on a socket")
    p.add_argument("file", help="descriptor (.toml or .json)")
    _input_options(p, serve=True)
    p.add_argument("--lanes", type=_positive, default=8, help="parallel PE lanes (default 8)")
    p.add_argument("--mode", choices=("loadable", "baked"), default="loadable")
    p.add_argument("--sim", choices=("verilator", "icarus"), default="verilator")
    p.add_argument("--work", help="work folder (default: a new temporary folder)")
    p.set_defaults(func=cmd_sim)
    return fpga
