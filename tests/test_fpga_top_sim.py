"""The whole FPGA top (UART in, frame receiver, executor, core, sender, UART out) under cocotb
and Verilator, on the generated Verilog: weights and inputs sent as UART bits, every answer
checked against the golden model (the testbench's scoreboard, and again here); malformed
frames answered by ERROR frames; the host client through a TCP bridge to the simulation.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sparrow.fpga.client import BoardClient, BoardError, run_on_board
from sparrow.fpga.ecg_beats import class_balanced_beats
from sparrow.fpga.protocol import DeviceError, ErrorCode, FrameType, encode_frame
from sparrow.fpga.simulation import UartTopSimulation
from sparrow.hw.plan import plan_core
from sparrow.hw.schedule import inference_counters
from sparrow.model import load_model, run
from sparrow.model.inputs import random_inputs

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "examples" / "tiny" / "tiny.toml"
ECG = ROOT / "examples" / "ecg" / "ecg.toml"
MITDB = ROOT / ".." / "shared" / "data" / "mitdb"
LANES = {"tiny": 2, "ecg": 8}


def check_observed(observed, model, plan, x):
    """Classes, scores and counters equal an independent golden-model run."""
    golden = run(model, x, lanes=plan.lanes)
    assert len(observed) == len(x)
    for i, seen in enumerate(observed):
        assert seen["scores"] == golden.scores[i].tolist(), f"inference {i}"
        assert seen["cls"] == int(golden.predictions[i]), f"inference {i}"
        counters = inference_counters(plan, x, golden.activations).as_dict()
        assert seen["counters"] == {k: int(v[i]) for k, v in counters.items()}, \
            f"inference {i}"


@pytest.fixture(scope="module")
def tiny_sim(tmp_path_factory):
    model = load_model(TINY)
    plan = plan_core(model, lanes=LANES["tiny"], mode="loadable")
    sim = UartTopSimulation(plan, tmp_path_factory.mktemp("tiny-uart"))
    sim.build()
    return model, sim


def test_tiny_inferences_over_the_uart(tiny_sim):
    model, sim = tiny_sim
    x = random_inputs(model, 3, seed=5)
    result = sim.run_inferences(x)
    assert result.passed, "\n".join(result.errors)
    check_observed(result.seen["observed"], model, sim.plan, x)


def test_tiny_top_on_icarus(tmp_path):
    """The same top and testbench on the other simulator (``sparrow fpga sim --sim icarus``)."""
    model = load_model(TINY)
    plan = plan_core(model, lanes=LANES["tiny"], mode="loadable")
    x = random_inputs(model, 2, seed=4)
    result = UartTopSimulation(plan, tmp_path, simulator="icarus").run_inferences(x)
    assert result.passed, "\n".join(result.errors)
    check_observed(result.seen["observed"], model, plan, x)


def test_malformed_frames_get_error_frames(tiny_sim):
    model, sim = tiny_sim
    x = random_inputs(model, 2, seed=6)
    result = sim.run_malformed(x)
    assert result.passed, "\n".join(result.errors)
    cases = {c["case"]: c for c in result.seen["malformed"]}
    # Every malformed frame got an ERROR frame (type 0xEE) with its code.
    assert {c["type"] for c in cases.values()} == {FrameType.ERROR}
    assert cases["frame cut short"]["payload"][:2] == f"{ErrorCode.TIMEOUT:02x}"
    assert cases["bad checksum"]["payload"][:2] == f"{ErrorCode.CHECKSUM:02x}"
    assert cases["INFER one sample short"]["payload"][:2] == f"{ErrorCode.LENGTH:02x}"
    # ... and the inferences afterwards are still exact.
    check_observed(result.seen["observed"][1:], model, sim.plan, x)


def test_host_client_through_a_socket(tiny_sim):
    model, sim = tiny_sim
    x = random_inputs(model, 2, seed=7)
    wrong = load_model(ECG)
    with sim.bridge(seconds=240) as url, BoardClient(url, timeout=60) as client:
        with pytest.raises(BoardError, match="different design|does not fit") as refused:
            run_on_board(wrong, client, x[:1])
        assert "\n" not in str(refused.value)
        board_run = run_on_board(model, client, x)
        client.send(encode_frame(FrameType.INFER, bytes(3)))
        with pytest.raises(DeviceError) as error:
            client.receive()
    assert board_run.passed, board_run.errors
    assert board_run.config_writes == len(sim.plan.config_writes())
    check_observed(board_run.observed, model, sim.plan, x)
    assert error.value.code == ErrorCode.LENGTH and error.value.detail == FrameType.INFER
    assert str(error.value).count("\n") == 0 and "LENGTH" in str(error.value)


def test_cli_run_against_the_simulated_board(tiny_sim, tmp_path):
    model, sim = tiny_sim
    x = random_inputs(model, 2, seed=8)
    np.save(tmp_path / "x.npy", x)
    with sim.bridge(seconds=240) as url:
        out = subprocess.run([sys.executable, "-m", "sparrow.cli", "fpga", "run", str(TINY),
                              "--port", url, "--inputs", str(tmp_path / "x.npy"),
                              "--timeout", "60"], capture_output=True, text=True, timeout=240)
    assert out.returncode == 0, out.stderr
    golden = run(model, x, lanes=sim.plan.lanes)
    assert f"classes: {golden.predictions.tolist()}" in out.stdout
    assert "bit-exact: 2/2 inferences equal the golden model" in out.stdout


def test_ecg_beats_over_the_uart(tmp_path, tmp_path_factory):
    """The ECG model's weights over the UART, then one N and one V beat from MIT-BIH."""
    model = load_model(ECG)
    x, y = class_balanced_beats(1, data_dir=MITDB, cache_dir=tmp_path_factory.mktemp("beats"))
    pick = [int(np.flatnonzero(y == 0)[0]), int(np.flatnonzero(y == 2)[0])]
    plan = plan_core(model, lanes=LANES["ecg"], mode="loadable")
    sim = UartTopSimulation(plan, tmp_path / "ecg")
    result = sim.run_inferences(x[pick])
    assert result.passed, "\n".join(result.errors)
    check_observed(result.seen["observed"], model, plan, x[pick])


@pytest.mark.slow
def test_ecg_twenty_beats_all_classes(tmp_path, tmp_path_factory):
    """Four beats of each of the five classes, on the loadable ECG top."""
    model = load_model(ECG)
    x, y = class_balanced_beats(4, data_dir=MITDB, cache_dir=tmp_path_factory.mktemp("beats"))
    assert np.bincount(y, minlength=5).tolist() == [4] * 5
    plan = plan_core(model, lanes=LANES["ecg"], mode="loadable")
    sim = UartTopSimulation(plan, tmp_path / "ecg")
    result = sim.run_inferences(x)
    assert result.passed, "\n".join(result.errors)
    check_observed(result.seen["observed"], model, plan, x)


@pytest.mark.slow
def test_tiny_baked_top(tmp_path):
    """Baked weights: no config port, CONFIG refused with ERROR TYPE; inferences exact."""
    model = load_model(TINY)
    plan = plan_core(model, lanes=3, mode="baked")
    sim = UartTopSimulation(plan, tmp_path / "baked")
    x = random_inputs(model, 3, seed=9)
    result = sim.run_malformed(x)
    assert result.passed, "\n".join(result.errors)
    refused = [c for c in result.seen["malformed"] if c["case"] == "CONFIG to a baked design"]
    assert refused and refused[0]["payload"] == f"{ErrorCode.TYPE:02x}{FrameType.CONFIG:02x}"
    check_observed(result.seen["observed"][1:], model, plan, x)
