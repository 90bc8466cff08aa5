"""Static timing with OpenSTA at a requested clock.

``run_sta`` writes the SDC from ``constraints/core.sdc.tmpl`` (one clock on the clock port,
input/output delays against it, the design rules), fills ``flows/sta.tcl.tmpl`` and runs
Debian's ``sta``. No wire load and no parasitics: the numbers are the cells' own delays. Clocks
are ideal, or with ``propagated_clock`` propagated through the buffers of a clock tree (the
sign-off setting after repair: latencies and skew are then real). The clock propagates through
the clock gates (``sparrow_clock_gate``), so gated flops are timed and the gates' enable paths
get clock-gating checks; ``unclocked_pins`` counts clock pins no clock reaches (it should be
0). Also reported: max-transition violators (OpenSTA 2.0.17's only design-rule check), the
worst clock skew for setup and hold, and every hold-violating endpoint.

fmax is defined as 1 / (T - WS), WS the worst setup slack of the paths between edge-triggered
registers: the clock at which the worst of them would have zero slack if path delays stay as
they are (these are full-cycle paths, so that is exact). Left out: paths from inputs and to
outputs (their slack depends on the environment's delays, which the SDC sets as a share of the
clock period) and paths into the enable latches of clock gates (half-cycle, time-borrowing
paths; they are checked at the given period, but do not scale with it like a full-cycle path).
With no such path, the worst setup slack of all paths is used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import defaults
from ..errors import SparrowError, ToolError
from ..export import write_sdc
from ..library import Library, get_library
from ..resources import FLOWS_DIR, render_template
from ..tools import run_tool

STA_TEMPLATE = FLOWS_DIR / "sta.tcl.tmpl"
_NO_PATH = 1e29                     # OpenSTA's worst_slack when nothing is constrained
_UNCLOCKED = re.compile(r"There (?:are|is) (\d+) unclocked register/latch pins?")
_SECTION = re.compile(r"sparrow: begin ([a-z0-9_ ]+)\n(.*?)sparrow: end \1\n", re.S)
_VIOLATED = re.compile(r"\(VIOLATED\)\s*$", re.M)
_SKEW = re.compile(r"^\s*(-?[0-9.]+)\s+(-?[0-9.]+)\s+(-?[0-9.]+)\s*$", re.M)
_ENDPOINT = re.compile(r"^(\S+)\s+\((\S+)\)\s+(-?[0-9.]+)\s+(-?[0-9.]+)\s+(-?[0-9.]+) \(VIOLATED\)",
                       re.M)
HOLD_ENDPOINTS = 100_000
"""Most hold-violating endpoints listed (every one, in practice)."""


@dataclass(frozen=True)
class TimingPath:
    """One reported path. Times in ns."""
    startpoint: str
    endpoint: str
    group: str
    arrival_ns: float
    slack_ns: float


@dataclass(frozen=True)
class StaResult:
    """Outcome of ``run_sta``; times in ns (converted from the library's time unit).
    Slacks are None when no path is constrained."""
    clock_period_ns: float
    setup_ws_ns: float | None
    hold_ws_ns: float | None
    critical_path: TimingPath | None     # the worst setup path
    setup_paths: tuple[TimingPath, ...]  # the worst setup path of each path group
    hold_paths: tuple[TimingPath, ...]
    unclocked_pins: int
    sdc: Path
    script: Path
    log: Path
    propagated_clock: bool = False
    max_transition_violators: int = 0
    skew_setup_ns: float | None = None
    skew_hold_ns: float | None = None
    hold_violators: tuple[tuple[str, float], ...] = ()   # (endpoint pin, slack ns), worst first
    reg2reg_ws_ns: float | None = None

    @property
    def fmax_mhz(self) -> float | None:
        """1 / (period - register-to-register setup WS) in MHz (see the module doc)."""
        ws = self.reg2reg_ws_ns if self.reg2reg_ws_ns is not None else self.setup_ws_ns
        if ws is None or self.clock_period_ns - ws <= 0:
            return None
        return 1e3 / (self.clock_period_ns - ws)

    def metrics(self) -> dict[str, Any]:
        m: dict[str, Any] = {"timing__clock_period": self.clock_period_ns,
                             "timing__unclocked_register__count": self.unclocked_pins}
        if self.setup_ws_ns is not None:
            m["timing__setup__ws"] = self.setup_ws_ns
        if self.reg2reg_ws_ns is not None:
            m["timing__setup_r2r__ws"] = self.reg2reg_ws_ns
        if self.hold_ws_ns is not None:
            m["timing__hold__ws"] = self.hold_ws_ns
        if self.fmax_mhz is not None:
            m["timing__fmax"] = round(self.fmax_mhz, 6)
        if self.critical_path is not None:
            m["timing__critical_path__delay"] = self.critical_path.arrival_ns
            m["timing__critical_path__startpoint"] = self.critical_path.startpoint
            m["timing__critical_path__endpoint"] = self.critical_path.endpoint
        m["timing__clock__propagated"] = self.propagated_clock
        m["timing__hold__violation__count"] = len(self.hold_violators)
        m["timing__max_slew_violation__count__opensta"] = self.max_transition_violators
        if self.skew_setup_ns is not None:
            m["clock__skew__worst_setup"] = self.skew_setup_ns
        if self.skew_hold_ns is not None:
            m["clock__skew__worst_hold"] = self.skew_hold_ns
        return m


def _paths(text: str, scale: float) -> tuple[TimingPath, ...]:
    """Paths of a ``report_checks`` text; times multiplied by ``scale`` (to ns)."""
    out = []
    for block in re.split(r"(?=^Startpoint: )", text, flags=re.M)[1:]:
        start = re.search(r"^Startpoint: (\S+)", block, re.M)
        end = re.search(r"^Endpoint: (\S+)", block, re.M)
        group = re.search(r"^Path Group: (\S+)", block, re.M)
        arrival = re.search(r"^\s*(-?[0-9.]+)\s+data arrival time", block, re.M)
        slack = re.search(r"^\s*(-?[0-9.]+)\s+slack \((?:MET|VIOLATED)\)", block, re.M)
        if not (start and end and arrival and slack):
            continue
        out.append(TimingPath(start.group(1), end.group(1), group.group(1) if group else "",
                              round(float(arrival.group(1)) * scale, 6),
                              round(float(slack.group(1)) * scale, 6)))
    return tuple(out)


_INPUTS = re.compile(r"^\s*input\s+(?:wire\s+)?(?:\[[^\]]*\]\s*)?([^;]+);", re.M)


def _netlist_has_port(netlist: Path, port: str) -> bool:
    """True if ``netlist`` declares an input named ``port`` (lists ``input a, b;`` too)."""
    for match in _INPUTS.finditer(netlist.read_text(errors="replace")):
        names = (n.strip().lstrip("\\") for n in match.group(1).split(","))
        if port in names:
            return True
    return False


def run_sta(netlist: str | Path, top: str, library: Library | str, out_dir: str | Path, *,
            clock_port: str = "clk", clock_period_ns: float = defaults.CLOCK_PERIOD_NS,
            input_delay_ns: float = 0.0, output_delay_ns: float = 0.0,
            propagated_clock: bool = False, max_fanout: int | None = None,
            max_transition_ns: float | None = None, sdf: str | Path | None = None,
            skew: bool = True, timeout_s: float | None = None) -> StaResult:
    """Time ``netlist`` (top module ``top``, cells of ``library``) at ``clock_period_ns`` in
    ``out_dir`` (``<top>.sdc``, ``sta.tcl``, ``sta.log``). ``max_fanout`` and
    ``max_transition_ns`` go into the SDC (OpenSTA checks the transition limit). ``sdf``: also
    write the cells' delays (from the NLDM tables at their loads and transitions) to that SDF
    file (gzipped when it ends in ``.gz``), for a timed gate-level simulation. ``skew``: report
    the worst clock skew of setup and hold checks (OpenSTA's skew reports are slow on large
    clock trees; the repair's hold rounds leave them out).

    Raises ``SparrowError`` for a non-positive period or a clock port the netlist lacks;
    ``ToolError`` when OpenSTA fails.
    """
    library = get_library(library) if isinstance(library, str) else library
    netlist, out_dir = Path(netlist).resolve(), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if clock_period_ns <= 0:
        raise SparrowError(f"timing: clock period must be positive, got {clock_period_ns} ns")
    if not netlist.is_file():
        raise SparrowError(f"timing: netlist {netlist} not found")
    if not _netlist_has_port(netlist, clock_port):
        raise SparrowError(f"timing: {netlist.name} has no input port '{clock_port}' "
                           "(set the clock port)")
    unit = library.time_unit_ns
    sdc = write_sdc(out_dir / f"{top}.sdc", design=top, clock_port=clock_port,
                    clock_period_ns=clock_period_ns, input_delay_ns=input_delay_ns,
                    output_delay_ns=output_delay_ns, time_unit_ns=unit, max_fanout=max_fanout,
                    max_transition_ns=max_transition_ns)
    script = out_dir / "sta.tcl"
    script.write_text(render_template(STA_TEMPLATE.read_text(), {
        "READ_LIBERTY": "\n".join(f'read_liberty "{p}"' for p in library.sta_liberty),
        "NETLIST": netlist,
        "TOP": top,
        "OPERATING_CONDITIONS": (f"set_operating_conditions {library.operating_conditions}"
                                 if library.operating_conditions else ""),
        "SDC": sdc.name,        # the script runs in out_dir: keep the folder movable
        "CLOCKS": "set_propagated_clock [all_clocks]" if propagated_clock else "",
        "HOLD_ENDPOINTS": HOLD_ENDPOINTS,
        "SKEW": "\n".join(f'puts "sparrow: begin skew {c}"\nreport_clock_skew -{c} -digits 4\n'
                          f'puts "sparrow: end skew {c}"' for c in ("setup", "hold"))
                if skew else "",
        # 6 digits (fs): a timed simulation adds up tens of cell delays along a clock tree
        # against hold slacks of a few ps.
        "WRITE_SDF": (f'write_sdf -digits 6{" -gzip" if Path(sdf).suffix == ".gz" else ""} '
                      f'"{Path(sdf).resolve()}"' if sdf is not None else ""),
    }, name=STA_TEMPLATE.name))
    log = out_dir / "sta.log"
    output = run_tool(["sta", "-no_init", "-no_splash", "-exit", script.resolve()], log=log,
                      cwd=out_dir, what=f"OpenSTA timing of {top}", timeout_s=timeout_s)
    values = dict(re.findall(r"^sparrow: (setup_ws|hold_ws) (\S+)$", output, re.M))
    if set(values) != {"setup_ws", "hold_ws"}:
        raise ToolError(f"OpenSTA timing of {top}: no worst slack in its output "
                        f"(did the netlist link?); log: {log}")
    sections = dict(_SECTION.findall(output))

    def slack(text: str) -> float | None:
        v = float(text)
        return None if abs(v) >= _NO_PATH else round(v * unit, 6)

    def worst_skew(section: str) -> float | None:
        found = _SKEW.findall(sections.get(section, ""))
        return round(max(float(s) for _, _, s in found) * unit, 6) if found else None

    setup_paths = _paths(sections.get("setup paths", ""), unit)
    reg2reg = _paths(sections.get("reg2reg", ""), unit)
    unclocked = _UNCLOCKED.search(output)
    return StaResult(
        clock_period_ns=clock_period_ns, setup_ws_ns=slack(values["setup_ws"]),
        hold_ws_ns=slack(values["hold_ws"]),
        critical_path=min(setup_paths, key=lambda p: p.slack_ns, default=None),
        setup_paths=setup_paths, hold_paths=_paths(sections.get("hold paths", ""), unit),
        unclocked_pins=int(unclocked.group(1)) if unclocked else 0,
        sdc=sdc, script=script, log=log, propagated_clock=propagated_clock,
        max_transition_violators=len(_VIOLATED.findall(sections.get("max_transition", ""))),
        skew_setup_ns=worst_skew("skew setup"), skew_hold_ns=worst_skew("skew hold"),
        reg2reg_ws_ns=min((p.slack_ns for p in reg2reg), default=None),
        hold_violators=tuple((pin, round(float(s) * unit, 6)) for pin, _, _, _, s
                             in _ENDPOINT.findall(sections.get("hold violators", ""))))
