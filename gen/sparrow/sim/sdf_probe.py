"""Does a library's cell models take SDF delays in Icarus? One buffer, one delay, a second.

A timed gate-level run (``sparrow flow --timed-activity``) needs cell models whose ``specify``
paths Icarus can annotate; functional models (sky130's under ``FUNCTIONAL``, gf180mcu's) have
none, and their SDF entries would be ignored. :func:`probe_sdf_delays` finds out before a
flow spends minutes on synthesis and simulation: it annotates one instance of a buffer with a
known IOPATH delay, exactly as the timed run builds (the library's models at a 1 fs step,
``SDF_BUILD_ARGS``, the library's iverilog flags), and measures the delay from its input edge
to its output edge.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ..errors import SparrowError
from ..tools import run_tool
from .sdf import SDF_BUILD_ARGS, annotation_problems, fine_cell_models

PROBE_DELAY_NS = 1.234
"""The IOPATH delay the probe annotates (ns): not a multiple of any model's own delay."""

_MEASURED = re.compile(r"^sparrow-probe-delay (\S+)$", re.M)


class SdfUnsupported(SparrowError):
    """The library's cell models do not apply SDF delays in Icarus."""


def probe_sdf_delays(library_name: str, models: Sequence[Path], flags: Sequence[str], *,
                     cell: str, input_pin: str, output_pin: str) -> float:
    """Annotate one ``cell`` (a buffer: ``output_pin`` follows ``input_pin``) with a
    :data:`PROBE_DELAY_NS` IOPATH and return the delay Icarus simulates (ns). Raises
    :class:`SdfUnsupported` when Icarus reports the entry unapplied or the output does not
    follow at that delay."""
    with tempfile.TemporaryDirectory(prefix="sparrow-sdf-probe-") as tmp:
        work = Path(tmp)
        d = f"{PROBE_DELAY_NS}:{PROBE_DELAY_NS}:{PROBE_DELAY_NS}"
        (work / "probe.sdf").write_text(
            '(DELAYFILE (SDFVERSION "3.0") (DESIGN "sparrow_sdf_probe") (TIMESCALE 1ns)\n'
            f' (CELL (CELLTYPE "{cell}") (INSTANCE u)\n'
            f'  (DELAY (ABSOLUTE (IOPATH {input_pin} {output_pin} ({d}) ({d}))))))\n')
        (work / "probe.v").write_text(
            "`timescale 1ns/1fs\n"
            "module sparrow_sdf_probe;\n"
            f"  reg a = 1'b0;\n  wire y;\n  {cell} u (.{input_pin}(a), .{output_pin}(y));\n"
            "  realtime t_in;\n"
            '  initial $sdf_annotate("probe.sdf", sparrow_sdf_probe);\n'
            "  initial begin\n    #10 a = 1'b1;\n    t_in = $realtime;\n"
            "    @(posedge y) $display(\"sparrow-probe-delay %0.6f\", $realtime - t_in);\n"
            "    $finish;\n  end\n"
            "  initial #100 begin $display(\"sparrow-probe-delay none\"); $finish; end\n"
            "endmodule\n")
        sources = [*fine_cell_models(models, work / "cells"), work / "probe.v"]
        run_tool(["iverilog", "-g2005", *flags, *SDF_BUILD_ARGS, "-s", "sparrow_sdf_probe",
                  "-o", "probe.vvp", *sources], log=work / "build.log", cwd=work,
                 what=f"the SDF probe of {library_name}")
        output = run_tool(["vvp", "-n", "probe.vvp"], log=work / "run.log", cwd=work,
                          what=f"the SDF probe of {library_name}")
        # Without the probe's temporary folder in them, Icarus's lines read the same anywhere.
        problems = [line.replace(f"{work}/", "") for line in annotation_problems(output)]
    found = _MEASURED.search(output)
    measured = float(found.group(1)) if found and found.group(1) != "none" else None
    if problems or measured is None or abs(measured - PROBE_DELAY_NS) > 1e-6:
        seen = ("the output never followed" if measured is None
                else f"the output followed after {measured:g} ns")
        raise SdfUnsupported(
            f"library {library_name}: its cell models do not take SDF delays in Icarus (a "
            f"{cell} annotated with {PROBE_DELAY_NS} ns: {seen}"
            + (f"; Icarus: {problems[0]}" if problems else "")
            + "), so a timed gate-level run would ignore OpenSTA's delays. Timed activity "
            "needs cell models with specify paths (osu018 has them); run without "
            "--timed-activity.")
    return measured
