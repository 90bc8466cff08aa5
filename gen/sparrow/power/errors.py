"""User-facing errors of the power engine; each names the input file and the problem."""

from ..errors import NetlistError, SparrowError

__all__ = ["ActivityError", "LibertyError", "NetlistError"]


class LibertyError(SparrowError):
    """A liberty file is missing, unreadable, or lacks data that power needs (units, tables)."""


class ActivityError(SparrowError):
    """Switching activity (VCD or activity table) is unreadable, truncated, or does not fit."""
