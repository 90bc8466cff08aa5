"""LibreLane / OpenLane 2 ``config.json`` + SDC for a full RTL-to-GDS run of a design.

Variable names follow LibreLane's documented configuration (``DESIGN_NAME``,
``VERILOG_FILES``, ``CLOCK_PORT``, ``CLOCK_PERIOD`` in ns, ``PDK``, ``STD_CELL_LIBRARY``,
``PNR_SDC_FILE``, ``SIGNOFF_SDC_FILE``, ``FP_CORE_UTIL`` in %); file paths are written as
``dir::<path relative to the config>`` so the folder can be moved as a whole. Where the
design instantiates ``sparrow_clock_gate`` or ``sparrow_latch``, the version built from the
chosen cell library (``rtl/clock_gate/<library>.v``, ``rtl/latch/<library>.v``) is added to
``VERILOG_FILES``, as in Sparrow's own synthesis.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from .. import defaults
from ..errors import SparrowError
from ..fileio import atomic_write_text
from ..resources import CELL_WRAPPERS
from .sdc import render_sdc

_IDENTIFIER = re.compile(r"[_a-zA-Z][_a-zA-Z0-9]*")


def _dir_path(path: Path, config_dir: Path) -> str:
    return "dir::" + os.path.relpath(path.resolve(), config_dir.resolve())


def _needed_wrappers(files: Sequence[Path]):
    """The cell wrappers the files instantiate and do not define."""
    texts = [f.read_text(errors="replace") for f in files]
    return [w for w in CELL_WRAPPERS if any(w.instantiated_in(t) for t in texts)
            and not any(w.defined_in(t) for t in texts)]


def librelane_config(*, design_name: str, verilog_files: Sequence[str | os.PathLike],
                     config_dir: str | os.PathLike, sdc_file: str | os.PathLike,
                     clock_port: str = "clk", clock_period_ns: float = defaults.CLOCK_PERIOD_NS,
                     pdk: str = "sky130A", std_cell_library: str = "sky130_fd_sc_hd",
                     core_utilization_pct: float = 40.0,
                     extra: Mapping[str, object] | None = None) -> dict:
    """The configuration dictionary (not written). ``extra`` adds or overrides variables.

    Raises ``SparrowError`` for a design name that is not an identifier, a missing Verilog
    file, or a design that needs a clock gate or latch for a library Sparrow has none for.
    """
    if not _IDENTIFIER.fullmatch(design_name):
        raise SparrowError(f"design name {design_name!r} is not a valid identifier "
                           "([_a-zA-Z][_a-zA-Z0-9]*), which LibreLane requires")
    if clock_period_ns <= 0:
        raise SparrowError(f"clock period must be positive, got {clock_period_ns} ns")
    config_dir = Path(config_dir)
    files = [Path(f) for f in verilog_files]
    if not files:
        raise SparrowError("no Verilog files given for the LibreLane configuration")
    for f in files:
        if not f.is_file():
            raise SparrowError(f"Verilog file {f} not found")
    for wrapper in _needed_wrappers(files):
        try:
            files.append(wrapper.mapped(std_cell_library))
        except FileNotFoundError:
            raise SparrowError(
                f"the design instantiates {wrapper.module} but Sparrow has no {wrapper.what} "
                f"for cell library {std_cell_library} "
                f"(rtl/{wrapper.folder}/{std_cell_library}.v)") from None
    sdc = _dir_path(Path(sdc_file), config_dir)
    config: dict[str, object] = {
        "DESIGN_NAME": design_name,
        "VERILOG_FILES": [_dir_path(f, config_dir) for f in files],
        "CLOCK_PORT": clock_port,
        "CLOCK_PERIOD": clock_period_ns,
        "PDK": pdk,
        "STD_CELL_LIBRARY": std_cell_library,
        "PNR_SDC_FILE": sdc,
        "SIGNOFF_SDC_FILE": sdc,
        "FP_CORE_UTIL": core_utilization_pct,
    }
    config.update(extra or {})
    return config


def write_librelane_config(out_dir: str | os.PathLike, *, design_name: str,
                           verilog_files: Sequence[str | os.PathLike], clock_port: str = "clk",
                           clock_period_ns: float = defaults.CLOCK_PERIOD_NS, input_delay_ns: float = 0.0,
                           output_delay_ns: float = 0.0, pdk: str = "sky130A",
                           std_cell_library: str = "sky130_fd_sc_hd",
                           core_utilization_pct: float = 40.0,
                           extra: Mapping[str, object] | None = None) -> tuple[Path, Path]:
    """Write ``<out_dir>/config.json`` and ``<out_dir>/<design_name>.sdc``; return both paths.

    The SDC is in ns (the time unit of sky130 and gf180 liberty files, which LibreLane uses).
    Both files are written atomically, the SDC first, so a config never names a missing SDC.
    """
    out_dir = Path(out_dir)
    sdc_path = out_dir / f"{design_name}.sdc"
    config = librelane_config(design_name=design_name, verilog_files=verilog_files,
                              config_dir=out_dir, sdc_file=sdc_path, clock_port=clock_port,
                              clock_period_ns=clock_period_ns, pdk=pdk,
                              std_cell_library=std_cell_library,
                              core_utilization_pct=core_utilization_pct, extra=extra)
    atomic_write_text(sdc_path, render_sdc(design=design_name, clock_port=clock_port,
                                           clock_period_ns=clock_period_ns,
                                           input_delay_ns=input_delay_ns,
                                           output_delay_ns=output_delay_ns))
    config_path = atomic_write_text(out_dir / "config.json", json.dumps(config, indent=2) + "\n")
    return config_path, sdc_path
