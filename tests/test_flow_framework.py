"""The step/flow framework on small pure-Python steps and one real Yosys failure:
folders and saved states, skipping unchanged steps, --from/--to, failures that leave no
half-written step folder, configuration and metric-unit checks, the run's metrics.json."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from sparrow.errors import SparrowError, ToolError
from sparrow.flow import ConfigVar, MetricSpec, Progress, SequentialFlow, Step
from sparrow.report import write_report
from sparrow.tools import run_tool


class Double(Step):
    """Reads a number from view ``numbers``, writes twice it as view ``doubled``."""
    id = "toy.double"
    name = "Double"
    inputs = ("numbers",)
    outputs = ("doubled",)
    config_vars = (ConfigVar("OFFSET", int, 0, "added after doubling"),)
    metric_specs = {"toy__value": MetricSpec("", "the number written")}
    runs = 0

    def run(self, state, step_dir, ctx):
        type(self).runs += 1
        value = 2 * int(Path(state.view("numbers")).read_text()) + ctx.config["OFFSET"]
        out = step_dir / "doubled.txt"
        out.write_text(str(value))
        return {"doubled": out}, {"toy__value": value}


class Square(Step):
    id = "toy.square"
    name = "Square"
    inputs = ("doubled",)
    outputs = ("squared",)
    metric_specs = {"toy__square": MetricSpec("", "the square")}
    runs = 0

    def run(self, state, step_dir, ctx):
        type(self).runs += 1
        value = int(Path(state.view("doubled")).read_text()) ** 2
        ctx.progress(f"squared to {value}")
        out = step_dir / "squared.txt"
        out.write_text(str(value))
        return {"squared": out}, {"toy__square": value}


class Echo(Step):
    """Copies the initial view: unaffected by the other steps' configuration."""
    id = "toy.echo"
    name = "Echo"
    inputs = ("numbers",)
    outputs = ("echo",)
    runs = 0

    def run(self, state, step_dir, ctx):
        type(self).runs += 1
        out = step_dir / "echo.txt"
        out.write_text(Path(state.view("numbers")).read_text())
        return {"echo": out}, {}


class BrokenYosys(Step):
    """Runs Yosys on Verilog with a syntax error: a real tool failure."""
    id = "toy.broken"
    name = "Broken"
    inputs = ("squared",)
    outputs = ("netlist",)

    def run(self, state, step_dir, ctx):
        bad = step_dir / "bad.v"
        bad.write_text("module bad(input a; endmodule\n")
        run_tool(["yosys", "-p", f"read_verilog {bad}"], log=step_dir / "yosys.log",
                 cwd=step_dir, what="Yosys on bad.v")
        return {"netlist": bad}, {}


@pytest.fixture(autouse=True)
def reset_counters():
    Double.runs = Square.runs = Echo.runs = 0


def quiet() -> Progress:
    return Progress(io.StringIO(), min_line_interval_s=0.0)


def make_input(tmp_path: Path, value: int) -> Path:
    path = tmp_path / "in.txt"
    path.write_text(str(value))
    return path


def test_run_writes_step_folders_states_and_metrics(tmp_path):
    run = tmp_path / "run"
    progress = quiet()
    state = SequentialFlow([Double(), Square()], {"OFFSET": 1}).run(
        run, initial_views={"numbers": make_input(tmp_path, 3)}, progress=progress)
    assert state.metrics["toy__value"] == 7 and state.metrics["toy__square"] == 49
    for folder in ("01-toy-double", "02-toy-square"):
        for name in ("state_in.json", "state_out.json", "config.json", "metrics.json",
                     "fingerprint.json"):
            assert (run / folder / name).is_file(), (folder, name)
    assert json.loads((run / "01-toy-double" / "config.json").read_text()) == {"OFFSET": 1}
    saved = json.loads((run / "02-toy-square" / "state_out.json").read_text())
    assert saved["views"]["squared"] == "02-toy-square/squared.txt"    # relative to the run
    doc = json.loads((run / "metrics.json").read_text())
    assert doc["metrics"]["toy__square"] == 49
    assert doc["units"]["flow__wall_time__step:toy.square"] == "s"
    assert doc["sources"]["toy__square"].endswith("(02-toy-square/)")
    write_report(run)
    assert (run / "report.md").is_file() and (run / "report.html").is_file()
    text = progress.stream.getvalue()
    assert "[1/2] Double" in text and "[2/2] Square: done" in text and "squared to 49" in text
    # no temporary folders left; the lock file stays (see sparrow.flow.lock)
    assert [p.name for p in run.glob(".*")] == [".sparrow.lock"]


def test_unchanged_steps_are_reused_and_a_changed_input_reruns(tmp_path):
    run, numbers = tmp_path / "run", make_input(tmp_path, 3)
    flow = SequentialFlow([Double(), Square()])
    flow.run(run, initial_views={"numbers": numbers}, progress=quiet())
    assert (Double.runs, Square.runs) == (1, 1)
    flow.run(run, initial_views={"numbers": numbers}, progress=quiet())
    assert (Double.runs, Square.runs) == (1, 1)
    numbers.write_text("4")
    state = flow.run(run, initial_views={"numbers": numbers}, progress=quiet())
    assert (Double.runs, Square.runs) == (2, 2) and state.metrics["toy__square"] == 64
    # a changed configuration variable re-runs the step that reads it, and what follows
    flow = SequentialFlow([Double(), Square()], {"OFFSET": 1})
    state = flow.run(run, initial_views={"numbers": numbers}, progress=quiet())
    assert (Double.runs, Square.runs) == (3, 3) and state.metrics["toy__square"] == 81


def test_another_sparrow_code_reruns_every_step(tmp_path, monkeypatch):
    """A run folder made by other code (a changed generator, say) is never reused: the
    fingerprint carries the digest of the package's code and data."""
    import sparrow.flow.sequential as sequential
    from sparrow.resources import code_digest
    run, numbers = tmp_path / "run", make_input(tmp_path, 3)
    flow = SequentialFlow([Double(), Square()])
    flow.run(run, initial_views={"numbers": numbers}, progress=quiet())
    saved = json.loads((run / "01-toy-double" / "fingerprint.json").read_text())
    assert saved["code"] == code_digest() and len(saved["code"]) == 16
    monkeypatch.setattr(sequential, "code_digest", lambda: "0" * 16)
    flow.run(run, initial_views={"numbers": numbers}, progress=quiet())
    assert (Double.runs, Square.runs) == (2, 2)


def test_a_reused_step_keeps_the_new_upstream_results(tmp_path):
    run, numbers = tmp_path / "run", make_input(tmp_path, 3)
    SequentialFlow([Double(), Echo()], {"OFFSET": 0}).run(
        run, initial_views={"numbers": numbers}, progress=quiet())
    state = SequentialFlow([Double(), Echo()], {"OFFSET": 5}).run(
        run, initial_views={"numbers": numbers}, progress=quiet())
    assert (Double.runs, Echo.runs) == (2, 1)
    assert state.metrics["toy__value"] == 11
    saved = json.loads((run / "02-toy-echo" / "state_out.json").read_text())
    assert saved["metrics"]["toy__value"] == 11


def test_from_step_reuses_earlier_outputs_and_reruns_later_ones(tmp_path):
    run = tmp_path / "run"
    flow = SequentialFlow([Double(), Square()])
    flow.run(run, initial_views={"numbers": make_input(tmp_path, 5)}, progress=quiet())
    first = (run / "01-toy-double" / "doubled.txt").stat().st_mtime_ns
    state = flow.run(run, from_step="toy.square", progress=quiet())
    assert (Double.runs, Square.runs) == (1, 2)
    assert (run / "01-toy-double" / "doubled.txt").stat().st_mtime_ns == first
    assert state.metrics["toy__value"] == 10 and state.metrics["toy__square"] == 100
    doc = json.loads((run / "metrics.json").read_text())
    assert [s["status"] for s in doc["steps"]] == ["from saved state", "ran"]


def test_to_step_stops_early_and_from_needs_a_saved_state(tmp_path):
    run = tmp_path / "run"
    flow = SequentialFlow([Double(), Square()])
    with pytest.raises(SparrowError, match="no saved state"):
        flow.run(run, from_step="toy.square", progress=quiet())
    state = flow.run(run, initial_views={"numbers": make_input(tmp_path, 2)},
                     to_step="toy.double", progress=quiet())
    assert "squared" not in state.views and not (run / "02-toy-square").exists()
    with pytest.raises(SparrowError, match="no step 'toy.cube'"):
        flow.run(run, from_step="toy.cube", progress=quiet())


def test_tool_failure_leaves_failed_folder_with_log_and_no_step_folder(tmp_path):
    run = tmp_path / "run"
    flow = SequentialFlow([Double(), Square(), BrokenYosys()])
    with pytest.raises(ToolError) as err:
        flow.run(run, initial_views={"numbers": make_input(tmp_path, 1)}, progress=quiet())
    message = str(err.value)
    assert message.startswith("step toy.broken failed: Yosys on bad.v failed")
    assert "\n" not in message
    log = Path(message.rsplit("log: ", 1)[1])
    assert log == run / "03-toy-broken.failed" / "yosys.log" and log.is_file()
    assert "ERROR" in log.read_text()
    assert not (run / "03-toy-broken").exists()
    assert not (run / "metrics.json").exists()      # no run summary for a failed run
    assert (run / "02-toy-square" / "state_out.json").is_file()


def test_configuration_and_dataflow_errors_are_clear(tmp_path):
    with pytest.raises(SparrowError, match="unknown variable.*OFSET"):
        SequentialFlow([Double()], {"OFSET": 1})
    with pytest.raises(SparrowError, match="OFFSET must be of type int"):
        SequentialFlow([Double()], {"OFFSET": "one"}).run(
            tmp_path / "r1", initial_views={"numbers": make_input(tmp_path, 1)}, progress=quiet())
    with pytest.raises(SparrowError, match="toy.square needs view.*doubled"):
        SequentialFlow([Square()]).run(tmp_path / "r2", progress=quiet())


def test_a_metric_without_unit_is_a_step_bug(tmp_path):
    class NoUnit(Double):
        id = "toy.nounit"
        metric_specs = {}

    with pytest.raises(RuntimeError, match="toy__value has no unit"):
        SequentialFlow([NoUnit()]).run(tmp_path / "run",
                                       initial_views={"numbers": make_input(tmp_path, 1)},
                                       progress=quiet())
    assert (tmp_path / "run" / "01-toy-nounit.failed").is_dir()
    assert not (tmp_path / "run" / "01-toy-nounit").exists()


def test_missing_tool_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ToolError, match=r"yosys not found on PATH: install it with `sudo apt-get install yosys`"):
        run_tool(["yosys", "-V"], log=tmp_path / "x.log", cwd=tmp_path, what="x")
    with pytest.raises(ToolError, match="apt-get install opensta"):
        run_tool(["sta"], log=tmp_path / "x.log", cwd=tmp_path, what="x")


def test_timeout_stops_the_tool(tmp_path):
    with pytest.raises(ToolError, match=r"did not finish within 0.5 s.*log: .*slow\.log"):
        run_tool(["sh", "-c", "echo start; sleep 30"], log=tmp_path / "slow.log", cwd=tmp_path,
                 what="sleeper", timeout_s=0.5)
    assert (tmp_path / "slow.log").read_text() == "start\n"
