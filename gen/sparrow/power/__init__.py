"""Gate-level power from a mapped netlist, its liberty and simulated switching activity,
with the semantics of OpenSTA 2.6 (``report_power`` after ``read_power_activities -vcd``).

Typical use (all power in W, energy in J)::

    from sparrow.power import compute_power
    report = compute_power(netlist="net.v", liberty=["osu018_stdcells.lib"], top="core",
                           vcd="gate.vcd.gz", scope="tb/dut", clock_period_ns=250.0)
    report.to_dict()            # power__internal__total, ..., power__total (W)
    report.groups               # Sequential / Combinational / Clock / Macro / Pad
    report.by_block({"lanes": ["core.lanes"], "neurons": [re.compile(r"neuron")]})
    report.energy_j             # J over the simulated window (sum of per-transition energies)
    report.annotated_fraction   # cell pins with activity from the VCD / all cell pins

Components: ``liberty`` (liberty-parser -> SI model, JSON cache), ``netlist`` (structural
Verilog), ``link`` (pins, loads, constants, clock network), ``slew`` (transition
propagation), ``vcd`` (fast numpy VCD reader), ``activity`` / ``annotate`` / ``propagate``
(activity sources, per-pin mapping, vectorless propagation), ``compute`` (the power model),
``report`` (results), ``opensta`` (Debian's OpenSTA for comparison). This package does not
import the hardware generator or the flow.
"""

from .activity import Activity
from .engine import compute_power, compute_powers
from .errors import ActivityError, LibertyError, NetlistError
from .liberty import DEFAULT_LIBERTY, Library, load_liberty
from ..netlist import Netlist, read_netlist
from .propagate import Vectorless
from .report import GROUPS, PowerBreakdown, PowerReport
from .vcd import VcdActivity, VcdFile, read_vcd

__all__ = [
    "Activity", "ActivityError", "DEFAULT_LIBERTY", "GROUPS", "Library", "LibertyError",
    "Netlist", "NetlistError", "PowerBreakdown", "PowerReport", "VcdActivity", "VcdFile",
    "Vectorless", "compute_power", "compute_powers", "load_liberty", "read_netlist", "read_vcd",
]
