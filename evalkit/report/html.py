"""Safe HTML pieces for report notebooks.

Every builder escapes the text it is given: names and comments from input files are text,
never markup. Each returns an :class:`Html` fragment, which Jupyter displays as HTML.

>>> print(paragraph("<script>alert(1)</script> & more"))
<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; more</p>
>>> import pandas as pd
>>> print(table(pd.DataFrame({"Session": ["Workshop 1"], "People": [12]}), caption="Turnout", numeric=["People"]))
<table>
<caption>Turnout</caption>
<thead><tr><th scope="col">Session</th><th scope="col" class="num">People</th></tr></thead>
<tbody>
<tr><th scope="row">Workshop 1</th><td class="num">12</td></tr>
</tbody>
</table>
"""

from __future__ import annotations

import base64
import html
import io
from typing import Iterable, Sequence

import pandas as pd

__all__ = [
    "Html",
    "bullets",
    "figure",
    "heading",
    "headline",
    "join",
    "paragraph",
    "panel",
    "quote",
    "table",
    "warning",
]


class Html(str):
    """A fragment of trusted HTML (built here, from escaped text)."""

    def _repr_html_(self) -> str:
        return str(self)

    def __add__(self, other: str) -> "Html":
        return Html(str(self) + (other if isinstance(other, Html) else html.escape(str(other))))


def esc(text: object) -> str:
    """Escape any value for HTML text or attributes (quotes included)."""
    if text is None or (isinstance(text, float) and text != text):
        return ""
    return html.escape(str(text), quote=True)


def join(*parts: Html) -> Html:
    return Html("\n".join(str(p) for p in parts if p))


def heading(text: str, level: int = 2, id: str | None = None) -> Html:
    attr = f' id="{esc(id)}"' if id else ""
    return Html(f"<h{level}{attr}>{esc(text)}</h{level}>")


def paragraph(text: str, css: str | None = None) -> Html:
    cls = f' class="{esc(css)}"' if css else ""
    return Html(f"<p{cls}>{esc(text)}</p>")


def bullets(items: Iterable[str]) -> Html:
    body = "".join(f"<li>{esc(i)}</li>" for i in items)
    return Html(f"<ul>{body}</ul>") if body else Html("")


def panel(title: str, items: Iterable[str]) -> Html:
    """A highlighted box with a short title and a list (the summary of key findings)."""
    return Html(f'<div class="panel"><p><strong>{esc(title)}</strong></p>{bullets(items)}</div>')


def warning(text: str) -> Html:
    return Html(f'<p class="warning">{esc(text)}</p>')


def quote(text: str, attribution: str | None = None) -> Html:
    cite = f"<p class=\"meta\">{esc(attribution)}</p>" if attribution else ""
    return Html(f"<blockquote><p>{esc(text)}</p>{cite}</blockquote>")


def headline(figures: Sequence[tuple[str, str]]) -> Html:
    """Big figures with what they mean: ``[("17 of 69", "councillors came"), ...]``."""
    items = "".join(
        f'<li><span class="figure">{esc(value)}</span><span class="what">{esc(what)}</span></li>'
        for value, what in figures
    )
    return Html(f'<ul class="headline">{items}</ul>')


def table(frame: pd.DataFrame, caption: str, numeric: Sequence[str] = (), row_headers: bool = True) -> Html:
    """An accessible table: a caption, column headers, and the first column as row headers.

    Values are shown as given (format them before); every cell is escaped.
    """
    numeric = set(numeric)
    num = ' class="num"'
    head = "".join(f'<th scope="col"{num if c in numeric else ""}>{esc(c)}</th>' for c in frame.columns)
    rows = []
    for values in frame.itertuples(index=False, name=None):
        cells = []
        for i, (column, value) in enumerate(zip(frame.columns, values)):
            cls = ' class="num"' if column in numeric else ""
            if i == 0 and row_headers:
                cells.append(f'<th scope="row"{cls}>{esc(value)}</th>')
            else:
                cells.append(f"<td{cls}>{esc(value)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    body = "\n".join(rows)
    return Html(
        f"<table>\n<caption>{esc(caption)}</caption>\n<thead><tr>{head}</tr></thead>\n"
        f"<tbody>\n{body}\n</tbody>\n</table>"
    )


def figure(fig, alt: str, caption: str | None = None) -> Html:
    """Embed a matplotlib figure as SVG with alt text (and close it).

    The alt text is written from the chart's data by the caller (``evalkit.plots`` builds it).
    The SVG carries no metadata dates, so the same figure gives the same bytes.
    """
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return Html(
        f'<figure><img src="data:image/svg+xml;base64,{data}" alt="{esc(alt)}">{cap}</figure>'
    )
