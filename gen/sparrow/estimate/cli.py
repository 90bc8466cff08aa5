"""``sparrow energy FILE``: analytical energy estimates in seconds, no synthesis.

Registered by ``register_cli(subparsers)`` from ``sparrow.cli``.
"""

from __future__ import annotations

import argparse
import json

from .. import defaults
from ..errors import SparrowError


def cmd_energy(args) -> int:
    from ..model import load_model
    from ..model.inputs import load_inputs_and_aux, random_aux_inputs, random_inputs
    from .model_estimate import estimate_model, format_estimate
    from .params import resolve_params
    if args.random is not None and args.random < 1:
        raise SparrowError(f"--random: expected a positive number of inputs, got {args.random}")
    params = resolve_params(args.params)
    model = load_model(args.file)
    if args.inputs is not None:
        x, aux = load_inputs_and_aux(model, args.inputs, option="--inputs")
    else:
        x = random_inputs(model, args.random, args.seed)
        aux = random_aux_inputs(model, args.random, args.seed)
    estimate = estimate_model(model, x, params, aux=aux, timesteps=args.timesteps,
                              lanes=args.lanes)
    if args.report:
        from .report import write_report
        path = write_report(estimate, args.report)
    if args.json:
        print(json.dumps(estimate.to_dict(), indent=2))
    else:
        print(format_estimate(estimate))
        if args.report:
            print(f"report: {path} (and energy.html, energy.json, plots)")
    return 0


def _timesteps(text: str) -> int:
    from .twins import check_timesteps
    try:
        return check_timesteps(int(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer T, got {text!r}") from None
    except SparrowError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _lanes(text: str) -> int:
    from ..hw.plan import Limits
    top = Limits().max_lanes
    try:
        lanes = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer number of lanes, got "
                                         f"{text!r}") from None
    if not 1 <= lanes <= top:
        raise argparse.ArgumentTypeError(f"lanes must be in 1..{top}, got {lanes}")
    return lanes


def register_cli(subparsers) -> argparse.ArgumentParser:
    """Add ``energy`` to ``subparsers`` (what ``ArgumentParser.add_subparsers()`` returns)."""
    p = subparsers.add_parser(
        "energy", help="analytical energy estimates of the ssf, qnn and if twins (no "
        "synthesis): naive, analytical (2409.08290), SATA-style, SpikeSim-style",
        description="Estimate energy per inference of the model's three twins under four "
        "estimators, by term, with the break-even spike rate. Spike rates come from the "
        "golden model on --inputs or --random inputs. Measured energies against these estimates: "
        "sparrow sweep, then sparrow study.")
    p.add_argument("file", help="descriptor (.toml or .json)")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--inputs", metavar="X.npy", help=".npy of raw samples (N, C, L), or "
                     ".npz with x (and aux)")
    src.add_argument("--random", type=int, metavar="N", help="N uniform random inputs")
    p.add_argument("--seed", type=int, default=0, help="seed for --random (default 0)")
    p.add_argument("--params", metavar="FILE", help="calibrated constants (.toml/.json, see "
                   "sparrow.estimate.params) or a built-in set name (default paper-22nm)")
    p.add_argument("--timesteps", type=_timesteps, metavar="T", help="estimate at this T "
                   "(1..255) keeping the measured spike rates (default: the model's T)")
    p.add_argument("--lanes", type=_lanes, default=defaults.LANES, metavar="P",
                   help="PE lanes of the cores whose cycles the per-cycle term counts "
                   "(default %(default)s)")
    p.add_argument("--json", action="store_true", help="print everything as JSON")
    p.add_argument("--report", metavar="DIR", help="write energy.md/.html/.json and plots")
    p.set_defaults(func=cmd_energy)
    return p
