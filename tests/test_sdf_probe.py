"""The up-front check of timed activity: a library whose cell models take SDF delays in
Icarus simulates the probe's annotated delay exactly; one with functional models is refused
before any step runs, with one message that says what to do."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sparrow.flow.pipeline import check_timed_library
from sparrow.sim.sdf_probe import PROBE_DELAY_NS, SdfUnsupported

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "examples" / "tiny" / "tiny.toml"


@pytest.mark.parametrize("library", ["osu018", "ihp_sg13g2"])
def test_models_with_specify_paths_simulate_the_annotated_delay(library):
    assert check_timed_library(library) == pytest.approx(PROBE_DELAY_NS, abs=1e-6)


@pytest.mark.parametrize("library, cell", [("sky130hd", "sky130_fd_sc_hd__buf_1"),
                                           ("gf180mcu_7t5v0", "clkbuf_1")])
def test_functional_models_are_named_with_what_to_do(library, cell):
    with pytest.raises(SdfUnsupported, match=rf"library {library}: its cell models do not take "
                       rf"SDF delays in Icarus \(a \S*{cell} annotated with 1.234 ns: the "
                       r"output followed after 0 ns; Icarus: .*Unable to match ModPath"):
        check_timed_library(library)


def test_the_flow_refuses_before_its_first_step(tmp_path):
    run = tmp_path / "run"
    proc = subprocess.run([sys.executable, "-m", "sparrow", "flow", str(TINY), "--random", "1",
                           "--library", "sky130hd", "--timed-activity", "-o", str(run)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stdout
    assert "do not take SDF delays" in proc.stderr and "run without --timed-activity" in \
        proc.stderr
    assert "Traceback" not in proc.stderr and not run.exists()
