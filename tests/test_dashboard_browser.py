"""The dashboard as a manager sees it: served by `slopradar dashboard`, driven in a real headless Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(analysed, tmp_path_factory):
    if CHROMIUM is None:
        pytest.skip("Chromium not found: apt-get install chromium (.ci/run installs it)")
    pytest.importorskip("playwright", reason="playwright is in the 'test' extra")
    _engine, settings, _ = analysed
    port = _free_port()
    env = dict(os.environ, SLOPRADAR_DB=settings.db, SLOPRADAR_DATA_DIR=settings.data_dir,
               SLOPRADAR_ADOPTION_DATE=settings.adoption_date or "")
    proc = subprocess.Popen([sys.executable, "-m", "slopradar.cli", "dashboard", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):  # the server needs a few seconds to start; stop after a minute at most
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=1)
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("the dashboard did not start")
    yield url
    proc.terminate()
    proc.wait(timeout=20)


# page path, a text that appears once the page has rendered, texts that must be there
PAGES = [
    ("", "Footprint of the AI use detected", ["Communication health", "Platform", "Lyon Ops", "Trends over weeks"]),
    ("team", "Channels with the most bloat", ["Over time", "Announcements that reached this team"]),
    ("chains", "Side by side", ["summary of a summary", "LOST"]),
    ("audit", "Weekly trends", ["Organisation (teams shown below)", "Cost per week", "Changes with their intervals"]),
]


def test_every_page_in_a_real_browser(served, artifacts):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run", "--disable-sync"])
        # tall: Streamlit scrolls inside its own container, so a full-page screenshot is the viewport
        page = browser.new_page(viewport={"width": 1400, "height": 2600})
        for path, ready, texts in PAGES:
            page.goto(f"{served}/{path}", wait_until="domcontentloaded")
            page.get_by_text(ready).first.wait_for(timeout=90_000)
            page.wait_for_timeout(1500)  # charts draw after the text
            body = page.inner_text("body")
            for text in texts:
                assert text in body, (path, text)
            assert "Legal" not in body  # 3 people: below the minimum group size, absent everywhere
            page.screenshot(path=str(artifacts / f"dashboard-{path or 'overview'}.png"))
        browser.close()
