"""Gate-level simulation: a synthesized netlist with its library's cell models and a
caller's testbench under Icarus (with the flags the library needs), and a flow step for it.

The testbench is design-specific and comes from the caller; it instantiates the netlist's
top module and reports its verdict on standard output (see ``icarus.run_icarus``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .icarus import DEFAULT_FAIL_PATTERN, SimResult, VcdDump, run_icarus
from .libraries import DEFAULT_LIBRARY, Library, get_library
from .state import State
from .step import ConfigVar, Step, StepContext


def run_gatesim(netlist: str | Path, testbench: Sequence[str | Path], library: Library | str,
                out_dir: str | Path, **kwargs) -> SimResult:
    """Simulate ``netlist`` with ``library``'s cell models and ``testbench`` in ``out_dir``.

    Keyword arguments are those of ``icarus.run_icarus`` (``top``, ``dump``, ``vcd_file``,
    ``expect``, ``fail_pattern``, ``timeout_s``, ``progress``, ``defines``, ``plusargs``).
    """
    library = get_library(library) if isinstance(library, str) else library
    kwargs.setdefault("what", "gate-level simulation")
    return run_icarus([*testbench, netlist, *library.cell_models], out_dir,
                      flags=library.iverilog_flags, **kwargs)


class GateSimStep(Step):
    """Gate-level simulation of view ``netlist`` with a given testbench -> view ``vcd``.

    ``testbench``: Verilog files (top module ``top``); ``dump``: which scope and window to
    record (default ``tb.dut``, whole run), or None when the testbench writes ``vcd_file``
    itself; ``expect``: the testbench's pass line (regular expression)."""
    id = "icarus.gatesim"
    name = "Gate-level simulation"
    inputs = ("netlist",)
    outputs = ("vcd",)
    config_vars = (
        ConfigVar("LIBRARY", str, DEFAULT_LIBRARY,
                  "standard-cell library: a registry name (sparrow.flow.libraries) or a .toml"),
        ConfigVar("GATESIM_TIMEOUT", float, 3600.0, "longest allowed simulation", "s"),
    )
    source = "Icarus Verilog 11 (vvp.log, the VCD)"

    def __init__(self, testbench: Sequence[str | os.PathLike], *, top: str = "tb",
                 dump: VcdDump | None = VcdDump("tb.dut"), vcd_file: str | None = None,
                 expect: str | None = None, fail_pattern: str | None = DEFAULT_FAIL_PATTERN):
        if dump is None and vcd_file is None:
            raise ValueError("GateSimStep needs a VCD: give dump or vcd_file")
        self.testbench = tuple(Path(t).resolve() for t in testbench)
        self.top, self.dump, self.vcd_file = top, dump, vcd_file
        self.expect, self.fail_pattern = expect, fail_pattern

    def params(self) -> Mapping[str, Any]:
        return {"top": self.top, "dump": repr(self.dump), "vcd_file": self.vcd_file,
                "expect": self.expect, "fail_pattern": self.fail_pattern}

    def fingerprint_files(self) -> tuple[Path, ...]:
        return self.testbench

    def run(self, state: State, step_dir: Path, ctx: StepContext):
        result = run_gatesim(state.view("netlist"), self.testbench, ctx.config["LIBRARY"],
                             step_dir, top=self.top, dump=self.dump, vcd_file=self.vcd_file,
                             expect=self.expect, fail_pattern=self.fail_pattern,
                             timeout_s=ctx.config["GATESIM_TIMEOUT"], progress=ctx.progress)
        metrics: dict[str, Any] = {"gatesim__vcd__size": result.vcd.stat().st_size}
        if result.vcd_end_ns is not None:
            metrics["gatesim__vcd__end_time"] = result.vcd_end_ns
        return {"vcd": result.vcd}, metrics
