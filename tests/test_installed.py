"""Sparrow installed as a package (not the checkout) works from a folder outside the
repository: its Verilog, templates and testbench ship with it.

The default test installs the built package with ``pip install --target`` (no dependencies:
they come from this environment, the package itself does not) and hides the checkout; the slow
test installs it with its dependencies into a fresh virtual environment, as a user would.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "examples" / "tiny"


def _install_target(site: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                    "--no-build-isolation", "--target", str(site), str(REPO)],
                   check=True, capture_output=True, text=True)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(python, environment, empty work folder with a copy of the tiny example)."""
    root = tmp_path_factory.mktemp("installed")
    site = root / "site"
    _install_target(site)
    work = root / "work"
    shutil.copytree(TINY, work / "tiny")
    env = dict(os.environ, PYTHONPATH=str(site))    # before the checkout's editable path
    return sys.executable, env, work


def _sparrow(python: str, env: dict, cwd: Path, *args: str, timeout: float = 900):
    proc = subprocess.run([python, "-m", "sparrow", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"sparrow {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    assert "Traceback" not in proc.stderr
    return proc.stdout


def _check_installed_commands(python: str, env: dict, work: Path, simulators) -> None:
    where = subprocess.run([python, "-c", "import sparrow; print(sparrow.__file__)"], cwd=work,
                           env=env, capture_output=True, text=True, check=True).stdout
    assert not Path(where.strip()).resolve().is_relative_to(REPO), where
    assert "parameters:" in _sparrow(python, env, work, "check", "tiny/tiny.toml")
    assert "predictions:" in _sparrow(python, env, work, "run", "tiny/tiny.toml", "--random", "2")
    _sparrow(python, env, work, "generate", "tiny/tiny.toml", "-o", "gen", "--lanes", "2")
    manifest = json.loads((work / "gen" / "manifest.json").read_text())
    assert (work / "gen" / manifest["files"]["verilog"]).is_file()
    assert (work / "gen" / manifest["files"]["clock_gate"]).is_file()
    for simulator in simulators:
        out = _sparrow(python, env, work, "sim", "tiny/tiny.toml", "--random", "2", "--lanes",
                       "2", "--sim", simulator, "--work", f"sim_{simulator}")
        assert "bit-exact: 2/2 inferences" in out, out
    out = _sparrow(python, env, work, "flow", "tiny/tiny.toml", "--random", "2", "--lanes", "2",
                   "-o", "run", "-q")
    assert "energy per inference" in out
    assert (work / "run" / "report.html").is_file() and (work / "run" / "metrics.json").is_file()


def test_installed_package_runs_every_command_outside_the_checkout(installed):
    python, env, work = installed
    _check_installed_commands(python, env, work, ("icarus", "verilator"))


@pytest.mark.slow
def test_pip_install_into_a_fresh_venv(tmp_path):
    """``pip install .`` with its dependencies into a new virtual environment (needs the
    package index or a warm pip cache), then the same commands from an empty folder."""
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = str(env_dir / "bin" / "python")
    subprocess.run([python, "-m", "pip", "install", "-q", str(REPO)], check=True,
                   capture_output=True, text=True, timeout=1800)
    work = tmp_path / "work"
    shutil.copytree(TINY, work / "tiny")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{env_dir / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    _check_installed_commands(python, env, work, ("icarus", "verilator"))
