"""The system Chromium, driven by Playwright (no browser download).

evalkit uses the Debian package ``chromium`` (``/usr/bin/chromium``) or the browser named by
the ``EVALKIT_CHROMIUM`` environment variable, for PDFs and for checking rendered reports.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

__all__ = ["ChromiumMissing", "CHROMIUM_ARGS", "chromium_path", "launch"]

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


class ChromiumMissing(RuntimeError):
    """No Chromium to drive: the message says how to install one."""


def chromium_path() -> str:
    """Path of the Chromium executable to use, or :class:`ChromiumMissing`."""
    wanted = os.environ.get("EVALKIT_CHROMIUM")
    candidates = [wanted] if wanted else ["/usr/bin/chromium", "/usr/bin/chromium-browser",
                                          shutil.which("chromium") or "", shutil.which("google-chrome") or ""]
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            return candidate
    raise ChromiumMissing(
        "PDF output and report checks need Chromium, and none was found. Install it with "
        "'sudo apt-get install chromium' (Debian/Ubuntu), or set EVALKIT_CHROMIUM to the path "
        "of a Chromium or Chrome executable."
    )


@contextmanager
def launch():
    """A headless Chromium browser (Playwright), closed on exit."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
