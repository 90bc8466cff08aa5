"""SI prefixes of the unit strings in liberty files and VCD headers (``1ns``, ``1pf``,
``1nW``, ``1mA``): the one table every reader scales with."""

from __future__ import annotations

PREFIX_SCALE = {"k": 1e3, "": 1.0, "m": 1e-3, "u": 1e-6, "n": 1e-9, "p": 1e-12, "f": 1e-15}
"""Scale of each SI prefix (lower case; ``u`` for micro)."""


def scale(unit: str, base: str) -> float:
    """Scale of ``unit`` against its base unit ``base`` (``scale("ps", "s")`` = 1e-12,
    ``scale("ff", "f")`` = 1e-15, ``scale("mW", "w")`` = 1e-3); case-insensitive.
    Raises ``ValueError`` for anything else."""
    text, base = unit.strip().lower(), base.lower()
    if not text.endswith(base) or text[: len(text) - len(base)] not in PREFIX_SCALE:
        raise ValueError(f"unknown unit {unit!r} (expected a prefix of {base!r} among "
                         f"{', '.join(p or '(none)' for p in PREFIX_SCALE)})")
    return PREFIX_SCALE[text[: len(text) - len(base)]]
