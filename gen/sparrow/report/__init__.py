"""The human report of a flow run (``report.md``, ``report.html``, plots), from its
``metrics.json``."""

from .render import (Block, Bullets, Figure, Figures, Heading, Paragraph, Table, render_html,
                     render_markdown)
from .report import write_report
from .sections import SPARROWSNN_PUBLISHED, signoff_verdict
from .values import format_value

__all__ = ["SPARROWSNN_PUBLISHED", "Block", "Bullets", "Figure", "Figures", "Heading",
           "Paragraph", "Table", "format_value", "render_html", "render_markdown",
           "signoff_verdict", "write_report"]
