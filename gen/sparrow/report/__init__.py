"""The human report of a flow run (``report.md``, ``report.html``, plots), from its
``metrics.json``."""

from .report import (SPARROWSNN_PUBLISHED, format_value, render_html, render_markdown,
                     write_report)

__all__ = ["SPARROWSNN_PUBLISHED", "format_value", "render_html", "render_markdown",
           "write_report"]
