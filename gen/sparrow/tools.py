"""Running the external tools (Yosys, OpenSTA, Icarus): found on PATH or a clear ToolError.

Every run streams the tool's combined stdout/stderr into a log file (the file a failure
message points to) and, line by line, to an optional progress callback.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from .errors import ToolError

INSTALL_HINTS = {
    "yosys": "sudo apt-get install yosys",
    "sta": "sudo apt-get install opensta",
    "iverilog": "sudo apt-get install iverilog",
    "vvp": "sudo apt-get install iverilog",
    "iverilog-vpi": "sudo apt-get install iverilog build-essential",
}
"""How to get each tool on Debian 12 (./setup.sh installs them all)."""

_ERROR_LINE = re.compile(r"\b(error|ERROR|Error)\b")


def find_tool(name: str) -> str:
    """Absolute path of executable ``name`` on PATH, or ``ToolError`` saying how to install it."""
    path = shutil.which(name)
    if path is None:
        hint = INSTALL_HINTS.get(name, f"install {name}")
        raise ToolError(f"{name} not found on PATH: install it with `{hint}` (or run ./setup.sh)")
    return path


def _summary(lines: Sequence[str]) -> str:
    """The line most likely to explain a failure: the last error line, else the last line."""
    text = [line.strip() for line in lines if line.strip()]
    errors = [line for line in text if _ERROR_LINE.search(line)]
    return (errors or text or ["(no output)"])[-1]


def run_tool(args: Sequence[str | os.PathLike], *, log: Path, cwd: Path,
             what: str, timeout_s: float | None = None,
             on_line: Callable[[str], None] | None = None,
             env: Mapping[str, str] | None = None) -> str:
    """Run ``args`` in ``cwd``; return its combined output (also written to ``log``).

    ``what`` names the run in messages ("Yosys synthesis of top"). Raises ``ToolError`` when the
    executable is missing, exits non-zero, or runs longer than ``timeout_s`` seconds (the
    process group is killed); the message names the log file.
    """
    exe = find_tool(str(args[0]))
    log.parent.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
    timed_out = threading.Event()
    with open(log, "w") as out:
        proc = subprocess.Popen([exe, *map(str, args[1:])], cwd=cwd, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, errors="replace",
                                start_new_session=True,
                                env=None if env is None else {**os.environ, **env})

        def kill() -> None:
            timed_out.set()
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout_s, kill) if timeout_s else None
        if timer:
            timer.start()
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                out.write(line)
                lines.append(line)
                if on_line is not None:
                    on_line(line.rstrip("\n"))
            rc = proc.wait()
        except BaseException:
            kill()
            proc.wait()
            raise
        finally:
            if timer:
                timer.cancel()
    if timed_out.is_set():
        raise ToolError(f"{what} did not finish within {timeout_s:g} s and was stopped; "
                        f"log: {log}")
    if rc != 0:
        raise ToolError(f"{what} failed (exit status {rc}): {_summary(lines)}; log: {log}")
    return "".join(lines)
