"""Reports that are safe to publish, checked in the real browser (Debian's Chromium).

For every commissioner report of the sample programme (HTML, PDF, XLSX): no roster name,
email or handle anywhere; no participant ids; axe-core finds no WCAG 2.2 AA violation; the
page makes no request outside its own file. A hostile pilot whose names and comments carry
script, HTML, Markdown and LaTeX renders them as inert text; spreadsheet cells cannot start
formulas; rendering twice gives the same figures.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from evalkit.disclosure import personal_terms
from evalkit.report.browser import launch
from evalkit.report.render import render_programme
from evalkit.roster import read_roster

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
HOSTILE = ROOT / "tests" / "data" / "hostile"
HOSTILE_KEY = "hostile key for tests only"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def _roster_people(programme_dir: Path) -> pd.DataFrame:
    from evalkit.programme import load_programme

    programme = load_programme(programme_dir)
    frames = [read_roster(programme_dir / p.id / p.roster, p.id) for p in programme.pilots]
    people = pd.concat(frames, ignore_index=True)
    return people.rename(columns={"name": "display_name"})


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample-site")
    result = render_programme(SAMPLE, out=out / "site", clean_dir=out / "clean",
                              formats=("html", "pdf", "xlsx"), progress=False)
    assert not result.failures, [r.describe() for r in result.failures]
    return out / "site"


@pytest.fixture(scope="session")
def hostile_site(tmp_path_factory):
    import os

    os.environ["EVALKIT_HOSTILE_KEY"] = HOSTILE_KEY
    out = tmp_path_factory.mktemp("hostile-site")
    result = render_programme(HOSTILE, out=out / "site", clean_dir=out / "clean",
                              formats=("html", "xlsx"), progress=False)
    assert not result.failures, [r.describe() for r in result.failures]
    return out / "site"


def _pages(site: Path) -> list[Path]:
    return sorted(site.glob("*.html"))


def _participant_ids(clean: Path) -> list[str]:
    participants = pd.read_parquet(clean / "participants.parquet")
    return participants["participant_id"].dropna().tolist()


class _Everything(HTMLParser):
    """Collects text and every attribute value of a page."""

    def __init__(self):
        super().__init__()
        self.chunks: list[str] = []

    def handle_data(self, data):
        self.chunks.append(data)

    def handle_starttag(self, tag, attrs):
        self.chunks.extend(v for _, v in attrs if v and not v.startswith("data:"))


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", text).casefold()


def _found_terms(text: str, terms: list[str]) -> list[str]:
    folded = _fold(text)
    found = []
    for term in terms:
        t = _fold(term)
        if len(t) < 4:
            continue
        if re.search(r"(?<![\w@.])" + re.escape(t) + r"(?![\w])", folded):
            found.append(term)
    return found


def test_commissioner_outputs_hold_no_personal_data(sample_site):
    people = _roster_people(SAMPLE)
    terms = [t for t in personal_terms(people) if " " in t or "@" in t or t.startswith("@")]
    handles = [h for h in people["x_handle"].dropna().astype(str) if h]
    terms += handles
    ids = _participant_ids(sample_site.parent / "clean")
    problems = {}
    for page in _pages(sample_site):
        parser = _Everything()
        parser.feed(page.read_text(encoding="utf-8"))
        text = "\n".join(parser.chunks)
        hits = _found_terms(text, terms) + [i for i in ids if i in text]
        if hits:
            problems[page.name] = hits[:10]
    for pdf in sorted(sample_site.glob("*.pdf")):
        from pypdf import PdfReader

        reader = PdfReader(str(pdf))
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
        meta = " ".join(str(v) for v in (reader.metadata or {}).values())
        hits = _found_terms(text + "\n" + meta, terms) + [i for i in ids if i in text]
        if hits:
            problems[pdf.name] = hits[:10]
    for book in sorted(sample_site.glob("*.xlsx")):
        workbook = openpyxl.load_workbook(book)
        cells = [str(c.value) for ws in workbook.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
        props = workbook.properties
        cells += [str(props.creator), str(props.lastModifiedBy), str(props.title)]
        hits = _found_terms("\n".join(cells), terms) + [i for i in ids if any(i in c for c in cells)]
        if hits:
            problems[book.name] = hits[:10]
    for path in sample_site.rglob("*"):
        if _found_terms(path.name.replace("-", " ").replace("_", " "), terms):
            problems[str(path)] = ["file name"]
    assert problems == {}
    assert len(_pages(sample_site)) == 6  # index, cross-pilot and four pilots
    assert len(list(sample_site.glob("*.pdf"))) == 5 and len(list(sample_site.glob("*.xlsx"))) == 5


def test_axe_finds_no_wcag_violation_and_no_request_leaves_the_file(sample_site):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    problems = {}
    with launch() as browser:
        for page_path in _pages(sample_site):
            context = browser.new_context()
            page = context.new_page()
            outside = []
            page.route("**/*", lambda route: (outside.append(route.request.url), route.abort())
                       if not route.request.url.startswith(("file:", "data:")) else route.continue_())
            page.goto(page_path.as_uri(), wait_until="load")
            results = axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
            violations = [(v["id"], len(v["nodes"])) for v in results.response["violations"]]
            lang = page.evaluate("document.documentElement.lang")
            headings = page.evaluate("Array.from(document.querySelectorAll('h1,h2,h3,h4,h5,h6')).map(h => +h.tagName[1])")
            tables_without_headers = page.evaluate(
                "Array.from(document.querySelectorAll('table')).filter(t => !t.querySelector('th')).length")
            images_without_alt = page.evaluate(
                "Array.from(document.images).filter(i => !(i.getAttribute('alt') || '').trim()).length")
            skips = [b for a, b in zip(headings, headings[1:]) if b > a + 1]
            if violations or outside or lang != "en-GB" or headings[:1] != [1] or headings.count(1) != 1 \
                    or skips or tables_without_headers or images_without_alt:
                problems[page_path.name] = dict(violations=violations, outside=outside, lang=lang,
                                                headings=headings[:5], skips=skips,
                                                tables_without_headers=tables_without_headers,
                                                images_without_alt=images_without_alt)
            context.close()
    assert problems == {}


def test_every_chart_is_stated_in_words_too(sample_site):
    """Charts are never the only carrier of a finding: each figure is followed by text or a table."""
    for page_path in _pages(sample_site):
        html = page_path.read_text(encoding="utf-8")
        for match in re.finditer(r"<figure>.*?</figure>", html, flags=re.S):
            alt = re.search(r'alt="([^"]*)"', match.group(0)).group(1)
            assert len(alt) > 30, f"{page_path.name}: thin alt text {alt!r}"
            after = html[match.end(): match.end() + 4000]
            assert re.search(r"<(p|table)\b", after), f"{page_path.name}: a chart with nothing after it"


def test_hostile_names_and_comments_render_inert(hostile_site):
    pages = _pages(hostile_site)
    assert {p.name for p in pages} == {"index.html", "hostile.html", "cross-pilot.html"}
    with launch() as browser:
        for page_path in pages:
            page = browser.new_page()
            dialogs = []
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            requests = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto(page_path.as_uri(), wait_until="load")
            page.wait_for_timeout(300)
            assert dialogs == [], page_path.name
            scripts = page.evaluate("Array.from(document.scripts).map(s => s.textContent)")
            assert not any("alert" in s for s in scripts), page_path.name
            handlers = page.evaluate(
                "Array.from(document.querySelectorAll('*')).filter(e => Array.from(e.attributes)"
                ".some(a => a.name.startsWith('on'))).length")
            assert handlers == 0, page_path.name
            links = page.evaluate("Array.from(document.links).map(a => a.getAttribute('href'))")
            assert not any(l and l.lower().startswith("javascript") for l in links), page_path.name
            images = page.evaluate("Array.from(document.images).map(i => i.getAttribute('src'))")
            assert all(src.startswith("data:") for src in images), page_path.name
            assert not page.evaluate("document.querySelector('.MathJax, mjx-container, math')"), page_path.name
            assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
            text = page.evaluate("document.body.innerText")
            if page_path.name == "hostile.html":
                assert "<script>" not in page.content().split("<body", 1)[1].replace("&lt;script&gt;", "")
                assert "Hostile <i>pilot</i>" in text  # the name is shown as written, as text
            page.close()


def test_hostile_spreadsheet_cells_cannot_start_formulas(hostile_site):
    for book in sorted(hostile_site.glob("*.xlsx")):
        workbook = openpyxl.load_workbook(book)
        for ws in workbook.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", f"{book.name} {ws.title}!{cell.coordinate}"
                    if isinstance(cell.value, str):
                        assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r")), \
                            f"{book.name} {ws.title}!{cell.coordinate}: {cell.value!r}"


def test_rendering_twice_gives_the_same_figures(hostile_site, tmp_path):
    again = render_programme(HOSTILE, out=tmp_path / "site", clean_dir=tmp_path / "clean",
                             formats=("html",), progress=False, force=True)
    assert not again.failures
    for first in sorted(p for p in hostile_site.glob("*.json") if not p.name.startswith(".")):
        second = tmp_path / "site" / first.name
        assert json.loads(first.read_text()) == json.loads(second.read_text()), first.name
