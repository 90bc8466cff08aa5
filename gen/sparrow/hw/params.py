"""Argument checks shared by the hardware components: one wording for every component, so a
wrong parameter names itself (``lanes must be a positive int, got 0``)."""

from __future__ import annotations

from collections.abc import Sequence


def check_positive_int(name: str, value) -> int:
    """``value`` if it is an int >= 1; TypeError for a non-int (bools too), ValueError for a
    value below 1."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be a positive int, got {value}")
    return value


def check_instance(name: str, value, kind: type):
    """``value`` if it is a ``kind``; TypeError naming the argument otherwise."""
    if not isinstance(value, kind):
        raise TypeError(f"{name} must be a {kind.__name__}, got {type(value).__name__}")
    return value


def check_choice(name: str, value, choices: Sequence):
    """``value`` if it is one of ``choices``; ValueError listing them otherwise."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(str, choices))}, got {value!r}")
    return value
