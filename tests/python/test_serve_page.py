"""The cockpit page in a real browser: Debian's headless Chromium, driven by Selenium, on the demo warehouse."""

from __future__ import annotations

import shutil
from decimal import Decimal

import httpx
import pytest

from serving import running_server

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    assert shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER), "install Debian's chromium and chromium-driver (make test does)"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,2200", "--lang=en-US"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(20)
    yield driver
    driver.quit()


def open_page(browser, url: str, outcome: str) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(url)
    WebDriverWait(browser, 15).until(lambda b: outcome in (b.find_element("tag name", "body").get_attribute("class") or ""))


def dollars(text: str) -> str:
    amount = Decimal(text).quantize(Decimal("0.01"))
    return f"{'-' if amount < 0 else ''}${abs(amount):,}"


def severe(browser) -> list[dict]:
    return [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]


@pytest.mark.parametrize("built_warehouse", ["duckdb"], indirect=True)
def test_the_page_shows_the_api_totals_and_drills_into_a_group(built_target, browser, tmp_path):
    with running_server() as url:
        view = httpx.get(f"{url}/api/v1/costs/by_team").json()
        org = httpx.get(f"{url}/api/v1/org").json()
        open_page(browser, url, "loaded")
        find = browser.find_element

        total = find("id", "total-30d")
        assert (total.get_attribute("data-value"), total.text) == (view["total_30d"], dollars(view["total_30d"]))
        assert find("id", "teams-total").text == dollars(view["total_30d"])
        shown = {
            row.get_attribute("data-team"): row.find_element("css selector", "td.num").text
            for row in browser.find_elements("css selector", "#teams tbody tr")
        }
        assert shown == {r["team"]: dollars(r["cost_30d"]) for r in view["rows"]}
        assert f"as of {view['window_end']}" in find("id", "as-of").text
        browser.save_screenshot(str(tmp_path / "cockpit.png"))

        group = org["business_groups"][0]
        find("css selector", f'#groups button[data-group="{group["business_group"]}"]').click()
        legend = [span.get_attribute("data-key") for span in browser.find_elements("css selector", "#legend span")]
        assert find("id", "crumbs").text == f"all business units > {group['business_group']}"
        assert set(legend) == {u["business_unit"] for u in group["business_units"]}
        dimmed = {row.get_attribute("data-team") for row in browser.find_elements("css selector", "#teams tbody tr.dim")}
        inside = {t["team"] for u in group["business_units"] for t in u["teams"]}
        assert dimmed == set(shown) - inside
        browser.save_screenshot(str(tmp_path / "cockpit-group.png"))

    assert (tmp_path / "cockpit.png").stat().st_size > 20_000 and (tmp_path / "cockpit-group.png").stat().st_size > 20_000
    assert severe(browser) == []


def test_the_page_on_an_empty_warehouse_says_what_to_run(duckdb_path, browser, tmp_path):
    with running_server() as url:
        open_page(browser, url, "empty")
        notice = browser.find_element("id", "notice").text
        browser.save_screenshot(str(tmp_path / "cockpit-empty.png"))

    assert notice == f"no DuckDB warehouse at {duckdb_path}: run `sibyl load cur <source>` and `sibyl build`, or set SIBYL_DUCKDB_PATH"
    # the 503 the page read is the one console line a browser prints; nothing else went wrong
    assert [e["message"].split(" - ")[1] for e in severe(browser)] == [
        "Failed to load resource: the server responded with a status of 503 (Service Unavailable)"
    ]
