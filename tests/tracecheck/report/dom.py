"""Reading a report's DOM in tests: the elements carrying a given attribute, and headless Chromium."""

from __future__ import annotations

import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("PYCCF_CHROMIUM", "/usr/bin/chromium")


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, {k: v or "" for k, v in attrs}))


def elements(html: str, attr: str, tag: str | None = None) -> list[dict[str, str]]:
    """The attributes of every element (of ``tag``) that has ``attr``, in document order."""
    p = _Collect()
    p.feed(html)
    return [a for t, a in p.found if attr in a and (tag is None or t == tag)]


def chromium() -> str:
    """The browser, or a skip (a failure with PYCCF_REQUIRE_BROWSER=1, as CI sets)."""
    found = shutil.which(CHROMIUM)
    if found is None:
        if os.environ.get("PYCCF_REQUIRE_BROWSER") == "1":
            pytest.fail(f"PYCCF_REQUIRE_BROWSER=1 but there is no browser at {CHROMIUM}")
        pytest.skip(f"no headless browser at {CHROMIUM}")
    return found


def _run(browser: str, *args: str) -> str:
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", *args]
    return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=180).stdout


def dump_dom(browser: str, page: Path) -> str:
    """The DOM after the page's scripts ran (plotly has drawn the charts)."""
    return _run(browser, "--dump-dom", page.resolve().as_uri())


def screenshot(browser: str, page: Path, png: Path, size: str = "1600,2000") -> Path:
    _run(browser, f"--screenshot={png}", f"--window-size={size}", page.resolve().as_uri())
    return png
