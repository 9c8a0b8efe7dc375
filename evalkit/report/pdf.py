"""PDF copies of rendered reports, printed by the system Chromium."""

from __future__ import annotations

from pathlib import Path

from .browser import launch

__all__ = ["html_to_pdf"]


def html_to_pdf(html_path: Path, pdf_path: Path) -> Path:
    """Print ``html_path`` to ``pdf_path`` (A4, backgrounds, tagged for accessibility).

    Requests to anything but the file itself are blocked, so a PDF never depends on the network.
    """
    html_path = Path(html_path).resolve()
    with launch() as browser:
        page = browser.new_page()
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                   or route.request.url.startswith("data:") else route.abort())
        page.goto(html_path.as_uri(), wait_until="load")
        page.emulate_media(media="print")
        page.pdf(path=str(pdf_path), format="A4", print_background=True, tagged=True, outline=True,
                 margin={"top": "18mm", "bottom": "18mm", "left": "16mm", "right": "16mm"})
    return Path(pdf_path)
