"""``sparrow check`` and ``sparrow run`` on the examples.

Expected totals are computed here from the descriptor file by hand formulas (its own TOML
parse, shapes walked layer by layer), not by the summary code under test; ``run`` output is
compared with the golden model and the plain reference.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

from sparrow.cli import main
from sparrow.model import load_model, plain_forward, run, save_model
from sparrow.model.random_model import random_aux

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*/*.toml"))


def hand_totals(path: Path) -> dict[str, int]:
    """Parameters, MACs, weight-memory bits, activation-buffer bits and count width."""
    d = tomllib.loads(path.read_text())
    t = d["timesteps"]
    c, length = d["input"]["channels"], d["input"]["length"]
    params = macs = weight_bits = 0
    outputs = []
    for layer in d["layers"]:
        kind = layer["kind"]
        if kind == "conv1d":
            k, s, p = layer["kernel"], layer.get("stride", 1), layer.get("padding", 0)
            out_c, out_l = layer["out_channels"], (length + 2 * p - k) // s + 1
            n_weights = out_c * c * k
            valid = sum(1 for q in range(out_l) for j in range(k) if 0 <= q * s + j - p < length)
            macs += out_c * c * valid
        elif kind == "dense":
            out_c, out_l = layer["out_features"], 1
            # An aux input adds out x features weights and MACs to its dense layer.
            aux = d["aux_input"]["features"] if layer.get("aux_input") else 0
            n_weights = out_c * (c * length + aux)
            macs += n_weights
        else:
            k = layer["kernel"]
            out_c, out_l = c, (length - k) // layer.get("stride", k) + 1
            n_weights = None
        if n_weights is not None:
            params += n_weights + out_c
            weight_bits += (n_weights * layer.get("weight_bits", 8)
                            + out_c * layer.get("bias_bits", 16))
        outputs.append(out_c * out_l)
        c, length = out_c, out_l
    count_bits = t.bit_length()             # ceil(log2(T + 1))
    return {"params": params, "macs": macs, "weight_memory_bits": weight_bits,
            "activation_buffer_bits": 2 * max(outputs[:-1], default=0) * count_bits,
            "count_bits": count_bits}


def _text_totals(out: str) -> dict[str, int]:
    def grab(pattern: str) -> int:
        m = re.search(pattern, out, re.MULTILINE)
        assert m, f"{pattern!r} not in the output:\n{out}"
        return int(m.group(1))
    return {"params": grab(r"^parameters:\s+(\d+)"),
            "macs": grab(r"^synaptic ops per inference:\s+(\d+) MACs"),
            "weight_memory_bits": grab(r"^weight memory:\s+(\d+) bits"),
            "activation_buffer_bits": grab(r"^activation buffers:\s+(\d+) bits"),
            "count_bits": grab(r"\(counts 0\.\.\d+, (\d+) bits\)")}


def _sparrow(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_examples_exist():
    names = {p.stem for p in EXAMPLES}
    assert {"tiny", "ecg"} <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_check_prints_the_hand_computed_totals(path, capsys):
    expected = hand_totals(path)
    code, out, err = _sparrow(capsys, "check", path)
    assert code == 0 and err == ""
    assert _text_totals(out) == expected

    code, out, _ = _sparrow(capsys, "check", path, "--json")
    s = json.loads(out)
    assert code == 0
    assert {"params": s["params"], "macs": s["synaptic_ops_per_inference"],
            "weight_memory_bits": s["weight_memory_bits"],
            "activation_buffer_bits": s["activation_buffer_bits"],
            "count_bits": s["count_bits"]} == expected
    assert s["weight_reads_per_inference"] == expected["macs"]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_check_of_the_json_form_gives_the_same_summary(path, tmp_path, capsys):
    json_path = save_model(load_model(path), tmp_path / f"{path.stem}.json")
    _, from_toml, _ = _sparrow(capsys, "check", path, "--json")
    code, from_json, _ = _sparrow(capsys, "check", json_path, "--json")
    assert code == 0 and json.loads(from_json) == json.loads(from_toml)


def _inputs(model, n: int, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    lo, hi = model.input.min_value, model.input.max_value
    x = rng.integers(lo, hi + 1, size=(n, *model.input.shape))
    x[0], x[1] = lo, hi
    return x


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_run_json_equals_the_golden_model(path, tmp_path, capsys):
    model = load_model(path)
    x = _inputs(model, 40)
    aux = random_aux(model, len(x), np.random.default_rng(1))
    if aux is None:
        given = tmp_path / "x.npy"
        np.save(given, x)
    else:                         # a model with an aux input takes an .npz of x and aux
        given = tmp_path / "x.npz"
        np.savez(given, x=x, aux=aux)
    code, out, err = _sparrow(capsys, "run", path, "--input", given, "--json", "--lanes", 3)
    assert code == 0 and err == ""
    report = json.loads(out)
    golden = run(model, x, aux=aux, lanes=3)
    assert report["inferences"] == len(x)
    assert report["predictions"] == golden.predictions.tolist()
    assert report["scores"] == golden.scores.tolist()
    per = report["per_inference"]
    assert per["weight_reads"] == per["macs"] == hand_totals(path)["macs"]
    assert per["activation_reads"] == golden.activation_reads
    assert per["activation_writes"] == golden.activation_writes
    assert per["synops_mean"] == pytest.approx(float(np.mean(golden.synops)))
    assert [layer["name"] for layer in report["layers"]] == [l.name for l in model.layers]
    for i in range(0, len(x), 13):                      # the independent reference
        scores, prediction, _ = plain_forward(model, x[i].tolist(),
                                              None if aux is None else aux[i].tolist())
        assert report["scores"][i] == scores and report["predictions"][i] == prediction


def test_run_single_sample_and_text_output(tmp_path, capsys):
    path = next(p for p in EXAMPLES if p.stem == "tiny")
    model = load_model(path)
    sample = _inputs(model, 3)[2]
    np.save(tmp_path / "one.npy", sample)                # (C, L): one inference
    code, out, err = _sparrow(capsys, "run", path, "--input", tmp_path / "one.npy")
    assert code == 0 and err == ""
    scores, prediction, _ = plain_forward(model, sample.tolist())
    assert f"predictions: [{prediction}]" in out
    assert f"scores[0] = {scores}" in out


def test_run_random_is_reproducible(capsys):
    path = next(p for p in EXAMPLES if p.stem == "tiny")
    _, first, _ = _sparrow(capsys, "run", path, "--random", 25, "--seed", 9, "--json")
    _, again, _ = _sparrow(capsys, "run", path, "--random", 25, "--seed", 9, "--json")
    assert first == again
    assert json.loads(first)["inferences"] == 25


def _bad_inputs(model, folder: Path) -> list[tuple[str, Path]]:
    c, length = model.input.shape
    hi = model.input.max_value
    good = np.zeros((2, c, length), dtype=np.int64)
    out = []

    def save(name: str, value) -> Path:
        p = folder / name
        with open(p, "wb") as f:
            np.save(f, value, allow_pickle=True)
        return p

    out.append(("shape", save("shape.npy", np.zeros((2, c, length + 1), dtype=np.int64))))
    out.append(("rank", save("rank.npy", np.zeros((2, 2, c, length), dtype=np.int64))))
    out.append(("scalar", save("scalar.npy", np.int64(1))))
    big = good.copy()
    big[1, 0, 3] = hi + 1
    out.append(("above range", save("above.npy", big)))
    out.append(("below range", save("below.npy", good - (1 << 20))))
    out.append(("uint64 wrap", save("u64.npy", np.full((1, c, length), 2**64 - 1, np.uint64))))
    out.append(("non-integer", save("float.npy", good + 0.5)))
    out.append(("nan", save("nan.npy", np.full((1, c, length), np.nan))))
    out.append(("bool", save("bool.npy", good.astype(bool))))
    out.append(("object", save("object.npy", good.astype(object))))
    out.append(("no samples", save("empty.npy", good[:0])))
    (folder / "text.npy").write_text("1 2 3\n")
    out.append(("text", folder / "text.npy"))
    np.savez(folder / "two.npz", a=good, b=good)
    out.append(("npz", folder / "two.npz"))
    out.append(("missing", folder / "absent.npy"))
    out.append(("directory", folder))
    return out


@pytest.mark.parametrize("label", ["shape", "rank", "scalar", "above range", "below range",
                                   "uint64 wrap", "non-integer", "nan", "bool", "object",
                                   "no samples", "text", "npz", "missing", "directory"])
def test_run_rejects_bad_input_with_one_line(label, tmp_path, capsys):
    path = next(p for p in EXAMPLES if p.stem == "tiny")
    bad = dict(_bad_inputs(load_model(path), tmp_path))[label]
    code, out, err = _sparrow(capsys, "run", path, "--input", bad, "--json")
    assert code == 1 and out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("sparrow: error: "), err
    assert "input" in lines[0]
    assert "Traceback" not in err


def test_console_script_run_json(tmp_path):
    """The installed command: stdout is exactly the JSON report, exit code 0."""
    path = next(p for p in EXAMPLES if p.stem == "tiny")
    model = load_model(path)
    x = _inputs(model, 5)
    np.save(tmp_path / "x.npy", x)
    script = shutil.which("sparrow", path=str(Path(sys.executable).parent))
    command = [script] if script else [sys.executable, "-m", "sparrow.cli"]
    proc = subprocess.run(command + ["run", str(path), "--input", str(tmp_path / "x.npy"),
                                     "--json"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["scores"] == run(model, x).scores.tolist()
