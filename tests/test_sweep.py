"""The energy study's sweep: points derived from one model, run through the whole flow on a
local Dask cluster, resumed after an interruption without measuring a finished point again,
and one clear message for settings that cannot be swept."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from sparrow.errors import SparrowError
from sparrow.flow import FlowOptions
from sparrow.model import load_model, run
from sparrow.study.measured import load_sweep
from sparrow.study.sweep import SweepPoint, SweepSpec, point_model

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "examples" / "tiny" / "tiny.toml"


def test_point_models_scale_thresholds_and_set_t():
    base = load_model(TINY)
    model = point_model(base, SweepPoint("ssf", 3, 2.0))
    assert model.timesteps == 3
    for a, b in zip(base.layers, model.layers):
        if a.theta is not None:
            assert b.theta.tolist() == [max(1, round(2.0 * t)) for t in a.theta.tolist()]
        if a.weight is not None:
            assert np.array_equal(a.weight, b.weight) and np.array_equal(a.bias, b.bias)
    # Larger thresholds fire less.
    x = np.random.default_rng(0).integers(-128, 128, size=(16, 1, 16))
    rates = [float(np.mean(run(point_model(base, SweepPoint("ssf", 7, s)), x).spike_rate))
             for s in (0.5, 1.0, 2.0)]
    assert rates[0] > rates[1] > rates[2]


@pytest.mark.parametrize("kwargs, message", [
    ({"variants": ("ssf", "lif")}, "unknown variant 'lif'"),
    ({"timesteps": (3, 3)}, "T repeat a value"),
    ({"timesteps": (0,)}, "T = 0 is outside"),
    ({"scales": (-1.0,)}, "must be a positive number"),
    ({"scales": ()}, "at least one"),
])
def test_inconsistent_settings_get_one_message(kwargs, message):
    spec = dict(descriptor=TINY, timesteps=(3,), scales=(1.0,), variants=("ssf",),
                options=FlowOptions(lanes=2))
    with pytest.raises(SparrowError, match=message):
        SweepSpec(**{**spec, **kwargs})


def _sweep(out: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "sparrow", "sweep", str(TINY), "-o", str(out), "--random", "2",
         "--lanes", "2", "--timesteps", "3", "7", "--scales", "1", "--variants", "ssf",
         "qnn", "--memory-style", "flop_gated", "--workers", "1", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def test_sweep_runs_on_dask_and_resumes_after_an_interruption(tmp_path):
    out = tmp_path / "sweep"
    first = _sweep(out)
    deadline = time.monotonic() + 600
    while not list(out.glob("points/*/result.json")):
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline, "no point finished in 10 minutes"
        time.sleep(1)
    os.killpg(first.pid, signal.SIGKILL)          # interrupted mid-sweep
    first.wait()
    done = {p.parent.name: p.stat().st_mtime_ns for p in out.glob("points/*/result.json")}
    assert 1 <= len(done) < 4
    second = _sweep(out)
    stdout, stderr = second.communicate(timeout=900)
    assert second.returncode == 0, stderr
    assert f"{len(done)} already measured" in stdout
    for name, mtime in done.items():                # finished points were not measured again
        assert (out / "points" / name / "result.json").stat().st_mtime_ns == mtime
    results = json.loads((out / "results.json").read_text())
    assert [r["name"] for r in results] == ["ssf-t3-s1", "ssf-t7-s1", "qnn-t3-s1", "qnn-t7-s1"]
    for r in results:
        m = r["metrics"]
        assert m["flow__signoff"] is True and m["inference__energy"] > 0
    by = {r["name"]: r["metrics"] for r in results}
    for t in (3, 7):        # zero skipping reads fewer weights than the dense QNN schedule
        assert by[f"ssf-t{t}-s1"]["inference__weight_reads"] < \
            by[f"qnn-t{t}-s1"]["inference__weight_reads"]
    assert "| ssf | 3 | 1 |" in (out / "results.md").read_text()
    generated = json.loads((out / "points" / "ssf-t3-s1" / "run" / "01-sparrow-generate" /
                            "fingerprint.json").read_text())
    assert generated["config"]["MEMORY_STYLE"] == "flop_gated"      # the sweep's option
    _check_study(out, stdout, by)
    # Another sweep in the same folder is refused in one line.
    proc = subprocess.run([sys.executable, "-m", "sparrow", "sweep", str(TINY), "-o", str(out),
                           "--random", "2", "--timesteps", "5", "--scales", "1"],
                          capture_output=True, text=True)
    assert proc.returncode == 1 and "holds another sweep" in proc.stderr
    assert "Traceback" not in proc.stderr


def _check_study(out: Path, stdout: str, by: dict) -> None:
    """The sweep ends with its study: measured energies as the runs report them, the blocks
    adding up to the total, break-even lines, and constants that sparrow energy reads."""
    for t in (3, 7):
        assert f"measured break-even, ssf vs qnn at T = {t}:" in stdout
    assert "held-out points 2 points," in stdout          # fitted on T = 3, T = 7 held out
    study = json.loads((out / "study" / "study.json").read_text())
    assert study["fit_timesteps"] == [3]
    for point in study["points"]:
        assert point["measured_j"] == by[point["name"]]["inference__energy"]
        assert point["measured_terms_j"]["total"] == pytest.approx(point["measured_j"],
                                                                   rel=1e-9)
        assert point["fitted"] == point["name"].endswith("t3-s1")
    for b in study["break_even"]:         # one scale: no bracket, the one ratio's side
        ratio = by[f"ssf-t{b['timesteps']}-s1"]["inference__energy"] / \
            by[f"qnn-t{b['timesteps']}-s1"]["inference__energy"]
        assert b["verdict"] == ("cheaper throughout" if ratio < 1 else "dearer throughout")
    for name in ("calibrated", "characterized"):
        params = out / "study" / f"{name}-params.json"
        proc = subprocess.run([sys.executable, "-m", "sparrow", "energy", str(TINY), "--random",
                               "2", "--params", str(params)], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        assert f"parameters osu018-{name}" in proc.stdout
    # The bottom-up model: every block measured, its constants in the report and the sums.
    blocks = study["characterized"]["blocks"]
    assert set(blocks) == {"acc", "mac", "cmp", "sub", "rom", "dense", "sparse"}
    assert all(b["energy_j"] > 0 and b["library"] == "osu018" for b in blocks.values())
    assert set(study["characterized"]["points"]) == set(by)
    assert "characterized model, ssf: 2 points" in stdout
    # The per-cycle term counts the cycles the core's counter counted, inference by inference.
    for p in load_sweep(out).points:
        metrics = json.loads((out / "points" / p.point.name / "run" / "metrics.json")
                             .read_text())["metrics"]
        assert p.twin_cycles[p.point.variant].measured == metrics["inference__cycles__mean"]
