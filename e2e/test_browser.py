"""Each implementation's API docs and pages, opened in headless Chromium with no internet.

A page passes when it renders from the server alone: no request to another host
(those are blocked, as on an offline laptop), no failed request, no console error;
the API docs list every operation docs/contract.md names.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from arena.project import root

if TYPE_CHECKING:
    from conftest import Deployment, Visit

# ReDoc's own bundle always asks its CDN for the Redocly logo (no option turns it off).
# The docs pages' Content-Security-Policy makes the browser refuse it, so the request is
# never sent, and ReDoc hides the image.
REDOC_LOGO = frozenset({"https://cdn.redoc.ly/redoc/logo-mini.svg"})

# How long a docs page may take to render its operations after the page has loaded.
RENDER_TIMEOUT_MS = 10_000

# (method, path) of each operation a docs UI shows, read from the DOM. Swagger UI keeps
# the document's path in data-path; ReDoc shows each operation as a verb and a path.
SWAGGER_OPERATIONS = """() => [...document.querySelectorAll('.opblock')].map(block => [
    block.querySelector('.opblock-summary-method')?.textContent ?? '',
    block.querySelector('.opblock-summary-path')?.getAttribute('data-path') ?? '',
])"""
REDOC_OPERATIONS = """() => [...document.querySelectorAll('span.http-verb')].map(verb => [
    verb.textContent ?? '', verb.nextElementSibling?.textContent ?? '',
])"""

# Every stylesheet the page links is loaded and has rules (a 404 or a blocked CDN has none).
STYLESHEETS = """() => [...document.querySelectorAll('link[rel=stylesheet]')].map(link => {
    let rules = -1;
    try { rules = link.sheet ? link.sheet.cssRules.length : -1; } catch (e) {}
    return [link.href, rules];
})"""
IMAGES = """() => [...document.images].map(image => [image.currentSrc || image.src,
    image.complete && image.naturalWidth > 0])"""


def path_key(path: str) -> str:
    """``/items/{item_id}`` and ``/items/{id}`` are one path."""
    return re.sub(r"\{[^}]*\}", "{id}", path)


@cache
def contract_operations(levels: frozenset[str]) -> frozenset[tuple[str, str]]:
    """``(METHOD, path)`` of every operation docs/contract.md names, e.g. ``GET /items/{id}``,
    in the sections of ``levels`` (a section headed "... (level `io`)" is level io).

    The OpenAPI section is left out: it names the document and its UI, which are not
    operations the UI lists.
    """
    text = (root() / "docs" / "contract.md").read_text(encoding="utf-8")
    operations = set()
    for section in re.split(r"^## ", text, flags=re.MULTILINE):
        level = re.match(r"[^\n]*\(level `([a-z]+)`\)", section)
        if section.startswith("OpenAPI") or (level and level.group(1) not in levels):
            continue
        for method, path in re.findall(r"`(GET|POST|PUT|PATCH|DELETE) (/[^`\s]*)`", section):
            operations.add((method, path_key(path.split("?", 1)[0])))
    if not operations:
        raise RuntimeError("found no `METHOD /path` operations in docs/contract.md")
    return frozenset(operations)


def _listed(opened: Visit, script: str, expected: int) -> set[tuple[str, str]]:
    """The operations the UI lists, once it shows at least ``expected`` (or time is up)."""
    page = opened.page
    # A UI whose script was blocked or died while loading will not render: no point in
    # waiting for it. On a timeout, report what is there: the caller names what is missing.
    if not (opened.uncaught or opened.blocked_scripts):
        with contextlib.suppress(PlaywrightTimeout):
            # A function, not an expression: the docs pages' Content-Security-Policy
            # forbids eval, which Playwright would need for an expression string.
            page.wait_for_function(
                f"expected => ({script})().length >= expected",
                arg=expected,
                timeout=RENDER_TIMEOUT_MS,
            )
    listed = page.evaluate(script)
    return {(method.strip().upper(), path_key(path.strip())) for method, path in listed}


def _missing_operations(opened: Visit, script: str, ui: str, deployment: Deployment) -> list[str]:
    expected = contract_operations(frozenset(deployment.impl.levels))
    missing = expected - _listed(opened, script, len(expected))
    if not missing:
        return []
    names = ", ".join(f"{method} {path}" for method, path in sorted(missing))
    return [f"{ui} did not list {len(missing)} of {len(expected)} contract operations: {names}"]


def _unloaded_stylesheets(page: Page) -> list[str]:
    sheets = page.evaluate(STYLESHEETS)
    if not sheets:
        return ["the page links no stylesheet"]
    return [f"stylesheet not applied: {href}" for href, rules in sheets if rules <= 0]


def _page_path(deployment: Deployment, kind: str) -> str:
    """The path of a page of ``kind`` the implementation declares in [tool.arena.pages]."""
    if kind not in deployment.declared_pages:
        pytest.skip(f"{deployment.name} declares no {kind} page in [tool.arena.pages]")
    return deployment.declared_pages[kind]


def test_swagger_ui_renders_offline(
    deployment: Deployment, visit: Callable[[str, str], Visit]
) -> None:
    opened = visit(f"{deployment.url}/docs", f"{deployment.name}-docs")
    opened.fail_on(*_missing_operations(opened, SWAGGER_OPERATIONS, "Swagger UI", deployment))


def test_redoc_renders_offline(deployment: Deployment, visit: Callable[[str, str], Visit]) -> None:
    path = _page_path(deployment, "redoc")
    opened = visit(f"{deployment.url}{path}", f"{deployment.name}-redoc")
    missing = _missing_operations(opened, REDOC_OPERATIONS, "ReDoc", deployment)
    opened.fail_on(*missing, refused_by_policy=REDOC_LOGO)


def test_admin_login_renders_with_its_styles(
    deployment: Deployment, visit: Callable[[str, str], Visit]
) -> None:
    path = _page_path(deployment, "admin")
    opened = visit(f"{deployment.url}{path}", f"{deployment.name}-admin")
    form = opened.page.locator("form input[type=password]")
    extra = [] if form.count() else ["no login form with a password field"]
    opened.fail_on(*extra, *_unloaded_stylesheets(opened.page))


def test_results_report_renders(visit: Callable[[str, str], Visit]) -> None:
    report = root() / "docs" / "results" / "report.html"
    opened = visit(report.as_uri(), "results-report")
    images = opened.page.evaluate(IMAGES)
    broken = [f"image did not load: {src}" for src, loaded in images if not loaded]
    opened.fail_on(*broken, *([] if images else ["the report shows no image"]))
