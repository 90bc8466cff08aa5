"""Simulation with Icarus Verilog (``iverilog`` + ``vvp``): compile, run with a timeout and
progress, optionally dump a VCD of one scope over a time window, and check the testbench's
verdict in its output."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .. import units
from ..errors import SparrowError, ToolError
from ..tools import run_tool

DUMP_MODULE = "sparrow_vcd_dump"
DEFAULT_FAIL_PATTERN = r"^(FAIL|ERROR|MISMATCH|FATAL)\b"
_TIMESCALE = re.compile(rb"\$timescale\s+(\d+)\s*(s|ms|us|ns|ps|fs)\s+\$end")
_TIMESTAMP = re.compile(rb"^#(\d+)\s*$", re.M)


def vcd_end_time_ns(vcd: Path) -> float | None:
    """Time of the last timestamp in ``vcd`` (ns), from its header and its last 64 KiB; None
    when either is missing."""
    with open(vcd, "rb") as f:
        head = f.read(1 << 16)
        f.seek(max(0, vcd.stat().st_size - (1 << 16)))
        tail = f.read()
    scale = _TIMESCALE.search(head)
    stamps = _TIMESTAMP.findall(tail)
    if not scale or not stamps:
        return None
    return int(stamps[-1]) * int(scale.group(1)) * units.scale(scale.group(2).decode(), "s") * 1e9


@dataclass(frozen=True)
class VcdDump:
    """A VCD of the signals below ``scope`` (hierarchical, ``tb.dut`` or ``tb/dut``; ``depth``
    levels of it, 0 for all), written to ``file`` (relative to the run folder, or absolute)
    from ``start_ns`` to ``stop_ns`` (None: the end of the simulation). Dumping starts at ``start_ns`` (the VCD's first values are the state
    at that time); at ``stop_ns`` it is switched off with ``$dumpoff``, which records every
    signal as x: readers must treat the $dumpoff block as the end of the window."""
    scope: str
    file: str = "activity.vcd"
    start_ns: float = 0.0
    stop_ns: float | None = None
    depth: int = 0

    def verilog(self) -> str:
        scope = self.scope.replace("/", ".")
        if self.start_ns < 0 or (self.stop_ns is not None and self.stop_ns <= self.start_ns):
            raise SparrowError(f"VCD window [{self.start_ns}, {self.stop_ns}] ns is empty")
        lines = ["`timescale 1ns/1ps",
                 "// Written by sparrow.sim.icarus: dumps one scope over a time window.",
                 f"module {DUMP_MODULE};", "  initial begin",
                 f'    $dumpfile("{self.file}");']
        dumpvars = f"$dumpvars({self.depth}, {scope});"
        lines.append(f"    #({self.start_ns:.3f}) {dumpvars}" if self.start_ns
                     else f"    {dumpvars}")
        if self.stop_ns is not None:
            lines.append(f"    #({self.stop_ns - self.start_ns:.3f}) $dumpoff;")
        lines += ["  end", "endmodule", ""]
        return "\n".join(lines)


@dataclass(frozen=True)
class SimResult:
    """Outcome of a simulation. ``vcd_end_ns``: time of the VCD's last timestamp (None
    without a VCD); ``wall_s``: seconds of compile + run."""
    output: str
    log: Path
    compile_log: Path
    vcd: Path | None
    vcd_end_ns: float | None
    wall_s: float


def run_icarus(sources: Sequence[str | Path], out_dir: str | Path, *, top: str = "tb",
               flags: Sequence[str] = (), defines: Mapping[str, str] | None = None,
               plusargs: Sequence[str] = (), dump: VcdDump | None = None,
               vcd_file: str | None = None, expect: str | None = None,
               fail_pattern: str | None = DEFAULT_FAIL_PATTERN, timeout_s: float | None = 600.0,
               progress: Callable[[str], None] | None = None, what: str = "simulation") -> SimResult:
    """Compile ``sources`` with top module ``top`` and run it in ``out_dir``.

    ``dump``: Sparrow adds a dumper module (see ``VcdDump``); otherwise ``vcd_file`` names the
    VCD the testbench writes itself (relative to ``out_dir``), if any. ``expect``: a regular
    expression the output must contain (the testbench's pass line); ``fail_pattern``: one it
    must not contain at a line start. ``progress`` gets each output line of the run.

    Raises ``ToolError`` (naming the log) when compilation or the run fails, times out, reports
    a failure, or the expected VCD is missing.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = [Path(s).resolve() for s in sources]
    for f in files:
        if not f.is_file():
            raise SparrowError(f"{what}: source file {f} not found")
    tops = [top]
    if dump is not None:
        dumper = out_dir / f"{DUMP_MODULE}.v"
        dumper.write_text(dump.verilog())
        files.append(dumper.resolve())
        tops.append(DUMP_MODULE)
        vcd_file = dump.file
    t0 = time.monotonic()
    compile_log = out_dir / "iverilog.log"
    args = ["iverilog", "-o", "sim.vvp", *flags, *(f"-D{k}={v}" for k, v in (defines or {}).items())]
    for t in tops:
        args += ["-s", t]
    run_tool([*args, *files], log=compile_log, cwd=out_dir, what=f"{what}: Icarus compile",
             timeout_s=timeout_s)
    log = out_dir / "vvp.log"
    vcd = out_dir / vcd_file if vcd_file else None
    if vcd is not None:
        vcd.unlink(missing_ok=True)
    output = run_tool(["vvp", "-n", "sim.vvp", *plusargs], log=log, cwd=out_dir,
                      what=f"{what}: Icarus run", timeout_s=timeout_s, on_line=progress)
    if fail_pattern and (m := re.search(fail_pattern, output, re.M)):
        line = output[m.start():].splitlines()[0]
        raise ToolError(f"{what}: the testbench reported a failure: {line}; log: {log}")
    if expect and not re.search(expect, output, re.M):
        raise ToolError(f"{what}: the testbench did not report success (expected /{expect}/ "
                        f"in its output); log: {log}")
    if vcd is not None and not vcd.is_file():
        raise ToolError(f"{what}: no VCD {vcd} was written; log: {log}")
    return SimResult(output=output, log=log, compile_log=compile_log, vcd=vcd,
                     vcd_end_ns=vcd_end_time_ns(vcd) if vcd is not None else None,
                     wall_s=time.monotonic() - t0)
