"""Standard-cell libraries: the registry of supported libraries and any liberty + cell models
by path (``registry``), and a fast summary of a liberty file (``scan``)."""

from .registry import (LIBRARY_NAMES, Library, custom_library, get_library, library_from_toml,
                       pdk_data_dir)
from .scan import CellSummary, LibertySummary, scan_liberty

__all__ = ["LIBRARY_NAMES", "Library", "custom_library", "get_library", "library_from_toml",
           "pdk_data_dir", "CellSummary", "LibertySummary", "scan_liberty"]
