"""Every main page passes the Content-Security-Policy: Chromium reports no violation."""

from __future__ import annotations

import time

import pytest

from governance import services
from governance.models import AssetGovernance
from graph.models import Dataset

from .conftest import PASSWORD
from .test_lineage_page import RAW, warehouse  # noqa: F401 - the fixture

# Records every violation the page reports, from before its first script runs.
LISTEN = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""

PAGES = [
    "/",
    "/datasets/",
    "/datasets/{pk}/",
    "/search?q=customers",
    "/governance/catalog/",
    "/governance/datasets/{pk}/",
    "/governance/gaps/",
    "/governance/audit/",
    "/governance/csv/",
    "/reviews/",
    "/ingestion/",
    "/admin/",
    "/admin/governance/assetgovernance/",
    "/api/docs/",
]


@pytest.fixture
def strict_page(browser):
    """A page that obeys the policy (the shared fixture bypasses it for wait_for_function)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def wait_drawn(page) -> None:
    """Poll from Python: page.evaluate is not subject to the page's policy, eval() is."""
    deadline = time.monotonic() + 15
    script = "document.getElementById('cy') && document.getElementById('cy').dataset.state"
    while page.evaluate(script) != "ready":
        assert time.monotonic() < deadline, "the lineage graph was not drawn"
        time.sleep(0.1)


@pytest.fixture
def admin_page(strict_page, live_server, django_user_model, warehouse):  # noqa: F811
    page = strict_page
    admin = django_user_model.objects.create_superuser("ada", password=PASSWORD)
    dataset = Dataset.objects.get(key=RAW)
    services.asset_update(
        actor=admin,
        asset=services.asset_governance_of(dataset=dataset),
        changes={"classification": "restricted"},
        expected_version=None,
    )
    assert AssetGovernance.objects.exists()
    page.add_init_script(LISTEN)
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "ada")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.csp_console = messages
    return page, dataset


def _violations(page) -> list[str]:
    reported = page.evaluate("window.__cspViolations")
    console = [text for text in page.csp_console if "Content Security Policy" in text]
    return reported + console


def test_the_login_page_passes_the_policy(strict_page, live_server, db):
    page = strict_page
    page.add_init_script(LISTEN)
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.evaluate("window.__cspViolations") == []


def test_every_main_page_passes_the_policy(admin_page, live_server):
    page, dataset = admin_page
    found = {}
    for path in PAGES:
        url = live_server.url + path.format(pk=dataset.pk)
        response = page.goto(url)
        assert response.status == 200, url
        assert "default-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
        if _violations(page):
            found[path] = _violations(page)
        page.csp_console.clear()
    assert found == {}


def test_the_lineage_graph_draws_under_the_policy(admin_page, live_server):
    page, dataset = admin_page
    page.goto(f"{live_server.url}/lineage/?dataset={dataset.key}")
    wait_drawn(page)
    assert _violations(page) == []
