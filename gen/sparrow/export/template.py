"""Fill ``@NAME@`` placeholders in the templates under ``flows/`` and ``constraints/``.

``@NAME@`` rather than ``$NAME`` because Tcl, SDC and Yosys scripts use ``$`` themselves.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_PLACEHOLDER = re.compile(r"@([A-Z][A-Z0-9_]*)@")


def render_template(text: str, values: Mapping[str, object], *, name: str = "template") -> str:
    """Return ``text`` with every ``@NAME@`` replaced by ``str(values[NAME])``.

    Raises ``KeyError`` naming the template when a placeholder has no value or a value has no
    placeholder: both are bugs in the caller, and a silently unfilled script would run wrong.
    """
    used = set(_PLACEHOLDER.findall(text))
    missing = used - set(values)
    unused = set(values) - used
    if missing or unused:
        raise KeyError(f"{name}: placeholders without value {sorted(missing)}, "
                       f"values without placeholder {sorted(unused)}")
    return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), text)
