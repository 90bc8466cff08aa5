"""Liberty loading for power: units, supply voltages, pin capacitances, transition tables,
internal_power and leakage, read with the PyPI ``liberty-parser`` and converted to SI units.

Units (OpenSTA's conventions): ``time_unit`` (default 1 ns), ``capacitive_load_unit``
(default 1 pF), ``voltage_unit`` (default 1 V), ``leakage_power_unit`` (default 1 W, as in
OpenSTA). Internal-power table values are energies in capacitance unit x voltage unit squared
(pJ for pF and V, fJ for fF and V), the scale OpenSTA applies. Everything stored here is SI:
seconds, farads, volts, joules, watts; cell area stays in the liberty's area unit (µm²).

Supply voltage of an output pin: its ``related_power_pin`` -> the cell's ``pg_pin``
``voltage_name`` -> the library's ``voltage_map``; otherwise the default operating
conditions' voltage, otherwise ``nom_voltage``.

Parsing a large liberty takes seconds (sky130 about 9 s, the five asap7 files about a minute),
so the extracted data is cached as JSON keyed by the file's SHA-256 (see ``cache.py``); a
second load takes a fraction of a second. ``.gz`` files are decompressed in memory.

Several files (asap7 ships five) load into one ``Library``; each cell keeps the units of its
own file. A library without any ``internal_power`` group cannot give internal power and is
refused with an error naming the fix.
"""

from __future__ import annotations

import gzip
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from .. import units
from .boolean import BooleanFunction, ExpressionError, parse_function
from .cache import file_digest, load_entry, store_entry
from .errors import LibertyError
from .table import LOAD_VARIABLES, SLEW_VARIABLES, Table

DEFAULT_LIBERTY = Path("/usr/share/qflow/tech/osu018/osu018_stdcells.lib")

# Bump when the extracted format changes so that old cache entries are not reused.
_SCHEMA = "liberty-power-v4"

# Timing types whose transition tables propagate a slew to the output (no checks).
_PROPAGATING = frozenset({
    "combinational", "combinational_rise", "combinational_fall", "rising_edge", "falling_edge",
    "preset", "clear", "three_state_enable", "three_state_enable_rise",
    "three_state_enable_fall", "three_state_disable", "three_state_disable_rise",
    "three_state_disable_fall"})



# ---------------------------------------------------------------- model (what power uses)

@dataclass(frozen=True)
class InternalPower:
    """One ``internal_power`` group of a pin: energy (J) per transition of that pin.

    For an output pin, ``related_pin`` is the input whose transition causes the output's;
    tables are indexed by that input's slew and the output load. For an input pin the tables
    are indexed by the pin's own slew. ``rise``/``fall`` are the pin's rising/falling energy;
    a group given as ``power`` has the same table for both; a missing one is None (0 J).
    """

    related_pin: str | None
    when: BooleanFunction | None
    related_pg_pin: str | None
    rise: Table | None
    fall: Table | None


@dataclass(frozen=True)
class TimingArc:
    """A delay arc ending at a pin: its output-transition and delay tables (s)."""

    related_pin: str
    sense: str                    # positive_unate / negative_unate / non_unate
    kind: str                     # liberty timing_type
    rise_transition: Table | None
    fall_transition: Table | None
    cell_rise: Table | None = None
    cell_fall: Table | None = None


@dataclass(frozen=True)
class Pin:
    """A cell pin: direction, capacitance (F) per input transition, function, power, arcs."""

    name: str
    direction: str                # input / output / inout / internal
    capacitance_rise: float
    capacitance_fall: float
    function: BooleanFunction | None
    is_clock: bool
    voltage: float                # supply (V) used for the switching power of this pin's net
    internal_power: tuple[InternalPower, ...]
    timing: tuple[TimingArc, ...]
    max_capacitance: float | None = None     # F, the liberty's design-rule limit
    max_transition: float | None = None      # s

    @property
    def is_input(self) -> bool:
        return self.direction in ("input", "inout")

    @property
    def is_output(self) -> bool:
        return self.direction in ("output", "inout")

    @property
    def capacitance(self) -> float:
        return max(self.capacitance_rise, self.capacitance_fall)


@dataclass(frozen=True)
class Sequential:
    """An ``ff`` or ``latch`` group: its state variables and what loads them."""

    kind: str                     # "ff" or "latch"
    output: str                   # state variable (e.g. IQ, DS0000)
    output_inv: str | None
    clock: BooleanFunction | None  # clocked_on / enable
    data: BooleanFunction | None   # next_state / data_in


@dataclass(frozen=True)
class Cell:
    """A library cell; leakage in W, area in the liberty's area unit (µm²)."""

    name: str
    library: str
    area: float
    pins: dict[str, Pin]
    sequentials: tuple[Sequential, ...]
    leakage: float | None                          # cell_leakage_power
    leakage_states: tuple[tuple[BooleanFunction | None, float], ...]  # leakage_power groups
    is_macro: bool
    is_pad: bool
    is_clock_gate: bool
    pg_pins: frozenset[str]        # power/ground pins (may appear in netlists; carry no data)
    dont_use: bool = False

    @property
    def is_sequential(self) -> bool:
        return bool(self.sequentials)

    @property
    def state_variables(self) -> frozenset[str]:
        names = set()
        for seq in self.sequentials:
            names.add(seq.output)
            if seq.output_inv:
                names.add(seq.output_inv)
        return frozenset(names)


@dataclass
class Library:
    """One or more liberty files merged: cells by name (built on first use)."""

    files: tuple[Path, ...]
    names: tuple[str, ...]
    time_unit_s: float            # the first file's time unit (OpenSTA's SDC time unit)
    _raw: dict[str, tuple[str, dict]] = field(repr=False)
    default_max_transition: float | None = None   # s, the first file's (None if it has none)
    _cells: dict[str, Cell] = field(default_factory=dict, repr=False)

    def __contains__(self, name: str) -> bool:
        return name in self._raw

    def cell_names(self) -> list[str]:
        return sorted(self._raw)

    def cell(self, name: str) -> Cell:
        """The cell ``name``; KeyError if no loaded liberty defines it."""
        cell = self._cells.get(name)
        if cell is None:
            library, raw = self._raw[name]
            cell = _build_cell(name, library, raw)
            self._cells[name] = cell
        return cell


# ---------------------------------------------------------------- loading

def load_liberty(paths: Path | str | Sequence[Path | str] | None = None, *,
                 use_cache: bool = True) -> Library:
    """Load liberty file(s) (plain or .gz) into one Library; the default is OSU 0.18 µm.

    Raises LibertyError for a missing or unreadable file, a syntax error, unknown units, or a
    library with no internal_power tables at all.
    """
    if paths is None:
        paths = [DEFAULT_LIBERTY]
    elif isinstance(paths, (str, Path)):
        paths = [paths]
    files = tuple(Path(p) for p in paths)
    if not files:
        raise LibertyError("no liberty file given")
    raw_cells: dict[str, tuple[str, dict]] = {}
    names = []
    time_units = []
    max_transitions = []
    for path in files:
        extracted = _extract_cached(path) if use_cache else _extract(path)
        names.append(extracted["name"])
        time_units.append(extracted["time_unit_s"])
        max_transitions.append(extracted["default_max_transition"])
        for cell_name, cell in extracted["cells"].items():
            raw_cells.setdefault(cell_name, (extracted["name"], cell))
    if not any(pin["power"] for _, cell in raw_cells.values() for pin in cell["pins"].values()):
        listed = ", ".join(str(f) for f in files)
        raise LibertyError(
            f"{listed}: no internal_power tables in the liberty; power needs a library "
            "characterised for power (internal_power groups per pin), e.g. the OSU 0.18 µm "
            "library of Debian's qflow-tech-osu018 or a PDK's nldm liberty")
    return Library(files=files, names=tuple(names), time_unit_s=time_units[0], _raw=raw_cells,
                   default_max_transition=max_transitions[0])


def _missing(path: Path) -> LibertyError:
    hint = "; install it: sudo apt-get install qflow-tech-osu018" \
        if path == DEFAULT_LIBERTY else ""
    return LibertyError(f"{path}: liberty file not found{hint}")


def _extract_cached(path: Path) -> dict:
    if not path.is_file():
        raise _missing(path)
    key = f"{file_digest(path)}-{_SCHEMA}"
    cached = load_entry("liberty", key)
    if cached is not None:
        return cached
    extracted = _extract(path)
    store_entry("liberty", key, extracted)
    return extracted


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise _missing(path)
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rt", encoding="utf-8", errors="replace") as handle:
                return handle.read()
        return path.read_text(encoding="utf-8", errors="replace")
    except (OSError, EOFError, zlib.error) as exc:
        raise LibertyError(f"{path}: cannot read liberty file ({exc})") from None


def _extract(path: Path) -> dict:
    """Parse one liberty file and extract the power-relevant data in SI units."""
    text = _read_text(path)
    from liberty.parser import parse_liberty  # heavy import (sympy): only when parsing
    try:
        library = parse_liberty(text)
    except Exception as exc:  # the parser raises bare Exceptions with a line number
        raise LibertyError(f"{path}: liberty syntax error: {exc}") from None
    if library.group_name != "library":
        raise LibertyError(f"{path}: not a liberty file (top group is {library.group_name!r})")
    try:
        return _LibraryExtractor(path, library).extract()
    except (ExpressionError, ValueError) as exc:
        raise LibertyError(f"{path}: {exc}") from None


def _text(value) -> str:
    """A liberty value as plain text (quoted strings lose their quotes; an unquoted number
    with a unit, such as ``1ns``, keeps its unit)."""
    if hasattr(value, "unit"):
        return f"{value.value}{value.unit}"
    inner = getattr(value, "value", value)
    return str(inner).strip()


def _numbers(values: Iterable) -> list[float]:
    out: list[float] = []
    for item in values:
        text = _text(item).replace("\\", " ")
        out.extend(float(x) for x in re.split(r"[,\s]+", text) if x)
    return out


def _unit_scale(text: str, base: str, what: str, path: Path) -> float:
    """``"1ns"`` -> 1e-9 against base unit ``"s"`` (``units.scale``)."""
    match = re.fullmatch(r"\s*([0-9.eE+-]*)\s*([A-Za-z]+)\s*", text)
    try:
        if not match:
            raise ValueError(text)
        number = float(match.group(1)) if match.group(1) else 1.0
        return number * units.scale(match.group(2), base)
    except ValueError:
        raise LibertyError(f"{path}: unknown {what} {text!r}") from None


class _LibraryExtractor:
    """Walks a parsed liberty group tree and produces the cache's plain-JSON form."""

    def __init__(self, path: Path, library):
        self.path = path
        self.library = library
        self.templates: dict[str, dict] = {}

    def extract(self) -> dict:
        lib = self.library
        path = self.path
        self.time = _unit_scale(_text(lib.get("time_unit", "1ns")), "s", "time_unit", path)
        self.volt = _unit_scale(_text(lib.get("voltage_unit", "1V")), "v", "voltage_unit",
                                path)
        self.power = _unit_scale(_text(lib.get("leakage_power_unit", "1W")), "w",
                                 "leakage_power_unit", path)
        cap_unit = lib.get("capacitive_load_unit")
        if cap_unit is None:
            self.cap = 1e-12
        else:
            number, unit = cap_unit
            self.cap = float(_text(number)) * _unit_scale(_text(unit), "f",
                                                          "capacitive_load_unit", path)
        self.energy = self.cap * self.volt * self.volt
        for group in lib.groups:
            if group.group_name in ("lu_table_template", "power_lut_template") and group.args:
                self.templates[_text(group.args[0])] = self._template(group)
        self.voltage_map = {}
        for args in lib.get_attributes("voltage_map"):
            self.voltage_map[_text(args[0])] = float(_text(args[1])) * self.volt
        self.default_voltage = self._default_voltage()
        cells = {}
        for group in lib.groups:
            if group.group_name == "cell" and group.args:
                name = _text(group.args[0])
                cells[name] = self._cell(name, group)
        default_max_transition = lib.get("default_max_transition")
        return {"schema": _SCHEMA, "name": _text(lib.args[0]) if lib.args else path.stem,
                "file": str(path), "time_unit_s": self.time, "cells": cells,
                "default_max_transition": (float(_text(default_max_transition)) * self.time
                                           if default_max_transition is not None else None)}

    def _default_voltage(self) -> float:
        conditions = {_text(g.args[0]): g for g in self.library.groups
                      if g.group_name == "operating_conditions" and g.args}
        default = self.library.get("default_operating_conditions")
        if default is not None and _text(default) in conditions:
            voltage = conditions[_text(default)].get("voltage")
            if voltage is not None:
                return float(_text(voltage)) * self.volt
        nominal = self.library.get("nom_voltage")
        if nominal is not None:
            return float(_text(nominal)) * self.volt
        if len(conditions) == 1:
            voltage = next(iter(conditions.values())).get("voltage")
            if voltage is not None:
                return float(_text(voltage)) * self.volt
        raise LibertyError(f"{self.path}: no supply voltage (no nom_voltage and no default "
                           "operating_conditions)")

    def _template(self, group) -> dict:
        variables = []
        indices = []
        for i in (1, 2, 3):
            var = group.get(f"variable_{i}")
            if var is None:
                break
            variables.append(_text(var))
            index = group.get(f"index_{i}")
            indices.append(_numbers(index) if index is not None else None)
        return {"variables": variables, "indices": indices}

    def _axis_scale(self, variable: str) -> tuple[str, float]:
        if variable in SLEW_VARIABLES:
            return "slew", self.time
        if variable in LOAD_VARIABLES:
            return "load", self.cap
        return "other", 1.0

    def _table(self, group, value_scale: float) -> dict | None:
        template = self.templates.get(_text(group.args[0])) if group.args else None
        variables = template["variables"] if template else []
        values_attr = group.get("values")
        if values_attr is None:
            return None
        values = np.array(_numbers(values_attr if isinstance(values_attr, list)
                                   else [values_attr]))
        axes = []
        quantities = []
        for i, variable in enumerate(variables, start=1):
            index = group.get(f"index_{i}")
            points = _numbers(index) if index is not None else (template["indices"][i - 1]
                                                                if template else None)
            if points is None:
                raise LibertyError(f"{self.path}: table {group.args} has no index_{i}")
            quantity, scale = self._axis_scale(variable)
            quantities.append(quantity)
            axes.append([p * scale for p in points])
        shape = [len(a) for a in axes] or [1]
        if values.size != int(np.prod(shape)):
            raise LibertyError(f"{self.path}: table {group.args} has {values.size} values for "
                               f"axes of sizes {shape}")
        return {"q": quantities, "axes": axes, "values": (values * value_scale).tolist(),
                "shape": shape}

    def _cell(self, name: str, group) -> dict:
        pg_voltage = {}
        for pg in group.get_groups("pg_pin"):
            voltage_name = pg.get("voltage_name")
            if voltage_name is not None and _text(voltage_name) in self.voltage_map:
                pg_voltage[_text(pg.args[0])] = self.voltage_map[_text(voltage_name)]
        pins = {}
        for pin_group in group.groups:
            if pin_group.group_name == "pin":
                for arg in pin_group.args:
                    pins[_text(arg)] = self._pin(pin_group, pg_voltage)
            elif pin_group.group_name == "bus":
                for sub in pin_group.get_groups("pin"):
                    for arg in sub.args:
                        pins[_text(arg)] = self._pin(sub, pg_voltage)
        sequentials = []
        for seq in group.groups:
            if seq.group_name in ("ff", "latch") and seq.args:
                clock = seq.get("clocked_on" if seq.group_name == "ff" else "enable")
                data = seq.get("next_state" if seq.group_name == "ff" else "data_in")
                sequentials.append({
                    "kind": seq.group_name, "output": _text(seq.args[0]),
                    "output_inv": _text(seq.args[1]) if len(seq.args) > 1 else None,
                    "clock": _text(clock) if clock is not None else None,
                    "data": _text(data) if data is not None else None})
        leakage = group.get("cell_leakage_power")
        states = []
        for leak in group.get_groups("leakage_power"):
            value = leak.get("value")
            if value is None:
                continue
            when = leak.get("when")
            states.append([_text(when) if when is not None else None,
                           float(_text(value)) * self.power])
        flag = lambda attr: _text(group.get(attr, "false")).lower() == "true"  # noqa: E731
        return {
            "area": float(_text(group.get("area", 0.0))),
            "leakage": float(_text(leakage)) * self.power if leakage is not None else None,
            "leakage_states": states,
            "is_macro": flag("is_macro_cell") or flag("is_macro") or bool(group.get_groups("memory")),
            "is_pad": flag("pad_cell") or flag("is_pad"),
            "is_clock_gate": group.get("clock_gating_integrated_cell") is not None,
            "dont_use": flag("dont_use"),
            "sequentials": sequentials,
            "pins": pins,
            "pg_pins": [_text(pg.args[0]) for pg in group.get_groups("pg_pin") if pg.args],
        }

    def _pin(self, group, pg_voltage: dict[str, float]) -> dict:
        cap = group.get("capacitance")
        rise = group.get("rise_capacitance", cap)
        fall = group.get("fall_capacitance", cap)
        function = group.get("function")
        power_pin = group.get("related_power_pin")
        voltage = pg_voltage.get(_text(power_pin), self.default_voltage) \
            if power_pin is not None else self.default_voltage
        power = []
        for ip in group.get_groups("internal_power"):
            tables = {}
            for sub in ip.groups:
                if sub.group_name in ("power", "rise_power", "fall_power"):
                    tables[sub.group_name] = self._table(sub, self.energy)
            both = tables.get("power")
            related = ip.get("related_pin")
            when = ip.get("when")
            pg = ip.get("related_pg_pin")
            for rel in (_text(related).split() if related is not None else [None]):
                power.append({"related": rel, "when": _text(when) if when is not None else None,
                              "pg": _text(pg) if pg is not None else None,
                              "rise": tables.get("rise_power", both),
                              "fall": tables.get("fall_power", both)})
        timing = []
        for tg in group.get_groups("timing"):
            kind = _text(tg.get("timing_type", "combinational"))
            related = tg.get("related_pin")
            if kind not in _PROPAGATING or related is None:
                continue
            sense = tg.get("timing_sense")
            tables = {}
            for name in ("rise_transition", "fall_transition", "cell_rise", "cell_fall"):
                found = tg.get_groups(name)
                tables[name] = self._table(found[0], self.time) if found else None
            for rel in _text(related).split():
                timing.append({
                    "related": rel, "kind": kind,
                    "sense": _text(sense) if sense is not None else None,
                    "rise": tables["rise_transition"], "fall": tables["fall_transition"],
                    "cell_rise": tables["cell_rise"], "cell_fall": tables["cell_fall"]})
        max_cap = group.get("max_capacitance")
        max_transition = group.get("max_transition")
        return {
            "direction": _text(group.get("direction", "input")),
            "cap": [float(_text(rise)) * self.cap if rise is not None else 0.0,
                    float(_text(fall)) * self.cap if fall is not None else 0.0],
            "max_cap": float(_text(max_cap)) * self.cap if max_cap is not None else None,
            "max_transition": (float(_text(max_transition)) * self.time
                               if max_transition is not None else None),
            "function": _text(function) if function is not None else None,
            "clock": _text(group.get("clock", "false")).lower() == "true",
            "voltage": voltage,
            "power": power,
            "timing": timing,
        }


# ---------------------------------------------------------------- building model objects

def _make_table(raw: dict | None) -> Table | None:
    if raw is None:
        return None
    axes = tuple(np.asarray(a, dtype=float) for a in raw["axes"])
    values = np.asarray(raw["values"], dtype=float).reshape(raw["shape"])
    return Table(quantities=tuple(raw["q"]), axes=axes, values=values)


def _make_function(text: str | None, where: str) -> BooleanFunction | None:
    if text is None or not text.strip():
        return None
    try:
        return parse_function(text)
    except ExpressionError as exc:
        raise LibertyError(f"{where}: {exc}") from None


def _default_sense(function: BooleanFunction | None, related: str) -> str:
    """Unateness from the function when the liberty omits timing_sense (as OpenSTA infers)."""
    if function is None or not function.has(related):
        return "non_unate"
    j = function.variables.index(related)
    index = np.arange(function.truth.size)
    low = function.truth[index & ~(1 << j)]
    high = function.truth[index | (1 << j)]
    if np.all(high >= low):
        return "positive_unate"
    if np.all(high <= low):
        return "negative_unate"
    return "non_unate"


def _build_cell(name: str, library: str, raw: dict) -> Cell:
    where = f"liberty {library}, cell {name}"
    pins = {}
    for pin_name, p in raw["pins"].items():
        function = _make_function(p["function"], f"{where}, pin {pin_name}")
        power = tuple(
            InternalPower(related_pin=g["related"],
                          when=_make_function(g["when"], f"{where}, pin {pin_name}"),
                          related_pg_pin=g["pg"], rise=_make_table(g["rise"]),
                          fall=_make_table(g["fall"]))
            for g in p["power"])
        timing = tuple(
            TimingArc(related_pin=t["related"],
                      sense=t["sense"] or (_default_sense(function, t["related"])
                                           if t["kind"].startswith("combinational")
                                           else "non_unate"),
                      kind=t["kind"], rise_transition=_make_table(t["rise"]),
                      fall_transition=_make_table(t["fall"]),
                      cell_rise=_make_table(t["cell_rise"]), cell_fall=_make_table(t["cell_fall"]))
            for t in p["timing"])
        pins[pin_name] = Pin(name=pin_name, direction=p["direction"],
                             capacitance_rise=p["cap"][0], capacitance_fall=p["cap"][1],
                             function=function, is_clock=p["clock"], voltage=p["voltage"],
                             internal_power=power, timing=timing, max_capacitance=p["max_cap"],
                             max_transition=p["max_transition"])
    sequentials = tuple(
        Sequential(kind=s["kind"], output=s["output"], output_inv=s["output_inv"],
                   clock=_make_function(s["clock"], where), data=_make_function(s["data"], where))
        for s in raw["sequentials"])
    states = tuple((_make_function(w, where), v) for w, v in raw["leakage_states"])
    return Cell(name=name, library=library, area=raw["area"], pins=pins,
                sequentials=sequentials, leakage=raw["leakage"], leakage_states=states,
                is_macro=raw["is_macro"], is_pad=raw["is_pad"],
                is_clock_gate=raw["is_clock_gate"], pg_pins=frozenset(raw["pg_pins"]),
                dont_use=raw["dont_use"])
