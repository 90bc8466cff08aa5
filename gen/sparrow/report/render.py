"""The report's blocks and their two renderings, markdown and HTML (one style sheet, no
scripts, images by relative path so the run folder can be moved or archived whole)."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from .document import NOT_MEASURED


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str
    lead: bool = False
    """The report's answer in one sentence (larger type)."""


@dataclass(frozen=True)
class Banner:
    """The sign-off verdict, in words, at the top of the report."""
    text: str
    status: Literal["pass", "fail", "unknown"]


@dataclass(frozen=True)
class Card:
    """One headline figure: what it is, its value with unit, how it was obtained."""
    label: str
    value: str
    note: str


@dataclass(frozen=True)
class Cards:
    cards: tuple[Card, ...]


@dataclass(frozen=True)
class Table:
    header: Sequence[str]
    rows: Sequence[Sequence[str]]
    numeric: tuple[int, ...] = ()
    """Columns of numbers (right-aligned in HTML)."""


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Figure:
    path: str
    """Relative to the folder of the report."""
    caption: str


@dataclass(frozen=True)
class Figures:
    figures: tuple[Figure, ...]


Block = Heading | Paragraph | Banner | Cards | Table | Bullets | Figures


def _md_table(header, rows) -> list[str]:
    cell = lambda x: str(x).replace("|", "\\|")   # noqa: E731
    return (["| " + " | ".join(cell(h) for h in header) + " |", "|" + "---|" * len(header)]
            + ["| " + " | ".join(cell(x) for x in row) + " |" for row in rows] + [""])


def render_markdown(blocks: list[Block]) -> str:
    lines: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            lines += ["#" * b.level + " " + b.text, ""]
        elif isinstance(b, Paragraph):
            lines += [f"**{b.text}**" if b.lead else b.text, ""]
        elif isinstance(b, Banner):
            lines += [f"> **{b.text}**", ""]
        elif isinstance(b, Cards):
            lines += _md_table(("figure", "value", "how it was obtained"),
                               [(c.label, c.value, c.note) for c in b.cards])
        elif isinstance(b, Table):
            lines += _md_table(b.header, b.rows)
        elif isinstance(b, Bullets):
            lines += [f"* {item}" for item in b.items] + [""]
        else:
            lines += [f"![{f.caption}]({f.path})" for f in b.figures] + [""]
    return "\n".join(lines)


_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2328;max-width:64em;
 margin:1.5em auto;padding:0 1em;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.4em}h2{border-bottom:1px solid #d0d7de;padding-bottom:.2em;
 margin-top:2em}h3{margin-top:1.4em}
.banner{padding:.7em 1em;border-left:6px solid;border-radius:4px;font-weight:600}
.banner.fail{background:#fdecea;border-color:#c62828;color:#7f1d1d}
.banner.pass{background:#e8f5e9;border-color:#2e7d32;color:#1b5e20}
.banner.unknown{background:#fff8e1;border-color:#f9a825;color:#6d4c00}
.lead{font-size:1.15em}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(14em,1fr));gap:.7em;
 margin:1em 0}
.card{border:1px solid #d0d7de;border-radius:6px;padding:.6em .8em}
.card .label{font-size:.8em;color:#57606a;text-transform:uppercase;letter-spacing:.03em}
.card .value{font-size:1.45em;font-weight:600;margin:.1em 0}
.card .note{font-size:.8em;color:#57606a}
table{border-collapse:collapse;margin:.8em 0;font-size:.92em;max-width:100%}
td,th{border:1px solid #d0d7de;padding:3px 9px;text-align:left;vertical-align:top;
 overflow-wrap:break-word}
th{background:#f3f5f7;white-space:nowrap}td.num{text-align:right;white-space:nowrap}
td.pass{color:#1b5e20;font-weight:600;white-space:nowrap}
td.fail{color:#b71c1c;font-weight:700;white-space:nowrap}
td.missing{color:#8c959f;font-style:italic;white-space:nowrap}
.figures{display:flex;flex-wrap:wrap;gap:1em;margin:1em 0}
figure{margin:0}figure img{max-width:100%}figcaption{font-size:.85em;color:#57606a}
"""

_CELL_CLASS = {"pass": "pass", "FAIL": "fail", NOT_MEASURED: "missing"}
_NUMBER = re.compile(r"^[+-]?[\d,.]+(e[+-]?\d+)?( [^\s\d]+)?$")
"""A number with at most one unit word ("1,422 cells", "+123 ns", "40.47 nJ"): right-aligned
in a numeric column, where names and sentences stay left-aligned."""


def _html_table(header, rows, numeric=()) -> str:
    e = html.escape

    def cell(i: int, x: str) -> str:
        number = i in numeric and _NUMBER.match(str(x))
        classes = [c for c in (_CELL_CLASS.get(x), "num" if number else None) if c]
        attr = f' class="{" ".join(classes)}"' if classes else ""
        return f"<td{attr}>{e(str(x))}</td>"

    head = "".join(f"<th>{e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(cell(i, x) for i, x in enumerate(row)) + "</tr>\n"
                   for row in rows)
    return f"<table>\n<tr>{head}</tr>\n{body}</table>"


def render_html(blocks: list[Block], title: str) -> str:
    e = html.escape
    body = []
    for b in blocks:
        if isinstance(b, Heading):
            body.append(f"<h{b.level}>{e(b.text)}</h{b.level}>")
        elif isinstance(b, Paragraph):
            body.append(f'<p class="lead">{e(b.text)}</p>' if b.lead else f"<p>{e(b.text)}</p>")
        elif isinstance(b, Banner):
            body.append(f'<p class="banner {b.status}">{e(b.text)}</p>')
        elif isinstance(b, Cards):
            body.append('<div class="cards">' + "".join(
                f'<div class="card"><div class="label">{e(c.label)}</div>'
                f'<div class="value">{e(c.value)}</div><div class="note">{e(c.note)}</div></div>'
                for c in b.cards) + "</div>")
        elif isinstance(b, Table):
            body.append(_html_table(b.header, b.rows, b.numeric))
        elif isinstance(b, Bullets):
            body.append("<ul>" + "".join(f"<li>{e(i)}</li>" for i in b.items) + "</ul>")
        else:
            body.append('<div class="figures">' + "".join(
                f'<figure><img src="{e(f.path)}" alt="{e(f.caption)}">'
                f"<figcaption>{e(f.caption)}</figcaption></figure>" for f in b.figures)
                + "</div>")
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>{e(title)}</title><style>{_STYLE}</style></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")
