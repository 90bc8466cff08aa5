"""Toggle counting inside Icarus, without a waveform: the VPI module ``vpi/sparrow_activity.c``.

A VCD of every net of a gate-level core is large (about 150 MB for one ECG beat) and writing
it doubles Icarus' run time; the power engine then reads it back only to count transitions
and time at 1 per net over the inference window. The module counts them during the
simulation instead, with the same rules as the VCD reader (``sparrow.power.vcd``), and writes
one line per net bit (``sparrow.power.Activity.from_counts`` reads it).

``counter_module()`` compiles the module once (``iverilog-vpi``, a C compiler) into the cache;
``CountedScope`` is the Verilog that starts the counting; the window is opened and closed by
the cocotb testbench through ctypes (``sparrow.sim.tb.window``) or by a Verilog testbench
with ``$sparrow_activity_open`` / ``$sparrow_activity_close``.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..errors import ToolError
from ..fileio import cache_dir
from ..tools import find_tool, run_tool

SOURCE = Path(__file__).resolve().parent / "vpi" / "sparrow_activity.c"
MODULE_NAME = "sparrow_activity"
COUNT_MODULE = "sparrow_activity_count"


def counter_module() -> Path:
    """The compiled VPI module (``sparrow_activity.vpi``), built on first use for this
    source and this Icarus; ``ToolError`` saying what to install when it cannot be built."""
    find_tool("iverilog-vpi")
    version = subprocess.run([find_tool("iverilog"), "-V"], capture_output=True, text=True,
                             check=False).stdout.splitlines()[:1]
    key = hashlib.sha256(SOURCE.read_bytes() + "\n".join(version).encode()).hexdigest()[:16]
    folder = cache_dir("vpi", key)
    module = folder / f"{MODULE_NAME}.vpi"
    if module.is_file():
        return module
    build = folder / f"build-{os.getpid()}"
    build.mkdir(exist_ok=True)
    run_tool(["iverilog-vpi", SOURCE], log=folder / "build.log", cwd=build,
             what="building the toggle-counting VPI module (needs a C compiler: "
                  "sudo apt-get install build-essential)")
    built = build / f"{MODULE_NAME}.vpi"
    if not built.is_file():
        raise ToolError(f"iverilog-vpi wrote no {built.name}; log: {folder / 'build.log'}")
    os.replace(built, module)      # atomic: a concurrent build leaves one complete file
    return module


def iverilog_flags(module: Path) -> list[str]:
    """iverilog arguments that make vvp load ``module`` (the compiled file records them)."""
    return ["-L", str(module.parent), "-m", module.stem]


@dataclass(frozen=True)
class CountedScope:
    """Count the nets directly in ``scope`` (hierarchical, ``top`` or ``tb.dut``) into
    ``file`` (absolute, or relative to the run folder) from time 0."""
    scope: str
    file: str

    def verilog(self) -> str:
        scope = self.scope.replace("/", ".")
        return "\n".join([
            "`timescale 1ns/1ps",
            "// Written by sparrow.sim.counter: counts the toggles of one scope's nets.",
            f"module {COUNT_MODULE};",
            f'  initial $sparrow_activity({scope}, "{self.file}");',
            "endmodule", ""])
