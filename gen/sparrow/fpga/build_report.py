"""metrics.json and report.md of a bitstream build (the flow's style: every metric with its
unit, meaning and source)."""

from __future__ import annotations

import json
from pathlib import Path

from .. import __version__
from ..fileio import atomic_write_text
from ..flow.metrics import MetricSpec
from ..report import format_value

YOSYS = "Yosys (YoWASP) stat of the synthesized netlist"
NEXTPNR = "nextpnr (YoWASP) report after place and route"
PLAN = "Sparrow hardware plan"
BUILD = "sparrow fpga build"
DATASHEET = "device datasheet"

SPECS: dict[str, tuple[MetricSpec, str]] = {
    "fpga__board": (MetricSpec("", "board the bitstream is for"), BUILD),
    "fpga__device": (MetricSpec("", "FPGA device"), BUILD),
    "fpga__mode": (MetricSpec("", "weights baked into the bitstream or loadable over the "
                                  "UART"), PLAN),
    "fpga__lanes": (MetricSpec("lanes", "parallel MAC lanes of the core"), PLAN),
    "fpga__lut__count": (MetricSpec("LUTs", "4-input LUTs used (iCE40: as synthesized; "
                                            "ECP5: LUT sites after packing)"), None),
    "fpga__lut__available": (MetricSpec("LUTs", "4-input LUTs of the device"), NEXTPNR),
    "fpga__ff__count": (MetricSpec("FFs", "flip-flops used"), None),
    "fpga__ff__available": (MetricSpec("FFs", "flip-flops of the device"), NEXTPNR),
    "fpga__logic_cell__count": (MetricSpec("cells", "iCE40 logic cells used (LUT + FF + "
                                                    "carry each)"), NEXTPNR),
    "fpga__logic_cell__available": (MetricSpec("cells", "iCE40 logic cells of the device"),
                                    NEXTPNR),
    "fpga__bram__count": (MetricSpec("blocks", "block RAMs used (iCE40 4 kbit, ECP5 18 kbit)"),
                          NEXTPNR),
    "fpga__bram__available": (MetricSpec("blocks", "block RAMs of the device"), NEXTPNR),
    "fpga__spram__count": (MetricSpec("blocks", "iCE40 UltraPlus 256 kbit SPRAMs used"),
                           NEXTPNR),
    "fpga__spram__available": (MetricSpec("blocks", "SPRAMs of the device"), NEXTPNR),
    "fpga__dsp__count": (MetricSpec("blocks", "multiplier blocks used (SB_MAC16, "
                                              "MULT18X18D)"), NEXTPNR),
    "fpga__dsp__available": (MetricSpec("blocks", "multiplier blocks of the device"), NEXTPNR),
    "fpga__clock__frequency": (MetricSpec("MHz", "board oscillator = core clock"), NEXTPNR),
    "fpga__fmax": (MetricSpec("MHz", "highest clock the routed design meets (nextpnr static "
                                     "timing)"), NEXTPNR),
    "timing__clock_period": (MetricSpec("ns", "clock period of the board oscillator"), BUILD),
    "timing__setup__ws": (MetricSpec("ns", "worst setup slack at the board clock: period - "
                                           "1000 / fmax"), NEXTPNR),
    "fpga__uart__baud": (MetricSpec("Bd", "UART baud rate"), BUILD),
    "fpga__uart__divisor": (MetricSpec("cycles", "clock cycles per UART bit"), BUILD),
    "fpga__uart__baud_error": (MetricSpec("", "relative baud rate error of the divisor "
                                              "(fraction)"), BUILD),
    "fpga__frame_buffer__bytes": (MetricSpec("bytes", "payload capacity of the frame "
                                                      "buffer"), BUILD),
    "inference__cycles": (MetricSpec("cycles", "core clock cycles per inference, first compute "
                                               "cycle to result"), PLAN),
    "inference__compute_time": (MetricSpec("s", "compute time per inference at the board "
                                                "clock"), PLAN),
    "inference__uart_time": (MetricSpec("s", "UART time per inference: INFER frame in and "
                                             "RESULT frame out at the baud rate"), BUILD),
    "fpga__bitstream__size": (MetricSpec("bytes", "size of the bitstream file"), BUILD),
    "flow__wall_time__step": (MetricSpec("s", "wall-clock time of one step"), BUILD),
}


def metrics_document(metrics: dict, sources: dict[str, str]) -> dict:
    """The metrics.json document: metrics with units, meanings and sources (``sources``
    names the source of metrics whose spec leaves it open)."""
    def spec(key):
        return SPECS[key.partition(":")[0]]
    unknown = [k for k in metrics if k.partition(":")[0] not in SPECS]
    if unknown:
        raise KeyError(f"metrics without a unit: {', '.join(unknown)}")
    return {
        "flow": "fpga build",
        "sparrow_version": __version__,
        "metrics": dict(sorted(metrics.items())),
        "units": {k: spec(k)[0].unit for k in sorted(metrics)},
        "descriptions": {k: spec(k)[0].description for k in sorted(metrics)},
        "sources": {k: spec(k)[1] or sources[k] for k in sorted(metrics)},
    }


def _share(used, available) -> str:
    return f"{used:,} / {available:,} ({100 * used / available:.0f} %)" if available else \
        f"{used:,}"


def report_markdown(doc: dict, *, model: str, bitstream: str, timing_met: bool) -> str:
    """A short human report of the build."""
    m, units = doc["metrics"], doc["units"]
    lines = [f"# FPGA build: {model} on {m['fpga__board']}", "",
             f"Device {m['fpga__device']}, {m['fpga__mode']} design, {m['fpga__lanes']} lanes; "
             f"bitstream `{bitstream}` ({m['fpga__bitstream__size']:,} bytes). Sparrow "
             f"{doc['sparrow_version']}.", ""]
    if not timing_met:
        lines += [f"**Timing not met:** fmax {m['fpga__fmax']:.2f} MHz is below the board "
                  f"clock of {m['fpga__clock__frequency']:.2f} MHz.", ""]
    lines += ["| resource | used / available | source |", "|---|---|---|"]
    for key, label in (("lut", "LUTs"), ("ff", "flip-flops"), ("logic_cell", "logic cells"),
                       ("bram", "block RAMs"), ("spram", "SPRAMs"), ("dsp", "DSPs")):
        if f"fpga__{key}__count" in m:
            lines.append(f"| {label} | {_share(m[f'fpga__{key}__count'], m.get(f'fpga__{key}__available', 0))} "
                         f"| {doc['sources'][f'fpga__{key}__count']} |")
    lines += ["", "| figure | value | source |", "|---|---|---|"]
    for key in ("fpga__clock__frequency", "fpga__fmax", "timing__setup__ws", "fpga__uart__baud",
                "fpga__uart__divisor", "fpga__uart__baud_error", "fpga__frame_buffer__bytes",
                "inference__cycles", "inference__compute_time", "inference__uart_time"):
        value = m[key]
        if units[key] == "s":
            shown = f"{value * 1e6:,.0f} µs" if value < 1e-3 else f"{value * 1e3:,.2f} ms"
        elif units[key] == "MHz" or key == "timing__setup__ws":
            shown = f"{value:+.2f} {units[key]}" if key == "timing__setup__ws" else \
                f"{value:.2f} {units[key]}"
        else:
            shown = format_value(value, units[key])
        lines.append(f"| {doc['descriptions'][key]} | {shown} | {doc['sources'][key]} |")
    walls = [(k.partition(":")[2], v) for k, v in m.items() if k.startswith("flow__wall_time")]
    if walls:
        lines += ["", "Wall time: " + ", ".join(f"{step} {v:.0f} s" for step, v in walls) + "."]
    return "\n".join(lines) + "\n"


def write_build_report(out: Path, metrics: dict, sources: dict[str, str], *, model: str,
                       bitstream: str, timing_met: bool) -> dict:
    doc = metrics_document(metrics, sources)
    atomic_write_text(out / "metrics.json", json.dumps(doc, indent=2) + "\n")
    atomic_write_text(out / "report.md", report_markdown(doc, model=model, bitstream=bitstream,
                                                         timing_met=timing_met))
    return doc
