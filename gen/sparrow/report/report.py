"""The human report of a run: ``report.md`` and ``report.html`` with plots in ``plots/``.

Built from the run's ``metrics.json`` document alone, so it can be regenerated any time
(``write_report(run_dir)``). It opens with the sign-off verdict and the answer (energy per
inference, average power, area, fmax, bit-exactness), then the sign-off checks, the
breakdowns with their plots, and every metric last. Every number carries its unit and its
source (the step and tool that measured it); a metric the run does not have reads "not
measured", never 0.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from ..errors import SparrowError
from ..fileio import atomic_write_text
from .document import RunMetrics
from .render import render_html, render_markdown
from .sections import report_blocks, title


def write_report(run_dir: str | Path, doc: Mapping | None = None) -> tuple[Path, Path]:
    """Write ``report.md``, ``report.html`` and ``plots/*.png`` into ``run_dir`` from the
    run's metrics document (default: its ``metrics.json``); return the two report paths.
    A missing or malformed document is a ``SparrowError``."""
    run_dir = Path(run_dir)
    where = str(run_dir / "metrics.json")
    if doc is None:
        try:
            doc = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise SparrowError(f"no readable metrics.json in run folder {run_dir}: {e}") from None
    else:
        where = f"metrics document for {run_dir}"
    run = RunMetrics(doc, where)
    blocks = report_blocks(run, run_dir)
    md = atomic_write_text(run_dir / "report.md", render_markdown(blocks))
    page = atomic_write_text(run_dir / "report.html", render_html(blocks, title(run)))
    return md, page
