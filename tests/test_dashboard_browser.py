"""The dashboard as a manager sees it: served by `slopradar dashboard`, driven in a real headless Chromium, on the
demo workspace and on the real shared exports. No page may make the browser fetch anything from another host."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real Chromium per test: `make test` leaves them to CI

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _needs_browser() -> None:
    if CHROMIUM is None:
        pytest.skip("Chromium not found: apt-get install chromium (.ci/run installs it)")
    pytest.importorskip("playwright", reason="playwright is in the 'test' extra")


@contextmanager
def _served(settings) -> Iterator[str]:
    """`slopradar dashboard` on a free port for this store; stopped (SIGTERM stops Streamlit with it) afterwards."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "SLOPRADAR_ADOPTION_DATE"}
    env |= {"SLOPRADAR_DB": settings.db, "SLOPRADAR_DATA_DIR": settings.data_dir}
    if settings.adoption_date:
        env["SLOPRADAR_ADOPTION_DATE"] = settings.adoption_date
    proc = subprocess.Popen([sys.executable, "-m", "slopradar.cli", "dashboard", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):  # the server needs a few seconds to start; stop after a minute at most
            if proc.poll() is not None:
                pytest.fail(f"the dashboard stopped: {proc.stderr.read() if proc.stderr else ''}")
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("the dashboard did not start")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _visit(url: str, pages: list[tuple[str, str, list[str]]], shots, prefix: str) -> dict[str, str]:
    """Each page in turn in one browser; returns its text. Any request to a host other than this machine is
    blocked and fails the test: nothing may leave the machine (issue 18: the page icon came from
    fonts.gstatic.com)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    outside: list[str] = []

    def guard(route) -> None:
        host = urlsplit(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:")) or host in LOOPBACK:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    texts = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run", "--disable-sync"])
        # tall: Streamlit scrolls inside its own container, so a full-page screenshot is the viewport
        context = browser.new_context(viewport={"width": 1400, "height": 2600})
        context.route("**/*", guard)
        page = context.new_page()
        for path, ready, expected in pages:
            page.goto(f"{url}/{path}", wait_until="domcontentloaded")
            page.get_by_text(ready).first.wait_for(timeout=90_000)
            # a page draws section by section: wait until every expected text is there (on a loaded machine the
            # table under the footprint came 1.5 s after it), then for the charts, which draw after the text
            try:
                page.wait_for_function("ts => ts.every(t => document.body.innerText.includes(t))", arg=expected,
                                       timeout=60_000)
            except PlaywrightTimeout:
                pass  # the assertion below names the text that is missing
            page.wait_for_timeout(1500)
            body = page.inner_text("body")
            for text in expected:
                assert text in body, (path, text)
            for bad in ("team ?", "Traceback", "Error:"):
                assert bad not in body, (path, bad)
            page.screenshot(path=str(shots / f"dashboard-{prefix}-{path or 'overview'}.png"))
            texts[path] = body
        browser.close()
    assert outside == [], f"the dashboard made the browser fetch from other hosts: {outside}"
    return texts


# page path, a text that appears once the page has rendered, texts that must be there
DEMO_PAGES = [
    ("", "Footprint of the AI use detected", ["Communication health", "Platform", "Lyon Ops", "Trends over weeks",
                                              "Reading time per week"]),
    ("team", "Channels with the most padding", ["Over time", "Announcements that reached this team"]),
    ("chains", "Side by side", ["summary of a summary", "LOST", "a team of fewer than 5 authors"]),
    ("audit", "Weekly trends", ["Organisation (teams shown below)", "Time lost per week", "Changes with their intervals"]),
]


def test_every_page_in_a_real_browser(analysed, artifacts):
    _needs_browser()
    _engine, settings, _ = analysed
    with _served(settings) as url:
        texts = _visit(url, DEMO_PAGES, artifacts, "demo")
    assert not any("Legal" in t for t in texts.values())  # 3 people: below the minimum group size, absent everywhere


REAL_PAGES = [
    ("", "Footprint of the AI use detected", ["Communication health", "Unassigned", "none: human (before Nov 2022)",
                                              "No AI use detected in this period"]),
    ("team", "Channels with the most padding", ["Showing", "Over time", "Words that are padding"]),
    # human writing with no copies among it (Enron's forwards are left out of this fixture): no chain, said so
    ("chains", "No chains under these filters", ["run slopradar analyze after ingesting messages"]),
    ("audit", "Weekly trends", ["Organisation (teams shown below)", "Time lost per week",
                                "human by construction"]),
]


@pytest.mark.xdist_group("real")  # real_exports is built once, on one worker
def test_every_page_on_the_real_shared_exports(real_exports, artifacts):
    """The 2016 Slack export and two list archives, teams derived (no mapping): mail from public providers is
    'Unassigned', never a team named after gmail.com; no page shows 'team ?' or fetches anything from outside."""
    _needs_browser()
    _engine, settings, _ = real_exports
    with _served(settings) as url:
        texts = _visit(url, REAL_PAGES, artifacts, "real")
    assert not any(d in t for t in texts.values() for d in ("gmail.com", "yahoo", "hotmail"))
