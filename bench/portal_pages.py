"""Portal timings in a real browser on the demo workspace: cold start (server launch
to the home page rendered, then to the first answer) and each page's first render
in a new session once the server is warm (median of several sessions).

    .venv/bin/python bench/portal_pages.py [--sessions 3]

Needs Debian's chromium and chromium-driver (`make dev` installs them).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).parents[1]
sys.path.insert(0, str(REPO))

from selenium.webdriver.common.keys import Keys  # noqa: E402

from portal import accounts, services  # noqa: E402
from portal.settings import load_settings  # noqa: E402
from tests.portal import browser_support as browser  # noqa: E402

PASSWORD = "benchmark password 1"
QUESTION = "What are the four types of innovation cluster?"


def first_answer(driver, url: str) -> float:  # type: ignore[no-untyped-def]
    browser.open_page(driver, "Ask")
    box = browser.wait_for(driver, "[data-testid='stChatInput'] textarea")
    started = time.perf_counter()
    box.send_keys(QUESTION)
    box.send_keys(Keys.ENTER)
    browser.wait_for(driver, "[data-testid='stChatMessage']", "[1]", timeout=300)
    browser.wait_until_idle(driver, timeout=300)
    return time.perf_counter() - started


def session_times(url: str, profile: Path) -> dict[str, float]:
    with browser.chromium(profile) as driver:
        driver.get(url)
        browser.wait_for(driver, "h1", "Cluster Portal")
        browser.wait_until_idle(driver)
        browser.sign_in(driver, url, "bench", PASSWORD)
        return {t: browser.open_page(driver, t) for t in browser.page_titles(driver)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    settings = load_settings(workspace=work / "workspace")
    print("building the demo workspace …", flush=True)
    services.build_demo(settings)
    accounts.add_user(settings, "bench", PASSWORD, "facilitator")
    print(f"machine: {platform.machine()}, {platform.python_version()}, "
          f"{__import__('os').cpu_count()} cpus")  # fmt: skip
    launched = time.perf_counter()
    with browser.portal_server(settings.workspace, work / "server.log") as (url, up):
        with browser.chromium(work / "cold") as driver:
            driver.get(url)
            browser.wait_for(driver, "h1", "Cluster Portal")
            browser.wait_until_idle(driver)
            home = time.perf_counter() - launched
            browser.sign_in(driver, url, "bench", PASSWORD)
            answer = first_answer(driver, url)
            cold = {
                t: browser.open_page(driver, t) for t in browser.page_titles(driver)
            }
        print(f"cold start: server healthy {up:.1f} s; home rendered {home:.1f} s "
              f"after launch; first answer {answer:.1f} s")  # fmt: skip
        runs = [session_times(url, work / f"s{n}") for n in range(args.sessions)]
    print(f"\nfirst render per page (s), cold session then median of "
          f"{args.sessions} new sessions on the warm server:")  # fmt: skip
    print(f"{'page':<20} {'cold':>6} {'warm p50':>9} {'warm max':>9}")
    for title in runs[0]:
        warm = [r[title] for r in runs if title in r]
        print(f"{title:<20} {cold.get(title, float('nan')):>6.2f} "
              f"{statistics.median(warm):>9.2f} {max(warm):>9.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
