"""Debian's OpenSTA (``sta``, the 2019 build 2.0.17) on the same netlist, for comparison.

That build cannot read a VCD and sums the rise and fall internal energies (about 2x too much
internal power), so Sparrow does not use it for its figures; the bench shows the difference.
``run_opensta_power`` writes a Tcl script (read_liberty, read_verilog, link_design,
create_clock, input/output delays 0, ``set_power_activity`` and ``report_power``), runs it,
and parses the groups of its report. The Tcl script times ``report_power`` itself, so the
comparison of run times is not blurred by liberty loading.

Activity modes: ``"global"`` (``set_power_activity -global -activity A -duty D``: every
non-clock pin, no propagation) and ``"input"`` (``-input``: primary inputs, propagated).
The 2019 build cannot read ``.gz`` liberty files: they are decompressed to a temporary folder.
"""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from ..errors import ToolError
from .report import PowerBreakdown

_ROW = re.compile(r"^(Sequential|Combinational|Clock|Macro|Pad|Total)\s+([-+0-9.eE]+)\s+"
                  r"([-+0-9.eE]+)\s+([-+0-9.eE]+)\s+([-+0-9.eE]+)")


@dataclass
class OpenStaPower:
    """Groups and total (W) of one ``report_power``; ``report_seconds`` is report_power's own
    wall time (measured in Tcl), ``run_seconds`` the whole run (liberty and netlist loading
    included)."""

    version: str
    mode: str
    groups: dict[str, PowerBreakdown]
    total: PowerBreakdown
    report_seconds: float
    run_seconds: float
    output: str


def sta_executable(sta: str = "sta") -> str:
    """Path of the OpenSTA executable; ToolError naming the package when it is missing."""
    found = shutil.which(sta)
    if found is None:
        raise ToolError(f"OpenSTA ({sta}) not found; install it: sudo apt-get install opensta")
    return found


def _tcl_path(path: Path) -> str:
    text = str(path)
    if re.search(r"[\s{}\[\]$\\\"]", text):
        raise ToolError(f"path {text!r} has characters the OpenSTA script cannot quote")
    return text


def run_opensta_power(netlist: Path | str, liberty: Sequence[Path | str], top: str, *,
                      clock_port: str, clock_period_ns: float, activity: float = 0.1,
                      duty: float = 0.5, mode: str = "global", sta: str = "sta",
                      time_unit_s: float = 1e-9, timeout_s: float = 600.0) -> OpenStaPower:
    """Run ``report_power`` of Debian's OpenSTA on ``netlist``.

    ``time_unit_s`` is the first liberty's time unit (SDC values are in it: ps for asap7).
    Raises ToolError when sta is missing, fails, or prints no power report.
    """
    if mode not in ("global", "input"):
        raise ToolError(f"OpenSTA activity mode must be 'global' or 'input', not {mode!r}")
    executable = sta_executable(sta)
    period = clock_period_ns * 1e-9 / time_unit_s
    with tempfile.TemporaryDirectory(prefix="sparrow-sta-") as tmp:
        folder = Path(tmp)
        libs = []
        for i, path in enumerate(Path(p) for p in liberty):
            if path.suffix == ".gz":
                plain = folder / f"lib{i}_{path.stem}"
                with gzip.open(path, "rb") as src, open(plain, "wb") as dst:
                    shutil.copyfileobj(src, dst)
                path = plain
            libs.append(path)
        lines = [f"read_liberty {_tcl_path(p)}" for p in libs]
        lines += [
            f"read_verilog {_tcl_path(Path(netlist).resolve())}",
            f"link_design {top}",
            f"create_clock -name clk -period {period:.6g} [get_ports {clock_port}]",
            f"set_input_delay 0 -clock clk [delete_from_list [all_inputs] "
            f"[get_ports {clock_port}]]",
            "set_output_delay 0 -clock clk [all_outputs]",
            f"set_power_activity -{mode} -activity {activity:g} -duty {duty:g}",
            "set sparrow_t0 [clock microseconds]",
            "report_power -digits 6",
            "puts \"SPARROW_REPORT_US [expr {[clock microseconds] - $sparrow_t0}]\"",
            "puts \"SPARROW_VERSION [sta::version]\"",
        ]
        script = folder / "power.tcl"
        script.write_text("\n".join(lines) + "\n")
        started = time.perf_counter()
        try:
            result = subprocess.run([executable, "-no_splash", "-exit", str(script)],
                                    capture_output=True, text=True, timeout=timeout_s)
        except subprocess.TimeoutExpired:
            raise ToolError(f"OpenSTA did not finish within {timeout_s:g} s") from None
        run_seconds = time.perf_counter() - started
    output = result.stdout + result.stderr
    groups: dict[str, PowerBreakdown] = {}
    for line in result.stdout.splitlines():
        match = _ROW.match(line.strip())
        if match:
            internal, switching, leakage = (float(match.group(k)) for k in (2, 3, 4))
            groups[match.group(1)] = PowerBreakdown(internal_w=internal, switching_w=switching,
                                                    leakage_w=leakage)
    timing = re.search(r"SPARROW_REPORT_US (\d+)", result.stdout)
    version = re.search(r"SPARROW_VERSION (\S+)", result.stdout)
    if result.returncode != 0 or "Total" not in groups or timing is None:
        tail = " | ".join(output.strip().splitlines()[-5:])
        how = (f"killed by signal {-result.returncode} (a crash of OpenSTA itself)"
               if result.returncode < 0 else f"exit status {result.returncode}")
        raise ToolError(f"OpenSTA report_power failed on {netlist}, {how}"
                        + (f": {tail}" if tail else ""))
    total = groups.pop("Total")
    return OpenStaPower(version=version.group(1) if version else "unknown", mode=mode,
                        groups=groups, total=total,
                        report_seconds=int(timing.group(1)) * 1e-6, run_seconds=run_seconds,
                        output=output)
