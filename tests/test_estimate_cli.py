"""``sparrow energy``: runs in seconds on the ECG example, prints per twin and estimator,
JSON and report; each kind of bad input gets one clear message and writes nothing."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from sparrow.cli import main
from sparrow.estimate.params import PAPER_22NM, UNITS, ParamsError, load_params
from sparrow.hw.plan import plan_core
from sparrow.model import load_model

ECG = Path(__file__).resolve().parents[1] / "examples" / "ecg" / "ecg.toml"


def _params_toml(constants: dict, version: int = 2) -> str:
    lines = [f'format = {version}', 'name = "measured-test"']
    for key, entry in constants.items():
        lines.append(f"[constants.{key}]")
        lines.extend(f"{k} = {json.dumps(v)}" for k, v in entry.items())
    return "\n".join(lines) + "\n"


def _full_constants(**override) -> dict:
    out = {k: {"value": getattr(PAPER_22NM, k), "unit": u, "source": "test bench"}
           for k, u in UNITS.items()}
    out.update(override)
    return out


def test_energy_ecg_random_runs_in_seconds(capsys, tmp_path):
    start = time.perf_counter()
    assert main(["energy", str(ECG), "--random", "16", "--report", str(tmp_path / "r")]) == 0
    seconds = time.perf_counter() - start
    out = capsys.readouterr().out
    assert seconds < 30, f"took {seconds:.1f} s"
    for est in ("naive", "analytical", "sata", "spikesim"):
        assert est in out
    assert "break-even spike rate" in out and "J" in out
    for name in ("energy.md", "energy.html", "energy.json", "breakeven.png", "battery.png",
                 "energy_vs_t.png", "energy_vs_rate.png"):
        assert (tmp_path / "r" / name).stat().st_size > 0
    md = (tmp_path / "r" / "energy.md").read_text()
    assert "Claimed vs modelled gain" in md and "T=5, 4-bit weights" in md


def test_energy_json_matches_python_api(capsys):
    assert main(["energy", str(ECG), "--random", "3", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["timesteps"] == 15 and doc["count_bits"] == 4 and doc["inferences"] == 3
    assert len(doc["estimates"]) == 12
    for e in doc["estimates"]:
        t = e["total_j"]
        assert t["total"] == pytest.approx(sum(v for k, v in t.items() if k != "total"))


def test_energy_with_calibrated_params(capsys, tmp_path):
    path = tmp_path / "p.toml"
    path.write_text(_params_toml(_full_constants(e_fixed={"value": 1000.0,
                                                          "unit": "pJ/inference",
                                                          "source": "leakage run"})))
    assert main(["energy", str(ECG), "--random", "2", "--json", "--params", str(path)]) == 0
    doc = json.loads(capsys.readouterr().out)
    analytical = [e for e in doc["estimates"] if e["estimator"] == "analytical"]
    assert all(e["total_j"]["fixed"] == pytest.approx(1e-9) for e in analytical)
    assert doc["params"]["name"] == "measured-test"


def test_per_cycle_term_counts_the_cores_cycles(capsys, tmp_path):
    """e_cycle x the cycles of each twin's core: the qnn core's dense schedule is the plan's
    cycle bound whatever the data; skipping zeros takes fewer cycles, stepping T times more."""
    path = tmp_path / "p.toml"
    path.write_text(_params_toml(_full_constants(
        e_cycle={"value": 2.0, "unit": "pJ/cycle", "source": "clock run"})))
    assert main(["energy", str(ECG), "--random", "2", "--json", "--params", str(path),
                 "--lanes", "4"]) == 0
    doc = json.loads(capsys.readouterr().out)
    twins = {e["twin"]: e for e in doc["estimates"] if e["estimator"] == "analytical"}
    dense = plan_core(load_model(ECG), lanes=4, zero_skip=False).cycles_per_inference
    assert twins["qnn"]["cycles"] == dense and doc["lanes"] == 4
    assert twins["ssf"]["cycles"] < dense < twins["if"]["cycles"]
    for e in twins.values():
        assert e["fixed_j"]["fixed"] == pytest.approx(2.0e-12 * e["cycles"])


def test_format_1_params_have_no_per_cycle_or_per_step_term(tmp_path):
    path = tmp_path / "old.toml"
    added = ("e_state_step", "e_cycle")
    old = {k: v for k, v in _full_constants().items() if k not in added}
    path.write_text(_params_toml(old, version=1))
    params = load_params(path)
    for k in added:
        assert getattr(params, k) == 0 and "format 1" in params.sources[k]
    path.write_text(_params_toml(_full_constants(), version=1))
    with pytest.raises(ParamsError, match="unknown constant.*e_cycle, e_state_step"):
        load_params(path)


@pytest.mark.parametrize("constants, message", [
    (_full_constants(e_magic={"value": 1, "unit": "pJ", "source": "x"}),
     "unknown constant.*e_magic"),
    ({k: v for k, v in _full_constants().items() if k != "k_hop"}, "missing k_hop"),
    (_full_constants(e_acc={"value": -0.1, "unit": "pJ", "source": "x"}),
     "e_acc: energies and counts cannot be negative"),
    (_full_constants(e_acc={"value": 0.1, "unit": "fJ", "source": "x"}),
     "e_acc: unit must be 'pJ'"),
    (_full_constants(e_acc={"value": 0.1, "unit": "pJ", "source": " "}),
     "e_acc: source must say"),
    (_full_constants(qnn_sparsity={"value": 1.0, "unit": "1", "source": "x"}),
     "qnn_sparsity: a fraction"),
])
def test_params_file_errors(tmp_path, capsys, constants, message):
    path = tmp_path / "bad.toml"
    path.write_text(_params_toml(constants))
    with pytest.raises(ParamsError, match=message):
        load_params(path)
    out_dir = tmp_path / "report"
    assert main(["energy", str(ECG), "--random", "2", "--params", str(path),
                 "--report", str(out_dir)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("sparrow: error:") and "bad.toml" in err[0]
    assert not out_dir.exists()


def test_params_round_trip_json(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(PAPER_22NM.to_dict()))
    assert load_params(path) == PAPER_22NM


def test_timesteps_outside_limit_is_one_message(capsys, tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(["energy", str(ECG), "--random", "2", "--timesteps", "256",
              "--report", str(tmp_path / "r")])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "outside the twins' limit 1..255" in err and "Traceback" not in err
    assert not (tmp_path / "r").exists()


def test_bad_inputs_file(capsys, tmp_path):
    assert main(["energy", str(ECG), "--inputs", str(tmp_path / "none.npy")]) == 1
    assert "--inputs: file" in capsys.readouterr().err
