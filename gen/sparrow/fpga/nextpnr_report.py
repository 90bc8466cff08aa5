"""Reading a build's reports: Yosys ``stat -json`` (cells by type) and nextpnr's ``--report``
JSON (sites used and available per type, fmax per clock)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import ToolError

# Resource -> (nextpnr site type, Yosys cell types) per family. Where nextpnr has a site per
# resource its count is used; iCE40 logic cells hold a LUT and a flip-flop each, so there the
# LUTs and flip-flops are counted as Yosys mapped them.
SITES = {
    "ice40": {"lut": None, "ff": None, "logic_cell": "ICESTORM_LC", "bram": "ICESTORM_RAM",
              "dsp": "ICESTORM_DSP", "spram": "ICESTORM_SPRAM"},
    "ecp5": {"lut": "TRELLIS_COMB", "ff": "TRELLIS_FF", "bram": "DP16KD",
             "dsp": "MULT18X18D"},
}
# Resource -> {Yosys cell type: sites it takes}; a type ending in "*" is a prefix.
CELLS = {
    "ice40": {"lut": {"SB_LUT4": 1}, "ff": {"SB_DFF*": 1}, "bram": {"SB_RAM40_4K": 1},
              "dsp": {"SB_MAC16": 1}, "spram": {"SB_SPRAM256KA": 1}},
    # A CCU2C (carry) and a TRELLIS_DPR16X4 (LUT RAM) take two LUT sites each.
    "ecp5": {"lut": {"LUT4": 1, "CCU2C": 2, "TRELLIS_DPR16X4": 2}, "ff": {"TRELLIS_FF": 1},
             "bram": {"DP16KD": 1}, "dsp": {"MULT18X18D": 1}},
}


def _read_json(path: Path, what: str) -> dict:
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError) as e:
        raise ToolError(f"{what} {path} is missing or unreadable ({e})") from None


def synthesized_cells(stat_json: str | Path) -> dict[str, int]:
    """Cells by type of the synthesized top (Yosys ``stat -json``)."""
    doc = _read_json(Path(stat_json), "Yosys statistics")
    try:
        return {k: int(v) for k, v in doc["design"]["num_cells_by_type"].items()}
    except (KeyError, TypeError, ValueError):
        raise ToolError(f"{stat_json}: no cell counts in the Yosys statistics") from None


def cell_resources(cells: dict[str, int], family: str) -> dict[str, int]:
    """Resources the synthesized cells take (on ECP5 the LUTs are an estimate: nextpnr's
    count after packing is the measured one)."""
    def matches(pattern: str, cell: str) -> bool:
        return cell.startswith(pattern[:-1]) if pattern.endswith("*") else cell == pattern
    return {resource: sum(weight * n for pattern, weight in types.items()
                          for cell, n in cells.items() if matches(pattern, cell))
            for resource, types in CELLS[family].items()}


_UTILISATION_ROW = re.compile(r"^Info:\s+(\S+):\s+(\d+)/\s*(\d+)\s+\d+%")


def utilisation_table(log_text: str) -> dict[str, tuple[int, int]]:
    """Site type -> (used, available) from nextpnr's log ("Device utilisation", printed after
    packing, before placement: also when the design does not fit)."""
    lines = log_text.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if "Device utilisation:" in line)
    except StopIteration:
        return {}
    table = {}
    for line in lines[start + 1:]:
        match = _UTILISATION_ROW.match(line)
        if not match:
            break
        table[match[1]] = (int(match[2]), int(match[3]))
    return table


def overfull_sites(log_text: str) -> list[str]:
    """The site types nextpnr found more cells for than the device has, as text."""
    return [f"{site} {used}/{available}"
            for site, (used, available) in utilisation_table(log_text).items()
            if used > available]


@dataclass(frozen=True)
class PlacedDesign:
    """What nextpnr placed and routed: resources used/available and the clock's fmax."""

    used: dict[str, int]
    available: dict[str, int]
    fmax_mhz: float
    constraint_mhz: float

    @property
    def setup_slack_ns(self) -> float:
        """Worst setup slack at the constraint: clock period minus the critical path."""
        return 1000.0 / self.constraint_mhz - 1000.0 / self.fmax_mhz


def placed_design(report_json: str | Path, cells: dict[str, int], family: str,
                  clock: str = "cd_sync.clk") -> PlacedDesign:
    """Resources and fmax from nextpnr's report; LUTs and flip-flops of an iCE40 from the
    synthesized ``cells`` (their available count is the logic cells'). ``clock`` is the end
    of the clock net's name (ECP5 nextpnr prefixes global nets with ``$glbnet$``)."""
    doc = _read_json(Path(report_json), "nextpnr report")
    try:
        util = doc["utilization"]
        timing, = [v for k, v in doc["fmax"].items() if k.endswith(clock)]
        fmax, constraint = float(timing["achieved"]), float(timing["constraint"])
    except (KeyError, TypeError, ValueError):
        raise ToolError(f"{report_json}: no utilization or fmax of clock {clock}") from None
    synthesized = cell_resources(cells, family)
    used, available = {}, {}
    for resource, site in SITES[family].items():
        if site is None:
            used[resource] = synthesized[resource]
            available[resource] = int(util["ICESTORM_LC"]["available"])
        else:
            used[resource] = int(util.get(site, {}).get("used", 0))
            available[resource] = int(util.get(site, {}).get("available", 0))
    return PlacedDesign(used=used, available=available, fmax_mhz=fmax,
                        constraint_mhz=constraint)
