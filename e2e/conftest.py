"""Fixtures for the end-to-end checks: every implementation served, and a real browser.

Each implementation is started once per run from its ``[tool.arena]`` declaration
through ``arena.servers`` (no per-framework code here), on a free port of
``E2E_PORTS`` against the database every ``arena`` command uses (``DATABASE_URL``,
else the embedded Postgres). The browser is the system Chromium that
``tools/browser.sh`` installs, driven by Playwright (no browser download); every
request to a host other than the server is blocked and reported, so a page that
needs the internet fails here the way it would on an offline laptop.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Playwright,
    Request,
    Response,
    Route,
    sync_playwright,
)

from arena import database, servers
from arena.project import Implementation, available, state_dir
from shared_db import Settings

# Ports for the servers these checks start: E2E_PORTS=FIRST-LAST.
PORTS_ENV = "E2E_PORTS"
DEFAULT_PORTS = "18300-18349"

# A Chromium executable to use instead of the one found on PATH (tools/browser.sh).
CHROMIUM_ENV = "ARENA_CHROMIUM"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome-stable", "google-chrome")
CHROMIUM_APPS = (
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
)

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})
# Schemes that never leave the machine.
LOCAL_SCHEMES = frozenset({"data", "blob", "file", "about"})


def pytest_configure(config: pytest.Config) -> None:
    # arena.servers.spawn detaches each server from its Popen handle on purpose (stop()
    # ends the whole process group), so the handle is collected while the server runs.
    config.addinivalue_line(
        "filterwarnings", r"ignore:subprocess \d+ is still running:ResourceWarning"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "impl_name" in metafunc.fixturenames:
        names = [impl.name for impl in available()]
        metafunc.parametrize("impl_name", names, scope="session")


# --- the servers ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Deployment:
    """One implementation running for these checks."""

    impl: Implementation
    url: str
    # kind -> path, from [tool.arena.pages]: the pages beyond /docs it declares it serves.
    declared_pages: dict[str, str]

    @property
    def name(self) -> str:
        return self.impl.name


def _ports(count: int) -> list[int]:
    first, _, last = os.environ.get(PORTS_ENV, DEFAULT_PORTS).partition("-")
    free = [
        port for port in range(int(first), int(last or first) + 1) if not servers.port_in_use(port)
    ]
    if len(free) < count:
        raise RuntimeError(f"{PORTS_ENV}={first}-{last} has {len(free)} free ports, need {count}")
    return free[:count]


@pytest.fixture(scope="session")
def deployments() -> Iterator[dict[str, Deployment]]:
    """Every implementation on its default server, started side by side."""
    settings = Settings()
    url = database.ensure_migrated(settings)
    env = servers.server_env(settings, url)
    impls = available()
    started: list[servers.Running] = []
    try:
        for impl, port in zip(impls, _ports(len(impls)), strict=True):
            servers.run_setup(impl, env)
            started.append(servers.spawn(impl, env, label=f"e2e-{impl.name}", port=port))
        for running in started:
            servers.wait_ready(running)
        yield {
            impl.name: Deployment(impl, running.url, impl.pages)
            for impl, running in zip(impls, started, strict=True)
        }
    finally:
        for running in started:
            servers.stop(running)


@pytest.fixture
def deployment(impl_name: str, deployments: dict[str, Deployment]) -> Deployment:
    return deployments[impl_name]


# --- the browser ----------------------------------------------------------------------------


def chromium_executable() -> str | None:
    if explicit := os.environ.get(CHROMIUM_ENV):
        return explicit
    for name in CHROMIUM_NAMES:
        if found := shutil.which(name):
            return found
    return next((app for app in CHROMIUM_APPS if Path(app).is_file()), None)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    executable = chromium_executable()
    if executable is None:
        pytest.fail(
            "no Chromium found for the browser checks: run `make tools` (tools/browser.sh "
            f"installs Debian's chromium package) or set {CHROMIUM_ENV}",
            pytrace=False,
        )
    # The system browser, not one of Playwright's downloads (which would need its CDN).
    launched = playwright.chromium.launch(executable_path=executable, headless=True)
    yield launched
    launched.close()


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in LOCAL_SCHEMES or (parts.hostname or "") in LOCAL_HOSTS


@dataclass
class Visit:
    """A page opened with every off-host request blocked, and what went wrong on it."""

    page: Page
    label: str
    off_host: list[str] = field(default_factory=list)
    blocked_scripts: int = 0
    console_errors: list[str] = field(default_factory=list)
    uncaught: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    _errors: set[str] = field(default_factory=set)

    def watch(self) -> None:
        self.page.route("**/*", self._route)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.uncaught.append(str(error)))
        self.page.on("requestfailed", self._request_failed)
        self.page.on("response", self._response)

    def _route(self, route: Route) -> None:
        if _is_local(route.request.url):
            route.continue_()
        else:
            self.off_host.append(route.request.url)
            self.blocked_scripts += route.request.resource_type == "script"
            route.abort("internetdisconnected")

    def _console(self, message: ConsoleMessage) -> None:
        # A blocked request is reported once, as off-host, not again as its console echo.
        if message.type == "error" and message.location.get("url") not in self.off_host:
            self.console_errors.append(message.text)

    def _request_failed(self, request: Request) -> None:
        # Blocked requests are reported as off-host; error answers by their status.
        if request.failure == "csp":
            # Refused by the page's own Content-Security-Policy: never sent.
            self.refused.append(request.url)
        elif request.url not in self.off_host and request.url not in self._errors:
            self.failed.append(f"{request.url} ({request.failure})")

    def _response(self, response: Response) -> None:
        if response.status >= 400:
            self._errors.add(response.url)
            self.failed.append(f"{response.url} answered {response.status}")

    def problems(self, refused_by_policy: frozenset[str] = frozenset()) -> list[str]:
        """Off-host requests first: on an offline machine they are why a page is blank."""
        out = []
        if refused := sorted(set(self.refused) - refused_by_policy):
            out.append(
                "requests refused by the page's Content-Security-Policy: " + ", ".join(refused)
            )
        if off_host := sorted(set(self.off_host)):
            out.append(
                "requests left the machine (blocked, as on an offline laptop): "
                + ", ".join(off_host)
            )
        if self.failed:
            out.append("requests failed: " + ", ".join(self.failed))
        if self.uncaught:
            out.append("uncaught script errors: " + " | ".join(self.uncaught))
        # A refusal the page expects is echoed on the console; that echo is no error.
        console = [
            m
            for m in self.console_errors
            if not any(url in m and "Content Security Policy" in m for url in refused_by_policy)
        ]
        if console:
            out.append("console errors: " + " | ".join(console))
        return out

    def fail_on(self, *extra: str, refused_by_policy: frozenset[str] = frozenset()) -> None:
        """Fail with every problem seen on the page plus ``extra`` (the test's own findings).

        ``refused_by_policy``: off-host URLs the page asks for and its own policy refuses
        (never sent), which it is known to survive.
        """
        problems = [*self.problems(refused_by_policy), *extra]
        assert not problems, f"{self.label} ({self.page.url}):\n- " + "\n- ".join(problems)


def screenshots_dir() -> Path:
    path = state_dir() / "results" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def visit(browser: Browser) -> Iterator[Callable[[str, str], Visit]]:
    """``visit(url, label)``: open ``url``; its screenshot is saved as ``label``.png afterwards."""
    contexts = []
    visits: list[Visit] = []

    def _visit(url: str, label: str) -> Visit:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        opened = Visit(context.new_page(), label)
        opened.watch()
        visits.append(opened)
        opened.page.goto(url, wait_until="load")
        return opened

    yield _visit
    # After the test, so the screenshot shows the page as the assertions saw it.
    for opened in visits:
        opened.page.screenshot(path=screenshots_dir() / f"{opened.label}.png", full_page=True)
    for context in contexts:
        context.close()
