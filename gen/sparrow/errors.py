"""User-facing errors: one clear message, never a traceback."""

from __future__ import annotations

import sys
from collections.abc import Callable


class SparrowError(Exception):
    """An error whose message is meant for the user as it is (the CLI prints it and exits 1)."""


class DescriptorError(SparrowError):
    """A model descriptor or its weights file is invalid.

    The message names the file, the field (``layers[2].theta``) and the reason.
    """

    def __init__(self, field: str, reason: str, *, source: str | None = None):
        self.field = field
        self.reason = reason
        self.source = source
        where = f"{source}: " if source else ""
        super().__init__(f"{where}{field}: {reason}")


class ToolError(SparrowError):
    """An external tool is missing or failed; the message says how to get or fix it."""


class NetlistError(SparrowError):
    """A mapped netlist is unreadable, has no such top module, or uses cells the liberty lacks."""


def guarded_main(prog: str, command: Callable[[], int]) -> int:
    """Run a command-line ``command`` and return its exit status: a ``SparrowError`` becomes
    one line on standard error (status 1), an interrupt status 130, and a closed output pipe
    (``sparrow check x | head``) a quiet exit: the reader went away, not an error of Sparrow's.
    """
    try:
        return command()
    except SparrowError as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        sys.stderr.close()
        return 0
