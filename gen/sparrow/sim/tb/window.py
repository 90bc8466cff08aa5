"""The inference window of the toggle counter (``sparrow.sim.counter``): the VPI module runs
inside the simulator's process, so the testbench opens and closes its window through ctypes
at the current simulation time."""

from __future__ import annotations

import ctypes


class ActivityWindow:
    """Opens and closes the counter's window; does nothing without a counter (``module``
    None: the path of the loaded ``sparrow_activity.vpi``)."""

    def __init__(self, module: str | None):
        # dlopen of a library the simulator already loaded returns that same instance.
        self._lib = ctypes.CDLL(module) if module else None

    def open(self) -> None:
        if self._lib is not None and self._lib.sparrow_activity_open() != 0:
            raise RuntimeError("the toggle counter is not running or its window was opened")

    def close(self) -> None:
        if self._lib is not None and self._lib.sparrow_activity_close() != 0:
            raise RuntimeError("the toggle counter's window was not open")

    def next(self, path: str) -> None:
        """Count afresh into ``path`` (after a window closed); open again a cycle later."""
        if self._lib is not None and self._lib.sparrow_activity_next(path.encode()) != 0:
            raise RuntimeError("the toggle counter's first window has not closed")
