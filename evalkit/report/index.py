"""``index.html``: every pilot with its headline figures and links, and the cross-pilot report.

The page is one self-contained file in the report style. Pilots are grouped by region and
sorted by name; a small inline script (no network) lets a reader filter the table by typing,
and the page works without it. Headline figures come from each report's JSON side file
(``<pilot>.json``, written by the report notebook), so the index shows exactly the numbers
the reports publish.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from .. import __version__
from .html import Html, esc, heading, paragraph, warning

__all__ = ["write_index", "headline_pairs"]

_FILTER_SCRIPT = """
<script>
(function () {
  var box = document.getElementById('pilot-filter');
  if (!box) return;
  box.addEventListener('input', function () {
    var words = box.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var rows = document.querySelectorAll('tbody tr[data-search]');
    var shown = 0;
    rows.forEach(function (row) {
      var text = row.getAttribute('data-search');
      var match = words.every(function (w) { return text.indexOf(w) !== -1; });
      row.hidden = !match;
      if (match) shown += 1;
    });
    document.getElementById('filter-count').textContent = shown + ' of ' + rows.length + ' pilots shown';
  });
})();
</script>
"""


def headline_pairs(figures: dict, limit: int = 3) -> list[tuple[str, str]]:
    """``(label, value)`` pairs from a side file's ``headline`` list (or empty)."""
    found = []
    for item in figures.get("headline", [])[:limit]:
        if isinstance(item, dict) and "label" in item and "value" in item:
            found.append((str(item["label"]), str(item["value"])))
    return found


def write_index(programme, out: Path, results, *, audience: str = "commissioner") -> Path:
    """Write ``out/index.html`` for a rendered programme and return its path."""
    out = Path(out)
    status = {r.name: r for r in results}
    by_region: dict[str, list] = {}
    for pilot in sorted(programme.pilots, key=lambda p: p.name.lower()):
        by_region.setdefault(pilot.region or "Region not given", []).append(pilot)

    parts: list[str] = []
    if audience == "evaluator":
        parts.append(str(warning(
            "This index and the reports it links to contain personal data: names of participants "
            "and their answers. Do not forward or publish them."
        )))
    parts.append(str(heading(f"{programme.name}: evaluation reports", 1)))
    if programme.description:
        parts.append(str(paragraph(programme.description, "lede")))
    n_pilots = len(programme.pilots)
    parts.append(str(paragraph(
        f"{n_pilots} pilot{'s' if n_pilots != 1 else ''} in {len(by_region)} "
        f"region{'s' if len(by_region) != 1 else ''}. Each report starts with a summary of its "
        "key findings and ends with notes on data quality.", None)))

    cross = status.get("cross-pilot")
    if cross is not None and cross.status != "failed" and (out / "cross-pilot.html").exists():
        parts.append(
            '<p><a href="cross-pilot.html">Compare all the pilots side by side</a>'
            + _other_formats(out, "cross-pilot") + "</p>"
        )

    parts.append(str(heading("Pilots", 2)))
    if n_pilots > 8:
        parts.append(
            '<label for="pilot-filter">Find a pilot (name, region or authority)</label>'
            '<input id="pilot-filter" class="search" type="search" autocomplete="off">'
            '<p id="filter-count" class="meta" aria-live="polite"></p>'
        )
    for region, pilots in sorted(by_region.items(), key=lambda item: item[0].lower()):
        parts.append(str(heading(region, 3)))
        rows = []
        for pilot in pilots:
            figures = _figures(out / f"{pilot.id}.json")
            result = status.get(pilot.id)
            if result is not None and result.status == "failed":
                link = f"{esc(pilot.name)} <strong>(report failed: see the run's list of failures)</strong>"
            elif (out / f"{pilot.id}.html").exists():
                link = f'<a href="{esc(pilot.id)}.html">{esc(pilot.name)}</a>' + _other_formats(out, pilot.id)
            else:
                link = f"{esc(pilot.name)} (not rendered in this run)"
            sessions = len(pilot.sessions)
            first, last = min(s.date for s in pilot.sessions), max(s.date for s in pilot.sessions)
            when = first.strftime("%B %Y") if first == last else f"{first:%B %Y} to {last:%B %Y}"
            headline = "".join(
                f"<li><strong>{esc(value)}</strong> {esc(label)}</li>" for label, value in headline_pairs(figures)
            )
            search = " ".join([pilot.name, pilot.id, region, *pilot.authorities]).lower()
            rows.append(
                f'<tr data-search="{esc(search)}"><th scope="row">{link}</th>'
                f"<td>{esc(', '.join(pilot.authorities))}</td>"
                f"<td>{esc(when)}; {sessions} session{'s' if sessions != 1 else ''}</td>"
                f"<td>{'<ul>' + headline + '</ul>' if headline else 'No headline figures'}</td></tr>"
            )
        parts.append(
            f"<table><caption>Pilots in {esc(region)}</caption><thead><tr>"
            '<th scope="col">Pilot</th><th scope="col">Authorities</th>'
            '<th scope="col">When</th><th scope="col">Headline figures</th></tr></thead>'
            "<tbody>" + "".join(rows) + "</tbody></table>"
        )
    failed = [r for r in results if r.status == "failed"]
    if failed:
        parts.append(str(heading("Reports that could not be made", 2)))
        parts.append("<ul>" + "".join(f"<li>{esc(r.describe())}</li>" for r in failed) + "</ul>")
    parts.append(
        '<footer class="provenance"><p>Made by evalkit '
        f"{esc(__version__)} on {esc(dt.datetime.now().strftime('%d %B %Y at %H:%M'))}.</p></footer>"
    )
    css = (Path(__file__).resolve().parent / "templates" / "evalkit" / "report.css").read_text(encoding="utf-8")
    page = (
        '<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
        f"<title>{esc(programme.name)}: evaluation reports</title>\n<style>\n{css}\n</style>\n</head>\n"
        '<body>\n<main class="report">\n' + "\n".join(parts) + "\n</main>\n"
        + (_FILTER_SCRIPT if n_pilots > 8 else "") + "</body>\n</html>\n"
    )
    path = out / "index.html"
    path.write_text(page, encoding="utf-8")
    return path


def _other_formats(out: Path, name: str) -> str:
    links = []
    for suffix, label in (("pdf", "PDF"), ("xlsx", "tables as a spreadsheet")):
        if (out / f"{name}.{suffix}").exists():
            links.append(f'<a href="{esc(name)}.{suffix}">{label}</a>')
    return f" ({', '.join(links)})" if links else ""


def _figures(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
