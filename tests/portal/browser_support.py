"""The running portal in a real browser: a Streamlit server on 127.0.0.1 that stops by
itself, and headless Debian Chromium driven by Selenium. Used by the browser test
and by bench/portal_pages.py."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

REPO = Path(__file__).parents[2]
APP = REPO / "portal" / "app.py"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SERVER_LIFETIME_S = 1800  # the server stops by itself even if the caller dies


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def portal_server(workspace: Path, log: Path) -> Iterator[tuple[str, float]]:
    """Serve the portal on the workspace; yields its URL and the seconds it took to
    answer its health check."""
    port = free_port()
    env = {**os.environ, "CLUSTER_PORTAL_WORKSPACE": str(workspace),
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}  # fmt: skip
    command = [
        "timeout", str(SERVER_LIFETIME_S), sys.executable, "-m", "streamlit", "run",
        str(APP), "--server.address", "127.0.0.1", "--server.port", str(port),
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "viewer",
        "--server.fileWatcherType", "none",
    ]  # fmt: skip
    started = time.perf_counter()
    with log.open("w") as out:
        process = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process, log)
        yield url, time.perf_counter() - started
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def _wait_healthy(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the portal exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the portal did not answer its health check in 120 s")


@contextmanager
def chromium(
    profile: Path, width: int = 1280, height: int = 1000
) -> Iterator[WebDriver]:
    """Headless Debian Chromium, no network chatter, a fresh profile."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-quic", "--no-first-run",
        f"--user-data-dir={profile}", f"--window-size={width},{height}",
    ):  # fmt: skip
        options.add_argument(flag)
    os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium Manager download
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()


def wait_until_idle(driver: WebDriver, timeout: float = 60.0) -> float:
    """Wait until the script run has finished (no running indicator, app rendered);
    returns the seconds waited."""
    started = time.perf_counter()
    deadline = time.monotonic() + timeout
    time.sleep(0.15)  # let a rerun start
    quiet_since = None
    while time.monotonic() < deadline:
        running = driver.execute_script(
            "const s = document.querySelector('[data-testid=\"stStatusWidget\"]');"
            "const app = document.querySelector('[data-testid=\"stApp\"]');"
            "return !app || (s !== null && /running/i.test(s.innerText))"
            " || (app.getAttribute('data-test-script-state') === 'running');"
        )
        if running:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > 0.3:
            return time.perf_counter() - started - 0.3
        time.sleep(0.05)
    raise TimeoutError("the page kept running")


def wait_for(
    driver: WebDriver, css: str, text: str = "", timeout: float = 60.0
) -> WebElement:
    """The first element matching css (and containing text), waiting for it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            for element in driver.find_elements(By.CSS_SELECTOR, css):
                if text in element.text:
                    return element
        except StaleElementReferenceException:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"no {css!r} containing {text!r} within {timeout} s")


def sign_in(driver: WebDriver, url: str, username: str, password: str) -> None:
    driver.get(f"{url}/sign-in")
    wait_for(driver, "h1", "Sign in")
    wait_until_idle(driver)
    driver.find_element(By.CSS_SELECTOR, "input[aria-label='Username']").send_keys(
        username
    )
    driver.find_element(By.CSS_SELECTOR, "input[aria-label='Password']").send_keys(
        password
    )
    wait_for(driver, "button", "Sign in").click()
    wait_for(driver, "[data-testid='stSidebar']", f"Signed in as {username}")
    wait_until_idle(driver)


def open_page(driver: WebDriver, title: str) -> float:
    """Click a page in the sidebar navigation (keeping the session); returns the
    seconds until its script run finished."""
    link = wait_for(driver, "[data-testid='stSidebarNavLink']", title)
    started = time.perf_counter()
    link.click()
    wait_for(driver, "h1", "")
    wait_until_idle(driver)
    return time.perf_counter() - started


def page_titles(driver: WebDriver) -> list[str]:
    return [
        e.text.strip().splitlines()[-1]
        for e in driver.find_elements(
            By.CSS_SELECTOR, "[data-testid='stSidebarNavLink']"
        )
    ]
