"""The running portal in headless Chromium: a facilitator signs in, visits every
page, asks a question and sees the answer with its citation. A screenshot of every
page goes to test-output/screenshots/ (CLUSTER_PORTAL_SCREENSHOTS overrides)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from portal import accounts
from portal.settings import Settings
from tests.portal import browser_support as browser

PASSWORD = "correct horse battery staple"
QUESTION = "How many clusters did the Innovation Clusters Map identify?"
SHOTS = Path(
    os.environ.get("CLUSTER_PORTAL_SCREENSHOTS")
    or browser.REPO / "test-output" / "screenshots"
)


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


@pytest.fixture
def served(demo: Settings, tmp_path: Path):  # type: ignore[no-untyped-def]
    for tool in (browser.CHROMIUM, browser.CHROMEDRIVER):
        if not Path(tool).exists():
            pytest.fail(f"{tool} is missing: `make dev` installs chromium and "
                        "chromium-driver from Debian")  # fmt: skip
    accounts.add_user(demo, "facilitator", PASSWORD, "facilitator")
    with browser.portal_server(demo.workspace.resolve(), tmp_path / "server.log") as (
        url,
        _,
    ):
        yield url


def _no_error_on_page(driver) -> None:  # type: ignore[no-untyped-def]
    errors = driver.find_elements(By.CSS_SELECTOR, "[data-testid='stException']")
    assert not errors, errors[0].text[:500]
    assert "Traceback" not in driver.find_element(By.TAG_NAME, "body").text


@pytest.mark.slow
def test_facilitator_visits_every_page_and_asks(served: str, tmp_path: Path) -> None:
    shutil.rmtree(SHOTS, ignore_errors=True)
    SHOTS.mkdir(parents=True)
    with browser.chromium(tmp_path / "profile") as driver:
        driver.get(served)
        browser.wait_for(driver, "h1", "Cluster Portal")
        browser.wait_until_idle(driver)
        assert "Sign in" in browser.page_titles(driver)
        browser.sign_in(driver, served, "facilitator", PASSWORD)
        titles = browser.page_titles(driver)
        assert {"Curate directory", "Audit log", "Ask", "Accounts"} <= set(titles)
        for n, title in enumerate(titles, start=1):
            browser.open_page(driver, title)
            _no_error_on_page(driver)
            driver.save_screenshot(str(SHOTS / f"{n:02d}-{_slug(title)}.png"))

        browser.open_page(driver, "Ask")
        box = browser.wait_for(driver, "[data-testid='stChatInput'] textarea")
        box.send_keys(QUESTION)
        box.send_keys(Keys.ENTER)
        answer = browser.wait_for(
            driver, "[data-testid='stChatMessage']", "3,443", timeout=180
        )
        browser.wait_until_idle(driver)
        citation = browser.wait_for(driver, "[data-testid='stExpander']", "[1]")
        assert "Innovation Clusters Map" in citation.text
        assert "3,443" in answer.text
        _no_error_on_page(driver)
        driver.save_screenshot(str(SHOTS / "ask-answered.png"))

    with browser.chromium(tmp_path / "phone", width=390, height=844) as phone:
        for path, name in (("", "phone-home"), ("/clusters", "phone-clusters")):
            phone.get(served + path)
            browser.wait_for(phone, "h1", "")
            browser.wait_until_idle(phone)
            _no_error_on_page(phone)
            phone.save_screenshot(str(SHOTS / f"{name}.png"))
        phone.get(served + "/audit")  # a hand-typed URL to a facilitators' page
        browser.wait_for(phone, "h1", "")
        browser.wait_until_idle(phone)
        headings = [h.text for h in phone.find_elements(By.TAG_NAME, "h1")]
        assert "Audit log" not in headings
        assert "Signed in as" not in phone.find_element(By.TAG_NAME, "body").text
    assert len(list(SHOTS.glob("*.png"))) == len(titles) + 3
