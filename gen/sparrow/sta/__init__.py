"""Static timing of a netlist with OpenSTA (``opensta.run_sta``)."""

from .opensta import StaResult, TimingPath, run_sta

__all__ = ["StaResult", "TimingPath", "run_sta"]
