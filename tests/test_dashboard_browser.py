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
    env = dict(os.environ, SLOPRADAR_DB=settings.db, SLOPRADAR_DATA_DIR=settings.data_dir)
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


def test_overview_and_chains_in_a_real_browser(served, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run", "--disable-sync"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(served, wait_until="domcontentloaded")
        page.get_by_text("Communication health").first.wait_for(timeout=60_000)
        page.get_by_text("Estimated share of AI-written messages").first.wait_for(timeout=60_000)
        body = page.inner_text("body")
        assert "Platform" in body and "Lyon Ops" in body
        assert "Legal" not in body  # 3 people: below the minimum group size, absent everywhere
        page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)
        page.get_by_text("Chains explorer").first.click()
        page.get_by_text("Side by side").first.wait_for(timeout=60_000)
        page.wait_for_function("document.body.innerText.includes('LOST')", timeout=60_000)
        body = page.inner_text("body")
        (tmp_path / "chains.txt").write_text(body)
        assert "summary of a summary" in body and "LOST" in body
        page.screenshot(path=str(tmp_path / "chains.png"), full_page=True)
        browser.close()
