"""The daily journeys on the demo, in a real browser, as steward, auditor and admin.

The demo is seeded once for this module (``seed_demo``: a week of the demo warehouse's
history, its governance and the warehouse sync), so every test reads the same portal a
new user would see after ``make run``. Tests that change something run last.

These tests carry no ``django_db`` mark on purpose: pytest-django runs unmarked tests
after every database test, so the committed demo never leaks into another test, and
this module empties the database when it is done (then puts back what the migrations
seed, as for any later test).
"""

from __future__ import annotations

import importlib
import os
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import setup_databases, teardown_databases
from pytest_django.live_server_helper import LiveServer

from governance.models import AssetGovernance

from .conftest import ARTIFACTS

pytestmark = pytest.mark.browser

RAW = "snowflake://prod_db.raw.customers"
STG = "snowflake://prod_db.staging.stg_customers"
EXPORT = "snowflake://prod_db.marts.marketing_export"
SHOTS = Path(os.environ.get("SCREENSHOTS_DIR") or ARTIFACTS)
MIN_READABLE_PX = 9


@pytest.fixture(scope="module")
def demo_site(django_db_setup, django_db_blocker):
    """The seeded demo behind a live server of its own, for every test of this module.

    Not pytest-django's ``live_server``: a test that uses it is made transactional, and
    the database is emptied after each test, demo and all.
    """
    with django_db_blocker.unblock():
        created = _test_database()
        _migrations_seed()  # an earlier transactional test may have emptied the database
        with open(os.devnull, "w") as quiet:
            call_command("seed_demo", days=7, stdout=quiet)
        server = LiveServer("localhost")
    yield server
    server.stop()
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)
        _migrations_seed()
        if created is not None:
            teardown_databases(created, verbosity=0)


def _test_database():
    """Create the test database when no database test of this run asked for it (this module
    run alone); never seed the developer's own database."""
    if connection.settings_dict["NAME"] == settings.DATABASES["default"]["TEST"]["NAME"]:
        return None
    return setup_databases(verbosity=0, interactive=False, aliases={"default"})


def _migrations_seed() -> None:
    """What governance's data migration seeds: the built-in tags and the audit chain head."""
    seeded = importlib.import_module("governance.migrations.0002_seed_tags_and_chain_head")
    seeded.seed(django_apps, None)


@pytest.fixture(autouse=True)
def _database(demo_site, django_db_blocker):
    """The live server and the tests' own checks read the seeded database as it is."""
    with django_db_blocker.unblock():
        yield


def sign_in(page, site, username: str) -> None:
    page.goto(f"{site.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", f"{username}-demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{site.url}/")


def wait_drawn(page) -> None:
    page.wait_for_function(
        "document.getElementById('cy') && document.getElementById('cy').dataset.state === 'ready'",
        timeout=20_000,
    )


def screen_point(page, key: str) -> tuple[float, float]:
    return tuple(
        page.evaluate(
            """(key) => {
                const at = window.lineageGraph.getElementById(key).renderedPosition();
                const box = document.getElementById('cy').getBoundingClientRect();
                return [box.left + at.x, box.top + at.y];
            }""",
            key,
        )
    )


def drawn_labels(page) -> list[dict]:
    """Every column row drawn: its label, its font size on screen, whether it is on screen."""
    return page.evaluate(
        """() => {
            const cy = window.lineageGraph;
            const box = document.getElementById('cy').getBoundingClientRect();
            return cy.nodes('.column').map((n) => {
                const b = n.renderedBoundingBox();
                return {
                    id: n.id(),
                    label: n.style('label'),
                    px: parseFloat(n.style('font-size')) * cy.zoom(),
                    onScreen: b.x1 >= 0 && b.y1 >= 0 && b.x2 <= box.width && b.y2 <= box.height,
                };
            });
        }"""
    )


# --- the explorer ---------------------------------------------------------------------


def test_column_names_are_readable_at_fit(page, demo_site):
    sign_in(page, demo_site, "auditor")
    page.goto(f"{demo_site.url}/lineage/?dataset={RAW}&level=column")
    wait_drawn(page)
    page.get_by_role("button", name="Fit to screen").click()

    labels = drawn_labels(page)

    by_id = {label["id"]: label for label in labels}
    email = by_id[f"{RAW}#email"]
    assert email["label"].startswith("email") and email["onScreen"]
    assert email["px"] >= MIN_READABLE_PX, f"email is drawn {email['px']:.1f} px high"
    assert all(label["onScreen"] for label in labels)
    assert min(label["px"] for label in labels) >= MIN_READABLE_PX
    assert f"{EXPORT}#email" in by_id, "the leak into marketing_export is drawn"
    page.screenshot(path=str(SHOTS / "lineage-columns.png"))


def test_starting_from_a_pasted_column_lights_its_path(page, demo_site):
    sign_in(page, demo_site, "auditor")
    page.goto(f"{demo_site.url}/lineage/?column=PROD_DB.RAW.CUSTOMERS.EMAIL")
    wait_drawn(page)

    assert "Lineage of customers.email" in page.locator("h1").inner_text()
    lit = set(page.evaluate("window.lineageGraph.edges('.lit').map(e => e.id())"))
    assert f"{RAW}#email->{STG}#email" in lit
    assert any(edge.endswith(f"->{EXPORT}#email") for edge in lit)
    assert page.evaluate(f"window.lineageGraph.getElementById('{RAW}#country').hasClass('dimmed')")
    assert page.evaluate(f"window.lineageGraph.getElementById('{RAW}#email').selected()")
    assert page.locator("input[name=level][value=column]").is_checked()


def test_a_bare_column_name_offers_the_columns_it_may_mean(page, demo_site):
    sign_in(page, demo_site, "auditor")
    page.goto(f"{demo_site.url}/lineage/?column=email")

    choices = page.locator("ul.choices a")
    assert choices.count() > 1, "several datasets have an email column"
    page.get_by_role("link", name="prod_db.raw.customers.email").click()

    wait_drawn(page)
    assert page.evaluate(f"window.lineageGraph.getElementById('{RAW}#email').selected()")


def test_clicking_a_column_lights_its_whole_path_and_esc_clears(page, demo_site):
    sign_in(page, demo_site, "auditor")
    page.goto(f"{demo_site.url}/lineage/?dataset={RAW}&level=column")
    wait_drawn(page)

    page.mouse.click(*screen_point(page, f"{RAW}#phone"))

    page.wait_for_function("window.lineageGraph.edges('.lit').length > 0")
    lit = set(page.evaluate("window.lineageGraph.edges('.lit').map(e => e.id())"))
    assert f"{RAW}#phone->{STG}#phone" in lit
    assert all("#phone" in edge or "phone_hash" in edge for edge in lit), lit
    assert page.evaluate(f"window.lineageGraph.getElementById('{RAW}#email').hasClass('dimmed')")
    assert f"{RAW}#phone" in page.locator("[data-side-panel]").inner_text()
    page.screenshot(path=str(SHOTS / "lineage-column-path.png"))

    page.keyboard.press("Escape")

    assert page.evaluate("window.lineageGraph.elements('.dimmed').length") == 0


def test_an_edge_says_what_happened_to_the_value(page, demo_site):
    sign_in(page, demo_site, "auditor")
    page.goto(f"{demo_site.url}/lineage/?dataset={RAW}&level=column")
    wait_drawn(page)
    edge = f"{STG}#email->{EXPORT}#email"
    assert page.evaluate(
        f"window.lineageGraph.getElementById('{edge}').hasClass('unmasked-regulated')"
    )
    middle = page.evaluate(
        f"""() => {{
            const at = window.lineageGraph.getElementById('{edge}').renderedMidpoint();
            const box = document.getElementById('cy').getBoundingClientRect();
            return [box.left + at.x, box.top + at.y];
        }}"""
    )

    page.mouse.move(*middle)

    tooltip = page.locator("[data-edge-tooltip]")
    tooltip.wait_for(state="visible")
    text = tooltip.inner_text()
    assert "copied unmasked" in text and "stg_customers.email" in text
    assert "marketing_export.email" in text and "identity" not in text


def test_filters_keep_only_sensitive_data_and_value_carrying_paths(page, demo_site):
    sign_in(page, demo_site, "auditor")
    page.goto(f"{demo_site.url}/lineage/?dataset={RAW}&level=column")
    wait_drawn(page)
    assert page.evaluate(f"window.lineageGraph.getElementById('{RAW}#country').nonempty()")
    page.get_by_text("Filters", exact=True).click()

    page.get_by_label("Only sensitive data").check()
    wait_drawn(page)

    drawn = set(page.evaluate("window.lineageGraph.nodes('.column').map(n => n.id())"))
    assert f"{RAW}#email" in drawn and f"{EXPORT}#email" in drawn
    assert f"{RAW}#country" not in drawn and f"{RAW}#customer_id" not in drawn
    page.get_by_label("Only paths that carry a value unmasked").check()
    wait_drawn(page)
    edges = page.evaluate(
        "window.lineageGraph.edges('.level-column').map(e => e.data('carries_value'))"
    )
    assert edges and all(edges), "hashed and indirect edges are filtered out"


# --- finding things -------------------------------------------------------------------


@pytest.mark.parametrize(
    "pasted",
    ["PROD_DB.RAW.CUSTOMERS.EMAIL", "raw.customers.email", '"PROD_DB"."RAW"."CUSTOMERS"."EMAIL"'],
)
def test_a_pasted_column_name_jumps_to_the_column(page, demo_site, pasted):
    sign_in(page, demo_site, "auditor")
    search = page.locator("header form.search input")
    search.fill(pasted)
    search.press("Enter")

    page.wait_for_url(re.compile(r"/datasets/\d+/#col-email$"))
    assert page.locator("h1").inner_text() == "customers"


def test_a_pasted_dataset_name_jumps_to_the_dataset(page, demo_site):
    sign_in(page, demo_site, "auditor")
    page.locator("header form.search input").fill("Prod_Db.Raw.Customers")
    page.locator("header form.search input").press("Enter")

    page.wait_for_url(re.compile(r"/datasets/\d+/$"))
    assert page.locator("h1").inner_text() == "customers"


def test_search_results_show_classification_and_tags(page, demo_site):
    sign_in(page, demo_site, "auditor")
    page.goto(f"{demo_site.url}/search?q=email")

    row = page.locator(f'tr[data-hit="{RAW}#email"]')
    assert "restricted" in row.inner_text()
    assert "pii" in row.inner_text().lower() and "gdpr" in row.inner_text().lower()
    assert page.locator("tr[data-hit]").count() > 3, "columns of several datasets match"
    page.screenshot(path=str(SHOTS / "search-results.png"), full_page=True)


# --- every link lands on content --------------------------------------------------------

SKIP = ("/accounts/logout/", "/api/", "/admin/", "/static/")
DOWNLOADS = ("/export/", "/download", ".csv", ".pdf", ".png")
PER_SHAPE = 2  # pages of one shape visited (e.g. two dataset pages, not thirty-five)


def _shape(url: str) -> str:
    parts = urlsplit(url)
    return re.sub(r"\d+", "N", parts.path) + "?" + ",".join(sorted(parse_qs(parts.query)))


def _links(page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    found = []
    for href in hrefs:
        href = href.split("#")[0]
        if href.startswith(base) and not any(part in href for part in SKIP):
            found.append(href)
    return found


def _lands_on_content(page, url: str) -> str | None:
    """Why the page at ``url`` is not what its link promised, or None when it is."""
    response = page.goto(url)
    if response is None or response.status >= 400:
        return f"HTTP {response.status if response else '?'}"
    heading = page.locator("main h1").first
    if not heading.count() or not heading.inner_text().strip():
        return "no heading: an empty page"
    query = parse_qs(urlsplit(url).query)
    if urlsplit(url).path == "/lineage/" and ("dataset" in query or "column" in query):
        if page.locator("#cy").count() == 0:
            return "a lineage link that landed on the empty lineage start page"
    return None


@pytest.mark.parametrize("username", ["steward", "auditor", "admin"])
def test_every_link_on_every_page_lands_on_content(page, demo_site, username):
    sign_in(page, demo_site, username)
    base = demo_site.url
    queue, seen, shapes, broken = [f"{base}/"], set(), {}, []
    while queue:
        url = queue.pop(0)
        if url in seen or shapes.get(_shape(url), 0) >= PER_SHAPE:
            continue
        seen.add(url)
        shapes[_shape(url)] = shapes.get(_shape(url), 0) + 1
        if any(part in url for part in DOWNLOADS):
            response = page.request.get(url)
            if response.status != 200:
                broken.append(f"{url}: HTTP {response.status}")
            continue
        if (why := _lands_on_content(page, url)) is not None:
            broken.append(f"{url}: {why}")
            continue
        queue.extend(link for link in _links(page, base) if link not in seen)
    assert len(seen) > 20, f"only {len(seen)} pages reached"
    assert not broken, "\n".join(broken)


def test_the_dataset_pages_lineage_links_open_its_lineage(page, demo_site):
    sign_in(page, demo_site, "auditor")
    page.locator("header form.search input").fill("raw.customers")
    page.locator("header form.search input").press("Enter")
    page.wait_for_url(re.compile(r"/datasets/\d+/$"))

    for name in ("Explore lineage", "Explore further"):
        href = page.get_by_role("link", name=name).first.get_attribute("href")
        assert parse_qs(urlsplit(href).query)["dataset"] == [RAW], name


def test_an_admin_link_is_not_for_a_stewards_role(page, demo_site):
    sign_in(page, demo_site, "steward")

    response = page.goto(f"{demo_site.url}/admin/")

    assert response.status == 403
    assert page.locator("h1").inner_text() == "Not for your role"
    assert "Steward" in page.locator("main").inner_text()


# --- stewards and admins (these change the demo: they run last) -------------------------


def test_a_steward_sees_refusals_before_applying_a_bulk_classification(page, demo_site):
    sign_in(page, demo_site, "steward")
    page.goto(f"{demo_site.url}/datasets/?q=fct_")
    refused = page.locator("[data-bulk-refused]")
    assert refused.count() > 0, "rows another steward owns cannot be ticked"
    assert "Not yours to change" in page.locator("tr.refused").first.inner_text()
    editable = page.locator("[data-bulk-item]")
    names = [editable.nth(i).get_attribute("aria-label") for i in range(2)]
    editable.nth(0).check()
    editable.nth(1).check()
    page.select_option("#b-level", "internal")
    page.select_option("#b-masking", label="PAN_TOKENIZE")

    page.get_by_role("button", name="Apply to selected").click()

    dialog = page.locator("[data-bulk-dialog]")
    dialog.wait_for(state="visible")
    text = dialog.inner_text()
    assert "2 datasets will change" in text and "masking → PAN_TOKENIZE" in text
    assert "lowers the classification" in text
    assert f"you may not change {refused.count()} row" in text
    page.screenshot(path=str(SHOTS / "catalog-bulk-dialog.png"))
    dialog.get_by_role("button", name="Apply").click()

    page.locator(".notice", has_text="Changed 2 assets.").wait_for()
    assert "Classification lowered to internal" in page.locator("main").inner_text()
    changed = AssetGovernance.objects.filter(
        dataset__name__in=[name.removeprefix("Select ") for name in names]
    )
    assert {(a.classification, a.masking_policy.name) for a in changed} == {
        ("internal", "PAN_TOKENIZE")
    }


def test_the_catalog_shows_every_row_without_a_scroll_box(page, demo_site):
    sign_in(page, demo_site, "auditor")
    page.goto(f"{demo_site.url}/datasets/")

    rows = page.locator("table.data tbody tr")
    last = rows.nth(rows.count() - 1)
    wrap = page.locator(".table-wrap").first
    assert wrap.evaluate("el => el.scrollHeight <= el.clientHeight + 1")
    assert rows.count() >= 30
    page.screenshot(path=str(SHOTS / "catalog.png"), full_page=True)
    assert last.is_visible()


def test_an_admin_starts_a_demo_backfill_from_the_page(page, demo_site, demo):
    # The session's emulator: the emulator holds one account per process, and a server of
    # this test's own would replace the history every other test reads.
    from graph.demo import demo_source

    demo_source(demo)
    sign_in(page, demo_site, "admin")
    page.goto(f"{demo_site.url}/ingestion/")
    row = page.locator(".sources-table tr", has_text="demo-snowflake")
    row.locator("input[name=days]").fill("1")

    row.get_by_role("button", name="Run backfill").click()

    page.wait_for_url(re.compile(r"/ingestion/backfills/\d+/$"), timeout=120_000)
    page.locator('[data-final="succeeded"]').wait_for(state="visible", timeout=60_000)
    assert "Done" in page.locator('[data-field="state_label"]').inner_text()
