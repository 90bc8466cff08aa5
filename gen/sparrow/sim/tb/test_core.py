"""cocotb tests of a generated Sparrow core against the golden model (one job per run).

The job (``SPARROW_TB_JOB``) names the design's manifest, the inputs, the golden model's
expected values and the stall patterns; see ``job``.
"""

from __future__ import annotations

import json

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, FallingEdge, SimTimeoutError, with_timeout
from cocotb.utils import get_sim_time

from .drivers import ConfigDriver, InputDriver
from .job import TbJob
from .monitors import ActivationWriteMonitor, ResultMonitor
from .scoreboard import Scoreboard
from .window import ActivityWindow


def _manifest(job: TbJob) -> dict:
    with open(job.manifest) as f:
        return json.load(f)


def _inputs(job: TbJob) -> tuple[np.ndarray, list]:
    """The raw samples and, per inference, its aux values (None without aux input)."""
    inputs = np.load(job.inputs)
    aux = np.load(job.aux) if job.aux else [None] * len(inputs)
    return inputs, list(aux)


async def _reset(dut, cycles: int = 2) -> None:
    """Synchronous reset for ``cycles`` rising edges (changed on falling edges)."""
    await FallingEdge(dut.clk)
    dut.rst.value = 1
    await ClockCycles(dut.clk, cycles)
    await FallingEdge(dut.clk)
    dut.rst.value = 0


async def _setup(dut, job: TbJob, manifest: dict):
    cocotb.start_soon(Clock(dut.clk, job.clock_period_ns, unit="ns").start())
    dut.sample__valid.value = 0
    dut.result__ready.value = 0
    if manifest["mode"] == "loadable":
        dut.cfg__en.value = 0
    if "aux" in manifest["ports"]:
        dut.aux__valid.value = 0
    await _reset(dut)
    if manifest["mode"] == "loadable":
        writes = np.load(job.config_writes)
        await ConfigDriver(dut, job.config_stall).write(writes.tolist())


async def _infer_traced(dut, manifest, x, aux):
    """Run one inference while recording every activation write (for diagnosis)."""
    tracer = ActivationWriteMonitor(dut, manifest)
    task = cocotb.start_soon(tracer.run())
    await InputDriver(dut, manifest).send(x, aux)
    await ResultMonitor(dut, manifest).receive()
    task.cancel()
    return tracer.writes


@cocotb.test()
async def inferences_match_golden(dut):
    """Every input through the core, with the job's stall patterns on both handshakes;
    scores, class and performance counters equal the golden model's."""
    job = TbJob.load()
    manifest = _manifest(job)
    expected = dict(np.load(job.expected))
    inputs, aux = _inputs(job)
    await _setup(dut, job, manifest)
    driver = InputDriver(dut, manifest, job.sample_stall)
    monitor = ResultMonitor(dut, manifest, job.result_stall)
    board = Scoreboard(manifest, expected)

    async def feed():
        for x, a in zip(inputs, aux, strict=True):
            await driver.send(x, a)

    # The inference window (ns) for activity-based power: from the moment the first sample
    # may be offered to the rising edge that hands over the last result. The toggle counter,
    # if any, counts over the same window.
    window = ActivityWindow(job.activity_counter)
    start_ns = get_sim_time("ns")
    window.open()
    feeder = cocotb.start_soon(feed())
    observed = []
    # A core that stops answering (a netlist timed wrongly, say) must fail, not hang: each
    # result is due within a generous bound of the input's samples and the plan's cycles.
    bound = 4 * (inputs[0].size * len(job.sample_stall or [1])
                 + manifest["per_inference"]["max_cycles"] * len(job.result_stall or [1])) + 1000
    stuck = False
    for i in range(len(inputs)):
        try:
            seen = await with_timeout(
                monitor.receive(on_transfer=window.close if i == len(inputs) - 1 else None),
                bound * job.clock_period_ns, "ns")
        except SimTimeoutError:
            board.errors.append(f"inference {i}: no result within {bound} cycles (the core "
                                "stopped answering)")
            stuck = True
            break
        observed.append(seen)
        board.check(i, seen)
    end_ns = get_sim_time("ns") - job.clock_period_ns / 2   # receive() returns at the falling edge
    if stuck:
        feeder.cancel()
    else:
        await feeder
    idle_ns = await _idle_window(dut, job, window) if job.idle_counts and not stuck else None

    diagnosis = []
    if board.errors and job.trace_on_mismatch and not stuck:
        first_bad = next(i for i, o in enumerate(observed)
                         if o.scores != [int(v) for v in expected["scores"][i]])
        await _reset(dut)
        where = board.localise(first_bad, await _infer_traced(dut, manifest, inputs[first_bad],
                                                             aux[first_bad]))
        diagnosis.append(where or "all traced activations match: the output layer differs")
    with open(job.results, "w") as f:
        json.dump({"observed": [o.__dict__ for o in observed], "errors": board.errors,
                   "diagnosis": diagnosis, "window_ns": [start_ns, end_ns],
                   "idle_window_ns": idle_ns}, f)
    assert not board.errors, "\n".join(diagnosis + board.errors[:20])


async def _idle_window(dut, job: TbJob, window: ActivityWindow) -> list[float]:
    """Count ``job.idle_cycles`` cycles of the core waiting between inferences (clock running,
    no sample offered, the last result taken) into ``job.idle_counts``; the window (ns) runs
    from one rising edge to the rising edge ``idle_cycles`` later."""
    await ClockCycles(dut.clk, 1)       # the inference window's last step has been written
    window.next(job.idle_counts)
    await ClockCycles(dut.clk, 2)       # the counter samples every value anew meanwhile
    start_ns = get_sim_time("ns")
    window.open()
    await ClockCycles(dut.clk, job.idle_cycles)
    window.close()
    end_ns = get_sim_time("ns")
    assert dut.busy.value == 0 and dut.result__valid.value == 0, \
        "the core was not idle in the idle window"
    return [start_ns, end_ns]


@cocotb.test()
async def reset_mid_inference(dut):
    """A reset in the middle of an inference, then a full inference that is still exact."""
    job = TbJob.load()
    manifest = _manifest(job)
    expected = dict(np.load(job.expected))
    inputs, aux = _inputs(job)
    await _setup(dut, job, manifest)
    await InputDriver(dut, manifest).send(inputs[0], aux[0])
    assert dut.busy.value == 1, "core not busy after a full input"
    await ClockCycles(dut.clk, max(1, manifest["per_inference"]["max_cycles"] // 4))
    await _reset(dut, 3)
    # Idle again: ready for the first value of an inference (its aux values, if any).
    first = dut.aux__ready if "aux" in manifest["ports"] else dut.sample__ready
    assert dut.busy.value == 0 and first.value == 1, "reset did not return to idle"
    board = Scoreboard(manifest, expected)
    await InputDriver(dut, manifest).send(inputs[-1], aux[-1])
    seen = await ResultMonitor(dut, manifest).receive()
    board.check(len(inputs) - 1, seen)
    assert not board.errors, "\n".join(board.errors)
