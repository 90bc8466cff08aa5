"""Gate-level simulation of a netlist with its library's cell models and a caller's Verilog
testbench under Icarus (with the flags the library needs).

The testbench is design-specific; it instantiates the netlist's top module and reports its
verdict on standard output (see ``icarus.run_icarus``). The generated core's gate-level runs
use the cocotb testbench instead (``runner.run_core_sim``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..library import Library, get_library
from .icarus import SimResult, run_icarus


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
