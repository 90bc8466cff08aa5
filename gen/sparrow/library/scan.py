"""A fast summary of a liberty file: units, nominal voltage, operating conditions and, per
cell, area, dont_use and whether it is a flip-flop, latch or integrated clock gate.

A regular-expression scan, not a full parser: it reads only simple top-level attributes,
which is all synthesis reports need, and takes about a second for ASAP7's 46 MB merged file
(full parsers take minutes). Summaries are cached by file path, size and modification time.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from .. import units
from ..errors import SparrowError
from ..fileio import atomic_write_text, cache_dir

# One pass over the file: every cell header and every cell attribute Sparrow reads.
_TOKENS = re.compile(
    r'\bcell\s*\(\s*"?(?P<cell>[^"\s)]+)"?\s*\)\s*\{'
    r'|\barea\s*:\s*"?(?P<area>[-+0-9.eE]+)"?\s*;'
    r'|\b(?P<dont_use>dont_use)\s*:\s*"?true"?\s*;'
    r'|\b(?P<icg>clock_gating_integrated_cell)\s*:'
    r'|\b(?P<ff>ff|ff_bank)\s*\('
    r'|\b(?P<latch>latch|latch_bank)\s*\(')
_UNITS = {   # what -> (pattern, base unit)
    "time": (re.compile(r'time_unit\s*:\s*"?1(\w+)"?\s*;'), "s"),
    "leakage": (re.compile(r'leakage_power_unit\s*:\s*"?1(\w+)"?\s*;'), "w"),
}
_CAP = re.compile(r'capacitive_load_unit\s*\(\s*1(?:\.0*)?\s*,\s*"?(\w+)"?\s*\)')
_NOM_VOLTAGE = re.compile(r'(?<![A-Za-z0-9_])nom_voltage\s*:\s*([0-9.eE+-]+)\s*;')
_OPERATING = re.compile(r'operating_conditions\s*\(\s*"?([^"\s)]+)"?\s*\)')


@dataclass(frozen=True)
class CellSummary:
    area: float          # in the library's area unit (µm² for every library here)
    dont_use: bool
    kind: str            # "flipflop", "latch", "clock_gate" or "combinational"


@dataclass(frozen=True)
class LibertySummary:
    path: str
    time_unit_s: float          # e.g. 1e-9 for ns, 1e-12 for ps
    cap_unit_f: float           # e.g. 1e-12 for pF, 1e-15 for fF
    leakage_unit_w: float       # e.g. 1e-9 for nW
    nom_voltage_v: float
    operating_conditions: tuple[str, ...]
    cells: dict[str, CellSummary]


def _scale(unit: str, base: str, what: str, path: Path) -> float:
    try:
        return units.scale(unit, base)
    except ValueError:
        raise SparrowError(f"{path}: unknown {what} unit '{unit}'") from None


def _scan(path: Path) -> LibertySummary:
    text = path.read_text(errors="replace")
    found: dict[str, dict] = {}
    header_end = None
    current: dict | None = None
    for m in _TOKENS.finditer(text):
        if m.group("cell"):
            header_end = m.start() if header_end is None else header_end
            current = found.setdefault(m.group("cell"), {"area": None, "dont_use": False,
                                                         "marks": set()})
        elif current is None:
            continue
        elif m.group("area"):
            if current["area"] is None:      # the cell's own area comes first
                current["area"] = float(m.group("area"))
        elif m.group("dont_use"):
            current["dont_use"] = True
        else:
            current["marks"].add(next(k for k in ("icg", "ff", "latch") if m.group(k)))
    if header_end is None:
        raise SparrowError(f"{path}: no cell groups found; is this a liberty (.lib) file?")
    header = text[:header_end]
    cells = {}
    for name, c in found.items():
        marks = c["marks"]
        kind = ("clock_gate" if "icg" in marks else "flipflop" if "ff" in marks
                else "latch" if "latch" in marks else "combinational")
        cells[name] = CellSummary(area=c["area"] or 0.0, dont_use=c["dont_use"], kind=kind)
    scales = {}
    for key, (pattern, base) in _UNITS.items():
        m = pattern.search(header)
        if not m:
            raise SparrowError(f"{path}: no {key} unit in the library header")
        scales[key] = _scale(m.group(1), base, key, path)
    cap = _CAP.search(header)
    volt = _NOM_VOLTAGE.search(header)
    if not cap or not volt:
        raise SparrowError(f"{path}: no capacitive_load_unit or nom_voltage in the library header")
    return LibertySummary(
        path=str(path), time_unit_s=scales["time"],
        cap_unit_f=_scale(cap.group(1), "f", "capacitance", path),
        leakage_unit_w=scales["leakage"], nom_voltage_v=float(volt.group(1)),
        operating_conditions=tuple(dict.fromkeys(_OPERATING.findall(header))), cells=cells)


def scan_liberty(path: str | Path) -> LibertySummary:
    """Summary of the liberty file ``path`` (uncompressed), from the cache when unchanged."""
    path = Path(path).resolve()
    if not path.is_file():
        raise SparrowError(f"liberty file {path} not found")
    st = path.stat()
    stamp = f"{path}|{st.st_size}|{st.st_mtime_ns}".encode()
    key = f"{path.name}-{hashlib.sha256(stamp).hexdigest()[:16]}.json"
    cached = cache_dir("liberty-summaries") / key
    if cached.is_file():
        data = json.loads(cached.read_text())
        if data["path"] == str(path):
            data["cells"] = {k: CellSummary(**v) for k, v in data["cells"].items()}
            data["operating_conditions"] = tuple(data["operating_conditions"])
            return LibertySummary(**data)
    summary = _scan(path)
    atomic_write_text(cached, json.dumps(asdict(summary)))
    return summary
