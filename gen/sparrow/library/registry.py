"""Standard-cell libraries: where their files are and how each tool must be fed them.

``get_library(spec)`` resolves a library by registry name, or by the path of a small TOML
file describing any liberty + cell models (see ``library_from_toml``). Registry names:

==================== ===========================================================================
``osu018``           OSU 0.18 µm, Debian's ``qflow-tech-osu018`` (the default; 1.8 V)
``sky130hd``         SkyWater 130 nm sky130_fd_sc_hd tt 1.8 V, from the library data folder
``gf180mcu_7t5v0``   GF180MCU 7-track 5 V devices tt 5.0 V, from the library data folder
``gf180mcu_7t5v0_3v3`` the same cells at tt 3.3 V
``ihp_sg13g2``       IHP SG13G2 130 nm typ 1.2 V, from the library data folder
``asap7_rvt``        ASAP7 7 nm RVT TT 0.7 V (time in ps, capacitance in fF), data folder
``sky130A``          sky130_fd_sc_hd from an open_pdks install under ``$PDK_ROOT/sky130A``
``gf180mcuD``        gf180mcu_fd_sc_mcu7t5v0 (5 V) from ``$PDK_ROOT/gf180mcuD``
==================== ===========================================================================

The library data folder is ``$SPARROW_PDK_DIR``, else ``../shared/pdk`` beside the repository
(its README documents the quirks handled here). Derived files go to the cache
(``fileio.cache_dir``): compressed liberty files are decompressed (Yosys 0.23 and the 2019
OpenSTA read no ``.gz``); Yosys gets one file (it takes one ``-liberty``: ASAP7's five files
are merged), with unquoted ``clear``/``preset`` expressions quoted (gf180; its parser rejects
them) and ``dont_use`` marks added for cells that must stay out of synthesis (sky130's
``lpflow_*`` power-gating and ``probe*`` cells, which it does not mark itself).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import subprocess
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

from .. import defaults
from ..errors import SparrowError, ToolError
from ..fileio import atomic_write_text, cache_dir
from ..resources import CLOCK_GATE, LATCH, CellWrapper, shared_path
from .scan import LibertySummary, scan_liberty

OSU018_DIR = Path("/usr/share/qflow/tech/osu018")
OSU018_HINT = "sudo apt-get install qflow-tech-osu018"


def pdk_data_dir() -> Path:
    """The folder with the four open libraries' data (``$SPARROW_PDK_DIR`` or ../shared/pdk,
    see ``resources.shared_path``)."""
    env = os.environ.get("SPARROW_PDK_DIR")
    return Path(env) if env else shared_path("pdk")


@dataclass(frozen=True)
class Library:
    """A standard-cell library, resolved to files each tool can read.

    ``yosys_liberty``: the one liberty Yosys maps to; ``sta_liberty``: the files OpenSTA reads
    (the first one sets the SDC time unit); ``cell_models`` + ``iverilog_flags``: gate-level
    simulation with Icarus; ``nand2_cell``: the gate-equivalent reference;
    ``operating_conditions``: name for ``set_operating_conditions`` where the 2019 OpenSTA
    needs it (None otherwise); ``clock_gate_verilog``: the ``sparrow_clock_gate`` built from
    this library's cells; ``latch_verilog``: the ``sparrow_latch`` (memory_style latch) built
    from them; ``tie_high``/``tie_low``: (cell, pin) for constant drivers;
    ``dont_use``: glob patterns of cells kept out of synthesis.
    """
    name: str
    cell_library: str
    description: str
    yosys_liberty: Path
    sta_liberty: tuple[Path, ...]
    cell_models: tuple[Path, ...]
    nand2_cell: str
    iverilog_flags: tuple[str, ...] = ()
    operating_conditions: str | None = None
    clock_gate_verilog: Path | None = None
    latch_verilog: Path | None = None
    tie_high: tuple[str, str] | None = None
    tie_low: tuple[str, str] | None = None
    dont_use: tuple[str, ...] = ()

    @cached_property
    def summary(self) -> LibertySummary:
        """Scanned summary of the Yosys liberty (cells, areas, units)."""
        return scan_liberty(self.yosys_liberty)

    @property
    def time_unit_ns(self) -> float:
        """The STA time unit in ns (SDC and reports are in this unit): 1 for ns, 0.001 for ps."""
        return scan_liberty(self.sta_liberty[0]).time_unit_s / 1e-9

    @property
    def nom_voltage_v(self) -> float:
        """Nominal supply voltage of the corner (V)."""
        return self.summary.nom_voltage_v

    def wrapper_verilog(self, wrapper: CellWrapper, *, asked_by: str) -> Path:
        """This library's version of ``wrapper`` (clock gate, latch); ``SparrowError`` naming
        the option that needs it and the library when it has none (``asked_by`` starts the
        message: "synthesis", "flow")."""
        path = getattr(self, wrapper.library_field)
        if path is None:
            raise SparrowError(
                f"{asked_by}: {wrapper.needed_by} instantiates {wrapper.module}, but library "
                f"{self.name} has no {wrapper.what} built from its cells (Sparrow has "
                f"rtl/{wrapper.folder}/<cell library>.v for "
                f"{', '.join(p.stem for p in wrapper.all_mapped())}; a library .toml gives one "
                f"as {wrapper.library_field}); use another library or {wrapper.instead}")
        return path

    @property
    def nand2_area_um2(self) -> float:
        """Area of the NAND2 reference cell (µm²), the unit of gate equivalents."""
        return self.summary.cells[self.nand2_cell].area


# ---------------------------------------------------------------------------- derived files

def _stamp(files: Sequence[Path], *extra: str) -> str:
    h = hashlib.sha256()
    for f in files:
        st = f.stat()
        h.update(f"{f.resolve()}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    for e in extra:
        h.update(e.encode())
    return h.hexdigest()[:16]


def _plain(path: Path, folder: Path) -> Path:
    """``path`` itself, or its decompressed copy in ``folder`` when it ends in ``.gz``."""
    if path.suffix != ".gz":
        return path
    out = folder / path.name[:-3]
    if not out.is_file():
        with gzip.open(path, "rb") as f:
            data = f.read()
        tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, out)
    return out


_GROUP_START = re.compile(r'^\s*(lu_table_template|power_lut_template)\s*\(\s*"?([^")\s]+)"?\s*\)\s*\{',
                          re.M)
_FIRST_CELL = re.compile(r'^\s*cell\s*\(', re.M)
_UNQUOTED_CLEAR_PRESET = re.compile(r'^(\s*(?:clear|preset)\s*:\s*)(![A-Za-z0-9_]+)\s*;', re.M)


def _split_library(text: str, path: Path) -> tuple[str, str]:
    """(header up to the first cell, cell groups without the library's closing brace)."""
    m = _FIRST_CELL.search(text)
    if not m:
        raise SparrowError(f"{path}: no cell groups found")
    body = text[m.start():]
    return text[: m.start()], body[: body.rstrip().rfind("}")]


def _table_templates(header: str) -> dict[str, str]:
    out = {}
    for m in _GROUP_START.finditer(header):
        depth, i = 0, m.end() - 1
        while True:
            depth += (header[i] == "{") - (header[i] == "}")
            i += 1
            if depth == 0:
                break
        out[m.group(2)] = header[m.start():i]
    return out


def _merge_liberty(texts: Sequence[tuple[str, Path]]) -> str:
    """One library from several of the same corner: the first file's header, the table
    templates the others add, every cell group (the recipe checked in the pdk README)."""
    heads, bodies = zip(*(_split_library(t, p) for t, p in texts))
    have = _table_templates(heads[0])
    extra = []
    for head in heads[1:]:
        for key, group in _table_templates(head).items():
            if key not in have:
                have[key] = group
                extra.append(group)
    return heads[0] + "\n".join(extra) + "\n" + "\n".join(bodies) + "\n}\n"


def _glob_regex(pattern: str) -> str:
    """A cell-name glob (``*`` and ``?``) as a regular expression."""
    return "".join('[^"\\s)]*' if c == "*" else '[^"\\s)]' if c == "?" else re.escape(c)
                   for c in pattern)


def _mark_dont_use(text: str, patterns: Sequence[str]) -> str:
    names = "|".join(_glob_regex(p) for p in patterns)
    cell = re.compile(rf'(\bcell\s*\(\s*"?(?:{names})"?\s*\)\s*\{{)')
    return cell.sub(lambda m: m.group(1) + "\n    dont_use : true;", text)


def _yosys_liberty(sources: Sequence[Path], dont_use: Sequence[str], folder: Path) -> Path:
    """The single liberty file Yosys 0.23 can map to (see module doc for what is changed).
    The choice is remembered in ``folder`` so later calls read no liberty text."""
    choice = folder / "yosys_liberty.txt"
    if choice.is_file() and Path(choice.read_text()).is_file():
        return Path(choice.read_text())
    plain = [_plain(s, folder) for s in sources]
    texts = [(p.read_text(errors="replace"), p) for p in plain]
    needs_quotes = any(_UNQUOTED_CLEAR_PRESET.search(t) for t, _ in texts)
    out = plain[0]
    if len(plain) > 1 or needs_quotes or dont_use:
        text = texts[0][0] if len(texts) == 1 else _merge_liberty(texts)
        text = _UNQUOTED_CLEAR_PRESET.sub(r'\1"\2" ;', text)
        if dont_use:
            text = _mark_dont_use(text, dont_use)
        out = atomic_write_text(folder / "yosys.lib", text)
    atomic_write_text(choice, str(out))
    return out


def _need(paths: Sequence[Path], library: str, hint: str) -> None:
    for p in paths:
        if not p.is_file():
            raise ToolError(f"library {library}: file {p} not found; {hint}")


def _build(name: str, cell_library: str, description: str, *, liberty: Sequence[Path],
           models: Sequence[Path], hint: str, yosys_dont_use: Sequence[str] = (),
           clock_gate_verilog: Path | None = None, latch_verilog: Path | None = None,
           **kwargs) -> Library:
    """Resolve a library whose sources are ``liberty`` (maybe .gz) and ``models``; the clock
    gate and latch default to Sparrow's versions for ``cell_library`` (``rtl/``), if any."""
    liberty, models = [Path(p) for p in liberty], [Path(p) for p in models]
    _need([*liberty, *models], name, hint)
    folder = cache_dir("libraries", f"{name}-{_stamp(liberty, *yosys_dont_use)}")
    sta = tuple(_plain(p, folder) for p in liberty)
    return Library(name=name, cell_library=cell_library, description=description,
                   yosys_liberty=_yosys_liberty(liberty, yosys_dont_use, folder),
                   sta_liberty=sta, cell_models=tuple(models),
                   clock_gate_verilog=clock_gate_verilog or _mapped(CLOCK_GATE, cell_library),
                   latch_verilog=latch_verilog or _mapped(LATCH, cell_library),
                   dont_use=tuple(yosys_dont_use), **kwargs)


def _mapped(wrapper, cell_library: str) -> Path | None:
    """Sparrow's version of ``wrapper`` for ``cell_library``; None where it has none (only
    designs that instantiate the wrapper need it; synthesis says so)."""
    try:
        return wrapper.mapped(cell_library)
    except FileNotFoundError:
        return None


# ---------------------------------------------------------------------------- the registry

def _osu018_dir() -> Path:
    if (OSU018_DIR / "osu018_stdcells.lib").is_file():
        return OSU018_DIR
    try:
        listing = subprocess.run(["dpkg", "-L", "qflow-tech-osu018"], capture_output=True,
                                 text=True, check=False).stdout
    except FileNotFoundError:
        listing = ""
    for line in listing.splitlines():
        if line.endswith("/osu018_stdcells.lib"):
            return Path(line).parent
    raise ToolError(f"library osu018: osu018_stdcells.lib not found; install it with "
                    f"`{OSU018_HINT}` (or run ./setup.sh)")


def _osu018() -> Library:
    d = _osu018_dir()
    return _build(
        "osu018", "osu018_stdcells", "OSU 0.18 µm standard cells (qflow-tech-osu018), typical, 1.8 V",
        liberty=[d / "osu018_stdcells.lib"], models=[d / "osu018_stdcells.v"],
        # Its LATCH has area 0 in the liberty (the LEF says 5.6 x 10 µm = 56 µm²); areas are
        # the liberty's, so synthesis counts such cells (design__instance__area__zero_area_cells).
        hint=f"install it with `{OSU018_HINT}`", nand2_cell="NAND2X1")


_SKY130_DONT_USE = ("sky130_fd_sc_hd__lpflow_*", "sky130_fd_sc_hd__probe_p_*",
                    "sky130_fd_sc_hd__probec_p_*")


def _sky130(name: str, liberty: Path, verilog_dir: Path, hint: str, where: str) -> Library:
    return _build(
        name, "sky130_fd_sc_hd", f"SkyWater 130 nm sky130_fd_sc_hd, tt 25 °C 1.80 V ({where})",
        liberty=[liberty], models=[verilog_dir / "primitives.v", verilog_dir / "sky130_fd_sc_hd.v"],
        hint=hint, yosys_dont_use=_SKY130_DONT_USE, nand2_cell="sky130_fd_sc_hd__nand2_1",
        # FUNCTIONAL: Icarus 11 leaves the timing-check delayed nets undriven (flops stay X).
        # UNIT_DELAY: 1 ns from clock to Q in every flop and latch. With none, a clock gate
        # whose clock passes more zero-delay tree buffers than its enable flop's latched the
        # enable from after the edge (the ECG core's scores were 0; tests/test_clock_gate.py).
        iverilog_flags=("-DFUNCTIONAL", "-DUNIT_DELAY=#1"),
        # The liberty names its default operating condition before defining it, so the 2019
        # OpenSTA does not resolve it (internal power 0) unless it is set explicitly.
        operating_conditions="tt_025C_1v80",
        tie_high=("sky130_fd_sc_hd__conb_1", "HI"), tie_low=("sky130_fd_sc_hd__conb_1", "LO"))


def _gf180(name: str, liberty: Path, models: Sequence[Path], volts: str, hint: str,
           where: str) -> Library:
    return _build(
        name, "gf180mcu_fd_sc_mcu7t5v0",
        f"GF180MCU gf180mcu_fd_sc_mcu7t5v0 (7-track, 5 V devices), tt 25 °C {volts} ({where})",
        liberty=[liberty], models=models, hint=hint,
        nand2_cell="gf180mcu_fd_sc_mcu7t5v0__nand2_1",
        # No default operating condition in the liberty: without this the 2019 OpenSTA drops
        # the flip-flops' internal power.
        operating_conditions=liberty.name.split(".lib")[0],
        tie_high=("gf180mcu_fd_sc_mcu7t5v0__tieh", "Z"),
        tie_low=("gf180mcu_fd_sc_mcu7t5v0__tiel", "ZN"))


def _shared(sub: str) -> Path:
    d = pdk_data_dir() / sub
    if not d.is_dir():
        raise ToolError(f"library data folder {d} not found; set SPARROW_PDK_DIR to the folder "
                        "holding sky130hd/, gf180mcu_7t5v0/, ihp_sg13g2/ and asap7_rvt/")
    return d


_SHARED_HINT = "the library data folder is incomplete (see its README and SHA256SUMS)"


def _pdk_root(pdk: str) -> Path:
    root = os.environ.get("PDK_ROOT")
    if not root or not (Path(root) / pdk).is_dir():
        raise ToolError(f"library {pdk}: no {pdk} under PDK_ROOT ({root or 'not set'}); install "
                        f"the PDK with open_pdks, volare or ciel and set PDK_ROOT to its folder")
    return Path(root) / pdk


def _first_existing(*paths: Path) -> Path:
    return next((p for p in paths if p.is_file()), paths[0])


def _asap7() -> Library:
    d = _shared("asap7_rvt")
    groups = ("AO", "INVBUF", "OA", "SEQ", "SIMPLE")
    return _build(
        "asap7_rvt", "asap7sc7p5t_rvt", "ASAP7 7 nm predictive asap7sc7p5t RVT, TT 25 °C 0.70 V",
        liberty=[d / f"asap7sc7p5t_{g}_RVT_TT_nldm.lib.gz" for g in groups],
        # The SEQ models read timing-check delayed nets Icarus does not drive: the derived
        # *_icarus.v file drives them.
        models=[d / (f"asap7sc7p5t_{g}_RVT_TT_icarus.v" if g == "SEQ" else f"asap7sc7p5t_{g}_RVT_TT.v")
                for g in groups],
        hint=_SHARED_HINT, nand2_cell="NAND2xp33_ASAP7_75t_R",
        tie_high=("TIEHIx1_ASAP7_75t_R", "H"), tie_low=("TIELOx1_ASAP7_75t_R", "L"))


def _ihp() -> Library:
    d = _shared("ihp_sg13g2")
    return _build(
        "ihp_sg13g2", "sg13g2_stdcell", "IHP SG13G2 130 nm sg13g2_stdcell, typ 25 °C 1.20 V",
        liberty=[d / "sg13g2_stdcell_typ_1p20V_25C.lib"],
        models=[d / "sg13g2_udp.v", d / "sg13g2_stdcell_icarus.v"], hint=_SHARED_HINT,
        nand2_cell="sg13g2_nand2_1",
        tie_high=("sg13g2_tiehi", "L_HI"), tie_low=("sg13g2_tielo", "L_LO"))


def _gf180_shared(volts: str, corner: str, name: str) -> Library:
    d = _shared("gf180mcu_7t5v0")
    return _gf180(name, d / f"gf180mcu_fd_sc_mcu7t5v0__tt_025C_{corner}.lib.gz",
                  [d / "gf180mcu_fd_sc_mcu7t5v0__functional.v"], volts, _SHARED_HINT,
                  "library data folder")


def _gf180_pdk_root() -> Library:
    scl = _pdk_root("gf180mcuD") / "libs.ref" / "gf180mcu_fd_sc_mcu7t5v0"
    lib = scl / "lib" / "gf180mcu_fd_sc_mcu7t5v0__tt_025C_5v00.lib"
    models = sorted((scl / "verilog").glob("*.v"))
    if not models:
        raise ToolError(f"library gf180mcuD: no cell models in {scl / 'verilog'}")
    return _gf180("gf180mcuD", _first_existing(lib, lib.with_name(lib.name + ".gz")), models,
                  "5.00 V", "install the gf180mcuD PDK", "PDK_ROOT")


def _sky130_pdk_root() -> Library:
    scl = _pdk_root("sky130A") / "libs.ref" / "sky130_fd_sc_hd"
    lib = scl / "lib" / "sky130_fd_sc_hd__tt_025C_1v80.lib"
    return _sky130("sky130A", _first_existing(lib, lib.with_name(lib.name + ".gz")),
                   scl / "verilog", "install the sky130A PDK", "PDK_ROOT")


_REGISTRY = {
    "osu018": _osu018,
    "sky130hd": lambda: _sky130(
        "sky130hd", _shared("sky130hd") / "sky130_fd_sc_hd__tt_025C_1v80.lib.gz",
        _shared("sky130hd"), _SHARED_HINT, "library data folder"),
    "gf180mcu_7t5v0": lambda: _gf180_shared("5.00 V", "5v00", "gf180mcu_7t5v0"),
    "gf180mcu_7t5v0_3v3": lambda: _gf180_shared("3.30 V", "3v30", "gf180mcu_7t5v0_3v3"),
    "ihp_sg13g2": _ihp,
    "asap7_rvt": _asap7,
    "sky130A": _sky130_pdk_root,
    "gf180mcuD": _gf180_pdk_root,
}
LIBRARY_NAMES = tuple(_REGISTRY)
_RESOLVED: dict[str, Library] = {}


def get_library(spec: str = defaults.LIBRARY) -> Library:
    """The library named ``spec`` (see the module doc) or described by the TOML file ``spec``.

    Raises ``ToolError`` when its files are not installed (saying how to get them) and
    ``SparrowError`` for an unknown name or a bad TOML description.
    """
    if spec in _REGISTRY:
        if spec not in _RESOLVED:
            _RESOLVED[spec] = _REGISTRY[spec]()
        return _RESOLVED[spec]
    if spec.endswith(".toml"):
        return library_from_toml(spec)
    raise SparrowError(f"unknown library '{spec}': use one of {', '.join(LIBRARY_NAMES)} "
                       "or the path of a library .toml file")


def custom_library(*, name: str, liberty: Sequence[str | os.PathLike],
                   cell_models: Sequence[str | os.PathLike], nand2_cell: str,
                   yosys_liberty: str | os.PathLike | None = None,
                   iverilog_flags: Sequence[str] = (), operating_conditions: str | None = None,
                   clock_gate_verilog: str | os.PathLike | None = None,
                   latch_verilog: str | os.PathLike | None = None,
                   tie_high: Sequence[str] | None = None, tie_low: Sequence[str] | None = None,
                   dont_use: Sequence[str] = (), description: str = "") -> Library:
    """Any liberty file(s) + cell-model Verilog. ``liberty``: the files STA reads (``.gz``
    allowed; several are merged for Yosys unless ``yosys_liberty`` is given);
    ``clock_gate_verilog``: a ``sparrow_clock_gate`` made of this library's cells, needed only
    by designs with clock gates; ``latch_verilog``: a ``sparrow_latch`` made of them, needed
    only by latch memories (``memory_style latch``; see ``rtl/latch/``)."""
    lib = _build(name, name, description or f"{name} (liberty {Path(liberty[0]).name})",
                 liberty=[Path(p) for p in liberty], models=[Path(p) for p in cell_models],
                 hint="check the paths", yosys_dont_use=tuple(dont_use), nand2_cell=nand2_cell,
                 iverilog_flags=tuple(iverilog_flags), operating_conditions=operating_conditions,
                 clock_gate_verilog=Path(clock_gate_verilog) if clock_gate_verilog else None,
                 latch_verilog=Path(latch_verilog) if latch_verilog else None,
                 tie_high=tuple(tie_high) if tie_high else None,
                 tie_low=tuple(tie_low) if tie_low else None)
    if yosys_liberty is not None:
        _need([Path(yosys_liberty)], name, "check the path")
        lib = replace(lib, yosys_liberty=Path(yosys_liberty))
    if nand2_cell not in lib.summary.cells:
        raise SparrowError(f"library {name}: NAND2 cell {nand2_cell} is not in {lib.yosys_liberty}")
    return lib


_TOML_FIELDS = {"name": str, "liberty": list, "cell_models": list, "nand2_cell": str,
                "yosys_liberty": str, "iverilog_flags": list, "operating_conditions": str,
                "clock_gate_verilog": str, "latch_verilog": str, "tie_high": list, "tie_low": list, "dont_use": list,
                "description": str}
_TOML_PATHS = ("liberty", "cell_models", "yosys_liberty", "clock_gate_verilog",
               "latch_verilog")


def library_from_toml(path: str | os.PathLike) -> Library:
    """A library described by a TOML file; relative paths are relative to that file::

        name = "mylib"
        liberty = ["mylib_tt.lib"]          # STA files; merged for Yosys
        cell_models = ["mylib.v"]
        nand2_cell = "NAND2X1"
        clock_gate_verilog = "mylib_clock_gate.v"   # optional
        latch_verilog = "mylib_latch.v"             # optional (memory_style latch)
        iverilog_flags = ["-DFUNCTIONAL"]           # optional
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text())
    except OSError as e:
        raise SparrowError(f"library file {path}: {e.strerror}") from None
    except tomllib.TOMLDecodeError as e:
        raise SparrowError(f"library file {path}: {e}") from None
    for key, value in data.items():
        if key not in _TOML_FIELDS:
            raise SparrowError(f"{path}: {key}: unknown field (known: {', '.join(_TOML_FIELDS)})")
        if not isinstance(value, _TOML_FIELDS[key]):
            raise SparrowError(f"{path}: {key}: must be a {_TOML_FIELDS[key].__name__}")
    for key in ("name", "liberty", "cell_models", "nand2_cell"):
        if key not in data:
            raise SparrowError(f"{path}: {key}: required field missing")
    for key in _TOML_PATHS:
        if key in data:
            value = data[key]
            data[key] = ([path.parent / v for v in value] if isinstance(value, list)
                         else path.parent / value)
    return custom_library(**data)
