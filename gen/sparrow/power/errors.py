"""User-facing errors of the power engine; each names the input file and the problem."""

from ..errors import SparrowError


class LibertyError(SparrowError):
    """A liberty file is missing, unreadable, or lacks data that power needs (units, tables)."""


class NetlistError(SparrowError):
    """A mapped netlist is unreadable, has no such top module, or uses cells the liberty lacks."""


class ActivityError(SparrowError):
    """Switching activity (VCD or activity table) is unreadable, truncated, or does not fit."""
