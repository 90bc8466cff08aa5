"""Malformed descriptors and weights files: every one raises DescriptorError naming the field.

The cases are generated systematically from one valid base model written as TOML and as JSON:
for every field, wrong types, out-of-range values, removal and extra keys; for every array
of the weights file, wrong shapes, out-of-range values, wrong dtypes, NaN/inf, pickles,
missing and extra arrays; and damaged files (empty, truncated, corrupted, binary, wrong
extension, directories, missing files). A sample also goes through ``sparrow check``.
"""

from __future__ import annotations

import copy
import datetime
import json
import math
import pickle
import random
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import given, settings

from sparrow.cli import main
from sparrow.errors import DescriptorError
from sparrow.model import load_model, save_model
from test_golden_properties import models

# ---------------------------------------------------------------------------------------------
# The base model: every layer kind, padding, stride, per-channel theta, 2-channel input.
# Shapes: input 2x12 -> c1 3x12 -> p1 3x6 -> c2 2x2 -> d1 4 -> out 3.

BASE: dict[str, Any] = {
    "format": 1, "name": "base", "description": "mutation base", "timesteps": 5,
    "weights": "base.npz",
    "input": {"channels": 2, "length": 12, "bits": 8, "signed": True},
    "layers": [
        {"name": "c1", "kind": "conv1d", "out_channels": 3, "kernel": 3, "stride": 1,
         "padding": 1, "weight_bits": 6, "bias_bits": 10, "theta": 7},
        {"name": "p1", "kind": "maxpool1d", "kernel": 2, "stride": 2},
        {"name": "c2", "kind": "conv1d", "out_channels": 2, "kernel": 3, "stride": 2,
         "padding": 0, "weight_bits": 4, "bias_bits": 8, "theta": [3, 5]},
        {"name": "d1", "kind": "dense", "out_features": 4, "weight_bits": 8, "bias_bits": 12,
         "theta": 9},
        {"name": "out", "kind": "dense", "out_features": 3, "weight_bits": 8, "bias_bits": 12,
         "role": "output"},
    ],
}
SHAPES = {"c1.weight": (3, 2, 3), "c1.bias": (3,), "c2.weight": (2, 3, 3), "c2.bias": (2,),
          "d1.weight": (4, 4), "d1.bias": (4,), "out.weight": (3, 4), "out.bias": (3,)}
BITS = {"c1.weight": 6, "c1.bias": 10, "c2.weight": 4, "c2.bias": 8, "d1.weight": 8,
        "d1.bias": 12, "out.weight": 8, "out.bias": 12}


def base_weights() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    return {k: rng.integers(-(1 << (BITS[k] - 1)), 1 << (BITS[k] - 1), size=s)
            for k, s in SHAPES.items()}


# ---------------------------------------------------------------------------------------------
# Writing descriptors: JSON as is; TOML by a small emitter that can write wrong types too.

DELETE = object()


class NotExpressible(Exception):
    """The value has no TOML (null) or JSON (dates) spelling."""


def _toml_key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else json.dumps(k)


def _toml_value(v: Any) -> str:
    if v is None:
        raise NotExpressible("TOML has no null")
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        if not -2**63 <= v < 2**63:
            raise NotExpressible("TOML integers are 64-bit")
        return str(v)
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) \
            else repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, (datetime.date, datetime.datetime)):
        return v.isoformat()
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_toml_key(k)} = {_toml_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(type(v))


def to_toml(d: dict) -> str:
    scalars, tables = [], []
    for k, v in d.items():
        if isinstance(v, dict):
            tables += ["", f"[{_toml_key(k)}]"] + [f"{_toml_key(a)} = {_toml_value(b)}"
                                                   for a, b in v.items()]
        elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            for item in v:
                tables += ["", f"[[{_toml_key(k)}]]"] + [f"{_toml_key(a)} = {_toml_value(b)}"
                                                         for a, b in item.items()]
        else:
            scalars.append(f"{_toml_key(k)} = {_toml_value(v)}")
    return "\n".join(scalars + tables) + "\n"


def to_json(d: dict) -> str:
    def default(v):
        raise NotExpressible(f"JSON has no {type(v).__name__}")
    return json.dumps(d, indent=1, default=default)


def render(d: Any, fmt: str) -> str:
    return to_toml(d) if fmt == "toml" else to_json(d)


# ---------------------------------------------------------------------------------------------
# Cases


@dataclass
class Case:
    id: str
    fmt: str                                   # "toml" or "json"
    field: str                                 # the field path the error must name
    desc: Any = None                           # the descriptor (dict or anything) to write
    text: bytes | None = None                  # or the raw bytes of the descriptor file
    weights: dict | None = None                # arrays for the .npz (None: the base weights)
    weights_file: Callable[[Path], None] | None = None   # or a writer of the weights file
    setup: Callable[[Path], Path] | None = None          # or a builder returning the path


def _set(d: dict, path: tuple, value: Any) -> dict:
    d = copy.deepcopy(d)
    target = d
    for p in path[:-1]:
        target = target[p]
    if value is DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return d


def _field_name(path: tuple) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else p)
    return out


INT_WRONG_TYPES = ["7", 1.5, 2.0, True, False, [1], {"a": 1}, None, float("nan"),
                   float("inf"), datetime.date(2024, 1, 2)]
STR_WRONG_TYPES = [3, 1.5, True, ["a"], {"a": 1}, None]

# Out-of-range values for every integer field (path, values).
RANGE_CASES: list[tuple[tuple, list]] = [
    (("timesteps",), [0, -1, 256, 1000, 2**40, 2**70]),
    (("format",), [0, 2, -1]),
    (("input", "channels"), [0, -3, 65537]),
    (("input", "length"), [0, -1, 65537]),
    (("input", "bits"), [0, 1, 17, 64]),
]
for i, layer in enumerate(BASE["layers"]):
    ints = {"conv1d": {"out_channels": [0, -1, 65537], "kernel": [0, -1, 65537, 40],
                       "stride": [0, -2, 65537], "padding": [-1, 65537],
                       "weight_bits": [0, 1, 9, 16], "bias_bits": [0, 1, 33, 64]},
            "maxpool1d": {"kernel": [0, -1, 13], "stride": [0, -1]},
            "dense": {"out_features": [0, -1, 65537], "weight_bits": [0, 1, 9],
                      "bias_bits": [0, 1, 33]}}[layer["kind"]]
    for key, values in ints.items():
        RANGE_CASES.append((("layers", i, key), values))
    if layer["kind"] == "conv1d":        # padding must stay below the kernel
        RANGE_CASES.append((("layers", i, "padding"), [layer["kernel"], layer["kernel"] + 2]))

FIRING = [i for i, layer in enumerate(BASE["layers"])
          if layer["kind"] != "maxpool1d" and layer.get("role") != "output"]
LAST = len(BASE["layers"]) - 1


def field_cases() -> list[tuple[str, Any, str]]:
    """(id, mutated descriptor, expected field) for one format."""
    out: list[tuple[str, Any, str]] = []

    def add(path: tuple, value: Any, field: str | None = None, tag: str = ""):
        label = "del" if value is DELETE else repr(value)[:30]
        out.append((f"{_field_name(path)}={label}{tag}", _set(BASE, path, value),
                    field or _field_name(path)))

    # Wrong types of integer fields.
    int_paths = [p for p, _ in RANGE_CASES]
    for path in dict.fromkeys(int_paths):
        for v in INT_WRONG_TYPES:
            add(path, v)
    # Out of range.
    for path, values in RANGE_CASES:
        for v in values:
            add(path, v)
    # String and bool fields.
    for path in [("name",), ("description",), ("weights",)] + \
            [("layers", i, "name") for i in range(len(BASE["layers"]))] + \
            [("layers", i, "kind") for i in range(len(BASE["layers"]))] + [("layers", LAST, "role")]:
        for v in STR_WRONG_TYPES:
            add(path, v)
    for v in ["yes", 1, 0, 1.5, [True], None, {"a": True}]:
        add(("input", "signed"), v)
    for v in ["", "1abc", "a-b", "a b", "x" * 65, "é", "_x"]:
        add(("name",), v)
    for i in range(len(BASE["layers"])):
        for v in ["", "1a", "a-b", "a.b", "x" * 65]:
            add(("layers", i, "name"), v)
        for v in ["conv2d", "Dense", "", "lstm", "CONV1D"]:
            add(("layers", i, "kind"), v)
        for v in ["input", "OUTPUT", ""]:
            add(("layers", i, "role"), v)
        if i < LAST:
            add(("layers", i, "role"), "output")
        add(("layers", i, "bogus"), 1)
        for v in [3, "x", [1], None, True]:
            add(("layers", i), v)
        add(("layers", i, "kind"), DELETE)
    # Duplicate layer names.
    for i in range(1, len(BASE["layers"])):
        add(("layers", i, "name"), BASE["layers"][0]["name"], tag=" (duplicate)")
    add(("layers", LAST, "role"), "hidden")
    add(("layers", LAST, "role"), DELETE)
    # Keys that belong to other kinds, or a theta on a layer that does not fire.
    add(("layers", 0, "out_features"), 4)
    add(("layers", 1, "theta"), 3)
    add(("layers", 1, "weight_bits"), 8)
    add(("layers", 1, "padding"), 0)
    add(("layers", 3, "kernel"), 3)
    add(("layers", 3, "padding"), 0)
    add(("layers", LAST, "theta"), 5)
    # Required keys removed.
    for path in [("name",), ("timesteps",), ("input",), ("layers",), ("input", "channels"),
                 ("input", "length"), ("layers", 0, "out_channels"), ("layers", 0, "kernel"),
                 ("layers", 1, "kernel"), ("layers", 2, "out_channels"), ("layers", 2, "kernel"),
                 ("layers", 3, "out_features"), ("layers", LAST, "out_features")] + \
            [("layers", i, "theta") for i in FIRING]:
        add(path, DELETE)
    # Extra keys.
    for path in [("bogus",), ("Name",), ("input", "bogus"), ("input", "shape")]:
        add(path, 1)
    # Thresholds.
    for i in FIRING:
        channels = {0: 3, 2: 2, 3: 4}[i]
        for v in [0, -1, -7, 2**31, 2**40, 1.5, "7", True, [], {}, None, float("nan"),
                  [1] * (channels + 1), [1] * (channels - 1) if channels > 1 else [1, 1]]:
            add(("layers", i, "theta"), v)
        for j in range(channels):
            for bad in [0, -2, 1.5, "x", True, [1], None, 2**31]:
                v = [3] * channels
                v[j] = bad
                out.append((f"layers[{i}].theta[{j}]={bad!r}", _set(BASE, ("layers", i, "theta"), v),
                            f"layers[{i}].theta[{j}]"))
    # Whole sections of the wrong type.
    for v in [3, "x", [], [1, 2], None, True]:
        add(("input",), v)
    for v in [[], 3, "x", {"a": 1}, None, [BASE["layers"][0]] * 65]:
        add(("layers",), v, field="layers")
    # The first layer must be the ANN layer.
    out.append(("layers[0] maxpool first",
                _set(BASE, ("layers", 0), {"name": "p0", "kind": "maxpool1d", "kernel": 2}),
                "layers[0].kind"))
    # Hardware limits: one layer output too large, too many weights in all.
    big_input = _set(BASE, ("input",), {"channels": 1, "length": 65536})
    out.append(("output too large", _set(big_input, ("layers",), [
        {"name": "c", "kind": "conv1d", "out_channels": 17, "kernel": 1, "theta": 1},
        {"name": "o", "kind": "dense", "out_features": 2, "role": "output"}]), "layers[0]"))
    out.append(("too many weights", _set(big_input, ("layers",), [
        {"name": "d", "kind": "dense", "out_features": 257, "theta": 1},
        {"name": "o", "kind": "dense", "out_features": 2, "role": "output"}]), "layers"))
    return out


def weight_cases() -> list[tuple[str, dict, str]]:
    """(id, arrays of the .npz, expected field)."""
    out = []
    rng = random.Random(3)
    for key, shape in SHAPES.items():
        field = f"weights[{key!r}]"
        lo, hi = -(1 << (BITS[key] - 1)), (1 << (BITS[key] - 1)) - 1

        def variant(label: str, value: Any, k: str = key, f: str = field):
            w = base_weights()
            if value is DELETE:
                del w[k]
            else:
                w[k] = value
            out.append((f"{k}:{label}", w, f))

        a = base_weights()[key]
        variant("missing", DELETE)
        variant("extra dim", a[None])
        variant("flattened" if a.ndim > 1 else "2d", a.reshape(-1) if a.ndim > 1 else a[:, None])
        variant("one fewer", a[:-1])
        variant("one more", np.concatenate([a, a[:1]]))
        variant("scalar", np.int64(1))
        variant("empty", np.zeros((0,), dtype=np.int64))
        if a.T.shape != a.shape:
            variant("transposed", a.T)
        for bad in (hi + 1, lo - 1, 2**40, -(2**40)):
            b = a.copy().astype(np.int64)
            b.flat[rng.randrange(b.size)] = bad
            variant(f"value {bad}", b)
        variant("uint64 max", np.full(shape, 2**64 - 1, dtype=np.uint64))
        variant("float", a.astype(np.float64))
        for special in (np.nan, np.inf, -np.inf):
            b = a.astype(np.float64)
            b.flat[rng.randrange(b.size)] = special
            variant(f"float {special}", b)
        variant("bool", np.ones(shape, dtype=bool))
        variant("str", np.full(shape, "1"))
        variant("complex", a.astype(np.complex128))
        variant("object", np.array(a.tolist(), dtype=object))
    for extra in ("bogus", "c1.weights", "p1.weight", "out.theta"):
        w = base_weights()
        w[extra] = np.zeros(3, dtype=np.int64)
        out.append((f"extra {extra}", w, f"weights[{extra!r}]"))
    out.append(("no arrays", {}, "weights['c1.weight']"))
    return out


def _npz_writer(arrays: dict) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        # np.savez pickles object arrays (allow_pickle defaults to True when saving).
        with open(path, "wb") as f:
            np.savez(f, **arrays)
    return write


def _good_npz_bytes() -> bytes:
    import io
    buf = io.BytesIO()
    np.savez_compressed(buf, **base_weights())
    return buf.getvalue()


def file_cases() -> list[Case]:
    out: list[Case] = []
    good = _good_npz_bytes()
    for fmt in ("toml", "json"):
        text = render(BASE, fmt).encode()
        out.append(Case(f"{fmt}:empty", fmt, "line 1" if fmt == "json" else "name", text=b""))
        out.append(Case(f"{fmt}:whitespace", fmt, "line 3" if fmt == "json" else "name",
                        text=b"\n \n\t"))
        out.append(Case(f"{fmt}:binary", fmt, "file", text=bytes(range(256)) * 4))
        out.append(Case(f"{fmt}:latin1", fmt, "file", text="name = \"é\"".encode("latin-1")))
        out.append(Case(f"{fmt}:garbage", fmt, "file",
                        text=b"\xff\xfe" + random.Random(1).randbytes(300)))
        out.append(Case(f"{fmt}:deep", fmt, "file",
                        text=(b"[" * 100000 + b"]" * 100000) if fmt == "json"
                        else b"a = " + b"[" * 100000 + b"]" * 100000))
        out.append(Case(f"{fmt}:huge int", fmt, "file",
                        text=(b'{"timesteps": ' + b"9" * 5000 + b"}") if fmt == "json"
                        else b"timesteps = " + b"9" * 5000))
        for v in (3, "x", [1, 2], None):
            if fmt == "json":
                out.append(Case(f"json:top {v!r}", fmt, "file", text=json.dumps(v).encode()))
        out.append(Case(f"{fmt}:syntax", fmt, "line 1" if fmt == "json" else "file",
                        text=b'{"name": "a",}' if fmt == "json" else b"name = = 3"))
        # Weights file problems.
        for label, writer in [
            ("npy", _npy_instead),
            ("pickle", lambda p: p.write_bytes(pickle.dumps(base_weights()))),
            ("text", lambda p: p.write_text("c1.weight = 1\n")),
            ("empty", lambda p: p.write_bytes(b"")),
            ("garbage", lambda p: p.write_bytes(random.Random(2).randbytes(2000))),
            ("zip of text", _zip_of_text),
        ] + [(f"truncated {n}", (lambda n: lambda p: p.write_bytes(good[:n]))(n))
             for n in (1, 10, 30, 100, len(good) // 2, len(good) - 23, len(good) - 1)]:
            out.append(Case(f"{fmt}:weights {label}", fmt, "weights", desc=BASE,
                            weights_file=writer))
        out.append(Case(f"{fmt}:weights missing", fmt, "weights", desc=BASE,
                        weights_file=lambda p: None))
        out.append(Case(f"{fmt}:weights dir", fmt, "weights", desc=BASE,
                        weights_file=lambda p: p.mkdir()))
        # The descriptor path itself.
        out.append(Case(f"{fmt}:missing file", fmt, "file",
                        setup=lambda d, f=fmt: d / f"absent.{f}"))
        out.append(Case(f"{fmt}:directory", fmt, "file",
                        setup=lambda d, f=fmt: _mkdir(d / f"dir.{f}")))
    for ext in (".yaml", ".txt", ".ini", "", ".TOM", ".npz"):
        out.append(Case(f"extension {ext or 'none'}", "toml", "file",
                        setup=lambda d, e=ext: _write(d / f"model{e}", render(BASE, "toml"))))
    return out


def _npy_instead(path: Path) -> None:
    with open(path, "wb") as f:           # np.save would append ".npy" to a path
        np.save(f, np.zeros(3))


def _zip_of_text(path: Path) -> None:
    import zipfile
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("c1.weight.npy", "not an array")


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def all_cases() -> list[Case]:
    cases = []
    for fmt in ("toml", "json"):
        for cid, desc, field in field_cases():
            try:
                render(desc, fmt)
            except NotExpressible:
                continue
            cases.append(Case(f"{fmt}:{cid}", fmt, field, desc=desc))
    for cid, arrays, field in weight_cases():
        fmt = "json" if "bias" in cid else "toml"      # both formats, alternately
        cases.append(Case(f"{fmt}:{cid}", fmt, field, desc=BASE, weights=arrays))
    return cases + file_cases()


CASES = all_cases()


def build(case: Case, folder: Path) -> Path:
    """Write the case's files into ``folder``; return the descriptor path."""
    if case.setup is not None:
        return case.setup(folder)
    path = folder / f"base.{case.fmt}"
    path.write_bytes(case.text if case.text is not None else render(case.desc, case.fmt).encode())
    if case.text is None:
        npz = folder / "base.npz"
        if case.weights_file is not None:
            case.weights_file(npz)
        else:
            _npz_writer(case.weights if case.weights is not None else base_weights())(npz)
    return path


def assert_names_field(error: DescriptorError, field: str) -> None:
    assert error.field == field or error.field.startswith(field + "["), (
        f"expected field {field!r}, got {error.field!r}: {error}")
    assert f"{error.field}: " in str(error)
    assert "\n" not in str(error)


# ---------------------------------------------------------------------------------------------
# Tests


def test_there_are_at_least_500_cases():
    assert len(CASES) >= 500
    assert len({c.id for c in CASES}) == len(CASES), "case ids must be unique"


def test_base_model_is_valid(tmp_path):
    for fmt in ("toml", "json"):
        folder = tmp_path / fmt
        folder.mkdir()
        model = load_model(build(Case("base", fmt, "", desc=BASE), folder))
        assert [layer.out_shape for layer in model.layers] == [(3, 12), (3, 6), (2, 2), (4, 1),
                                                               (3, 1)]
        for key, arr in base_weights().items():
            assert np.array_equal(model.weights_dict()[key], arr)


# One test per field (all its mutations, both formats): a failure lists every case that did
# not give the expected error; per-case test items would cost more than the checks.
BY_FIELD: dict[str, list[Case]] = {}
for _case in CASES:
    BY_FIELD.setdefault(_case.field, []).append(_case)


@pytest.mark.parametrize("field", list(BY_FIELD))
def test_malformed_input_raises_descriptor_error_naming_the_field(field, tmp_path):
    failures = []
    for case in BY_FIELD[field]:
        path = build(case, Path(tempfile.mkdtemp(dir=tmp_path)))
        try:
            load_model(path)
            failures.append(f"{case.id}: loaded without error")
        except DescriptorError as e:
            try:
                assert_names_field(e, case.field)
            except AssertionError as why:
                failures.append(f"{case.id}: {why}")
        except Exception as e:                      # noqa: BLE001 - any other type is the bug
            failures.append(f"{case.id}: {type(e).__name__}: {e}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("case", CASES[::16], ids=[c.id for c in CASES[::16]])
def test_cli_check_reports_one_line(case, tmp_path, capsys):
    path = build(case, tmp_path)
    assert main(["check", str(path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("sparrow: error: "), captured.err
    assert case.field in lines[0]
    assert "Traceback" not in captured.err


def _sparrow_command() -> list[str]:
    script = shutil.which("sparrow", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "sparrow.cli"]


@pytest.mark.parametrize("case", CASES[::293], ids=[c.id for c in CASES[::293]])
def test_cli_process_exits_nonzero_without_traceback(case, tmp_path):
    path = build(case, tmp_path)
    proc = subprocess.run(_sparrow_command() + ["check", str(path)], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.startswith("sparrow: error: ") and proc.stderr.count("\n") == 1
    assert "Traceback" not in proc.stderr


# Random damage may leave a file valid: a byte of a zip timestamp, a digit of a descriptor
# value. Then it loads; otherwise it must fail with a DescriptorError. Nothing else.


def _load_or_descriptor_error(path: Path, expected_prefix: str):
    """The loaded model, or None after a DescriptorError naming a field under the prefix."""
    try:
        return load_model(path)
    except DescriptorError as e:
        assert e.field.startswith(expected_prefix) and f"{e.field}: " in str(e), str(e)
        assert "\n" not in str(e)
        return None


@pytest.mark.parametrize("fmt", ["toml", "json"])
def test_random_corruption_of_the_weights_file(fmt, tmp_path):
    """The archive's CRCs protect the values: damage is detected, or it hit only metadata and
    the weights load unchanged."""
    good = _good_npz_bytes()
    rng = random.Random(11)
    path = build(Case("base", fmt, "", desc=BASE), tmp_path)
    failed = 0
    for _ in range(150):
        data = bytearray(good)
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        (tmp_path / "base.npz").write_bytes(bytes(data))
        model = _load_or_descriptor_error(path, "weights")
        if model is None:
            failed += 1
            continue
        for key, arr in base_weights().items():
            assert np.array_equal(model.weights_dict()[key], arr)
    assert failed > 50          # most damage is detected (CRC, zlib, headers)


@pytest.mark.parametrize("fmt", ["toml", "json"])
def test_truncated_and_corrupted_descriptors(fmt, tmp_path):
    text = render(BASE, fmt).encode()
    path = build(Case("base", fmt, "", desc=BASE), tmp_path)
    rng = random.Random(5)
    for cut in range(0, len(text), 7):
        path.write_bytes(text[:cut])
        if _load_or_descriptor_error(path, "") is not None:
            assert text[:cut].strip() == text.strip(), f"cut at {cut} loaded"
    for _ in range(150):
        data = bytearray(text)
        data[rng.randrange(len(data))] = rng.randrange(256)
        path.write_bytes(bytes(data))
        _load_or_descriptor_error(path, "")


# ---------------------------------------------------------------------------------------------
# Round trip


@settings(max_examples=40)
@given(models())
def test_save_then_load_gives_the_same_model(tmp_path_factory, model):
    folder = tmp_path_factory.mktemp("roundtrip")
    for fmt in ("toml", "json"):
        path = save_model(model, folder / f"m.{fmt}")
        back = load_model(path)
        assert back.to_dict() == model.to_dict()
        assert back.name == model.name and back.timesteps == model.timesteps
        assert back.input == model.input
        for a, b in zip(model.layers, back.layers):
            for attr in ("index", "name", "kind", "in_shape", "out_shape", "kernel", "stride",
                         "padding", "weight_bits", "bias_bits", "is_output"):
                assert getattr(a, attr) == getattr(b, attr), attr
            for attr in ("weight", "bias", "theta"):
                x, y = getattr(a, attr), getattr(b, attr)
                assert (x is None and y is None) or (np.array_equal(x, y) and y.dtype == np.int64)
    assert sorted(p.name for p in folder.iterdir()) == ["m.json", "m.npz", "m.toml"]


def test_save_with_unknown_extension_writes_nothing(tmp_path):
    model = load_model(build(Case("base", "toml", "", desc=BASE), tmp_path))
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(DescriptorError) as info:
        save_model(model, out / "m.yaml")
    assert_names_field(info.value, "file")
    assert list(out.iterdir()) == []
