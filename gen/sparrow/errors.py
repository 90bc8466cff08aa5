"""User-facing errors: one clear message, never a traceback."""


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
