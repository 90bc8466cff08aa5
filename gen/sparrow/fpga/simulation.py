"""The FPGA board top under cocotb (Verilator by default): UART frames in, answers out.

Builds the Verilog of :class:`~sparrow.fpga.uart_top.SparrowUartTop` once, then runs the
testbench of :mod:`sparrow.fpga.tb` on it: inferences checked against the golden model,
malformed frames, or a TCP bridge that a host client reaches as ``socket://127.0.0.1:PORT``.
The simulated UART uses a small divisor (a few clock cycles per bit) so that runs are short;
the protocol and the gateware are those of the bitstreams.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from amaranth.back import verilog
from cocotb_tools.runner import get_runner

from ..errors import SparrowError
from ..hw.plan import HardwarePlan
from ..model.golden import check_input
# The environment switch and the JUnit reader of the core's simulation runner, shared.
from ..sim.runner import _environ, _read_xml
from ..sim.simulators import simulator_env
from .answers import expected_answers
from .protocol import OVERHEAD_BYTES, ProtocolLayout
from .tb.job import JOB_ENV, UartTbJob
from .uart_tx import FRAME_BITS
from .uart_top import SparrowUartTop

TEST_MODULE = "sparrow.fpga.tb.test_uart_top"
SIM_DIVISOR = 4                 # clock cycles per UART bit in simulation
SIM_CLOCK_NS = 10.0
TOP = "sparrow_uart_top"


def sim_timeout_cycles(divisor: int) -> int:
    """Quiet time of a simulated design: 64 byte times (the boards use 50 ms)."""
    return 64 * FRAME_BITS * divisor


@dataclass
class UartSimResult:
    """What one testbench run saw."""

    passed: bool
    tests_passed: list[str]
    tests_failed: list[str]
    seen: dict = field(repr=False)
    seconds: float
    log: Path

    @property
    def errors(self) -> list[str]:
        return self.seen.get("errors", []) + self.seen.get("failures", [])


class UartTopSimulation:
    """One built simulation of the board top for ``plan`` in ``work_dir``."""

    def __init__(self, plan: HardwarePlan, work_dir: str | os.PathLike, *,
                 simulator: str = "verilator", divisor: int = SIM_DIVISOR,
                 capacity: int | None = None):
        self.plan = plan
        self.simulator = simulator
        self.divisor = divisor
        self.timeout_cycles = sim_timeout_cycles(divisor)
        self.top = SparrowUartTop(plan, divisor=divisor, timeout_cycles=self.timeout_cycles,
                                  capacity=capacity)
        self.layout: ProtocolLayout = self.top.layout
        self.work = Path(work_dir).resolve()
        self.work.mkdir(parents=True, exist_ok=True)
        self.env = simulator_env(simulator)
        self.build_seconds = 0.0
        self._runs = 0
        self._built = False
        self._runner = get_runner(simulator)

    @property
    def build_dir(self) -> Path:
        return self.work / f"build_{self.simulator}"

    @property
    def answer_cycles(self) -> int:
        """The longest a correct design takes to answer a request (generous: twice the
        compute, buffer and transmit time)."""
        byte = FRAME_BITS * self.divisor
        return 2 * (self.plan.cycles_per_inference + 3 * self.layout.capacity +
                    (self.layout.result_length + OVERHEAD_BYTES) * byte) + 1000

    def build(self) -> None:
        if self._built:
            return
        source = self.work / f"{TOP}.v"
        source.write_text(verilog.convert(self.top, name=TOP, emit_src=False))
        args = ["-Wno-fatal", "-Wno-WIDTH", "-Wno-UNOPTFLAT", "-Wno-LATCH"] \
            if self.simulator == "verilator" else ["-g2005"]
        start = time.perf_counter()
        with _environ(self.env):
            try:
                self._runner.build(
                    sources=[str(source)], hdl_toplevel=TOP, build_dir=self.build_dir,
                    build_args=args, always=True, timescale=("1ns", "1ps"),
                    log_file=self.work / "build.log")
            except (SystemExit, Exception) as e:
                raise SparrowError(f"{self.simulator} build of the board top failed ({e}); "
                                   f"log: {self.work / 'build.log'}") from None
        self.build_seconds = time.perf_counter() - start
        self._built = True

    def _job(self, **fields) -> UartTbJob:
        self._runs += 1
        return UartTbJob(layout=dataclasses.asdict(self.layout), divisor=self.divisor,
                         timeout_cycles=self.timeout_cycles, clock_period_ns=SIM_CLOCK_NS,
                         results=str(self.work / f"results_{self._runs}.json"),
                         answer_cycles=self.answer_cycles, **fields)

    def _inputs_job(self, inputs) -> UartTbJob:
        x = check_input(self.plan.model, inputs)
        if len(x) == 0:
            raise SparrowError("inputs: no inference to simulate (empty array)")
        config = self.layout.config_frames(self.plan.config_writes()) \
            if self.plan.mode == "loadable" else []
        return self._job(config_frames=[f.hex() for f in config],
                         infer_frames=[self.layout.infer_frame(xi).hex() for xi in x],
                         expected=expected_answers(self.plan, x))

    def run_inferences(self, inputs) -> UartSimResult:
        """Weights (loadable) and every input over the UART; each answer checked."""
        return self._run("inferences_match_golden", self._inputs_job(inputs))

    def run_malformed(self, inputs) -> UartSimResult:
        """Malformed frames, each answered by its ERROR frame; then ``inputs`` still exact."""
        return self._run("malformed_frames_get_errors", self._inputs_job(inputs))

    @contextlib.contextmanager
    def bridge(self, *, seconds: float = 300.0):
        """Run the design behind a TCP socket; yields its ``socket://`` URL. The simulation
        ends when the client closes its connection (or after ``seconds``)."""
        port_file = self.work / f"bridge_port_{self._runs + 1}"
        port_file.unlink(missing_ok=True)
        job = self._job(bridge_port_file=str(port_file), bridge_seconds=seconds)
        outcome: dict = {}

        def simulate():
            try:
                outcome["result"] = self._run("socket_bridge", job)
            except BaseException as e:       # re-raised in the caller's thread
                outcome["error"] = e

        thread = threading.Thread(target=simulate, name="uart-bridge", daemon=True)
        thread.start()
        deadline = time.monotonic() + seconds
        while not port_file.exists():
            if not thread.is_alive() or time.monotonic() > deadline:
                thread.join(timeout=1)
                raise SparrowError(f"the simulated board did not open its socket: "
                                   f"{outcome.get('error') or 'see ' + str(self.work)}")
            time.sleep(0.05)
        try:
            yield f"socket://127.0.0.1:{int(port_file.read_text())}"
        finally:
            thread.join(timeout=seconds)
        if "error" in outcome:
            raise outcome["error"]
        self.bridge_result = outcome.get("result")

    def _run(self, testcase: str, job: UartTbJob) -> UartSimResult:
        self.build()
        job_path = job.save(self.work / f"job_{self._runs}.json")
        log = self.work / f"{testcase}_{self._runs}.log"
        start = time.perf_counter()
        xml = self._runner.test(test_module=TEST_MODULE, hdl_toplevel=TOP, build_dir=self.build_dir,
                          test_dir=self.work, extra_env=self.env | {JOB_ENV: str(job_path)},
                          testcase=[testcase], timescale=("1ns", "1ps"), log_file=log,
                          results_xml=str(self.work / f"results_{self._runs}.xml"))
        passed, failed = _read_xml(Path(xml))
        results = Path(job.results)
        seen = json.loads(results.read_text()) if results.exists() else \
            {"errors": [f"the testbench wrote no results; see {log}"]}
        return UartSimResult(passed=bool(passed) and not failed, tests_passed=passed,
                             tests_failed=failed, seen=seen,
                             seconds=time.perf_counter() - start, log=log)
