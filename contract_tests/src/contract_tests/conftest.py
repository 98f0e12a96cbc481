"""Fixtures and parametrisation of the contract suite.

pytest loads this file only when it collects the suite, so nothing here reaches
other test runs in the same environment (see ``plugin.py`` for the options).

Every test that asks for ``impl`` (directly or through ``client``) runs once per
``--base-url``; ``impl_pair`` runs over ordered pairs of distinct servers and is
deselected when fewer than two are given.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from http.cookiejar import Cookie, CookieJar, DefaultCookiePolicy
from pathlib import Path
from typing import Any

import httpx
import pytest

from contract_tests import support
from contract_tests.plugin import (
    ATTACKS_PROPERTY,
    CROSS,
    RULES_PROPERTY,
    TARGET_PROPERTY,
    USAGE,
    Target,
    base_targets,
    database_url,
    down_targets,
    downstream_timeout,
    downstream_url,
    fuzz_enabled,
    jwt_secret,
    jwt_ttl,
)

PACKAGE_DIR = Path(__file__).resolve().parent
# Generous: on a loaded 2-core CI machine a correct answer can take seconds; a hang cannot.
CLIENT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)

DOWN_USAGE = (
    "no --down-base-url given: start a second instance of the server with "
    "DATABASE_URL=postgresql://postgres@127.0.0.1:1/none (an unreachable database) and "
    "pass --down-base-url NAME=URL (or set CONTRACT_DOWN_BASE_URLS)"
)


WHITE_BOX_USAGE = (
    "white-box test: pass --database-url URL (or set CONTRACT_DATABASE_URL) with the servers' "
    "PostgreSQL database to run it"
)


class _RefuseCookies(DefaultCookiePolicy):
    """A black-box client keeps no state between requests: it stores no cookie."""

    def set_ok(self, cookie: Cookie, request: urllib.request.Request) -> bool:
        return False


class ClientPool:
    """One ``httpx.Client`` per server, shared by every test in this process."""

    def __init__(self) -> None:
        self._clients: dict[str, httpx.Client] = {}

    def get(self, target: Target) -> httpx.Client:
        client = self._clients.get(target.url)
        if client is None:
            client = httpx.Client(
                base_url=target.url,
                timeout=CLIENT_TIMEOUT,
                cookies=CookieJar(policy=_RefuseCookies()),
            )
            problem = None
            try:
                client.get("/health")
            except httpx.TransportError as exc:
                problem = repr(exc)
            if problem is not None:
                client.close()
                pytest.fail(
                    f"cannot reach {target.name} at {target.url} ({problem}); start the server "
                    "or correct --base-url",
                    pytrace=False,
                )
            self._clients[target.url] = client
        return client

    def close(self) -> None:
        for client in self._clients.values():
            client.close()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    config = metafunc.config
    names = metafunc.fixturenames
    if "impl" in names:
        targets = base_targets(config)
        metafunc.parametrize("impl", targets, ids=[t.name for t in targets], scope="session")
    if "down_impl" in names:
        downs: list[Target | None] = list(down_targets(config))
        ids = [t.name for t in downs if t is not None]
        if not downs:
            downs, ids = [None], ["no-down-url"]
        metafunc.parametrize("down_impl", downs, ids=ids, scope="session")
    if "impl_pair" in names:
        targets = base_targets(config)
        pairs = [(a, b) for a in targets for b in targets if a != b]
        if pairs:
            metafunc.parametrize(
                "impl_pair",
                pairs,
                ids=[f"{a.name}-to-{b.name}" for a, b in pairs],
                scope="session",
            )


def _in_suite(item: pytest.Item) -> bool:
    return PACKAGE_DIR in item.path.resolve().parents


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    ours = [item for item in items if _in_suite(item)]
    if not ours:
        return
    if not base_targets(config):
        raise pytest.UsageError(USAGE)
    # Cross-implementation tests need two servers; with one they are not generated.
    unpaired = [
        item
        for item in ours
        if "impl_pair" in getattr(item, "fixturenames", ())
        and "impl_pair" not in getattr(getattr(item, "callspec", None), "params", {})
    ]
    # Fuzz tests are slow and opt-in: without --fuzz they are deselected (reported as
    # such in the summary line), so a default run neither runs nor skips them.
    fuzz = (
        [] if fuzz_enabled(config) else [item for item in ours if item.get_closest_marker("fuzz")]
    )
    dropped = unpaired + fuzz
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item not in dropped]
        ours = [item for item in ours if item not in dropped]
    for item in ours:
        _label(item)


def _label(item: pytest.Item) -> None:
    """Record which server and which rules a test is about (for --contract-summary, JUnit)."""
    params = getattr(getattr(item, "callspec", None), "params", {})
    target = params.get("impl") or params.get("down_impl")
    name = target.name if isinstance(target, Target) else CROSS if "impl_pair" in params else None
    rules = [str(rule) for marker in item.iter_markers("contract") for rule in marker.args]
    attacks = [str(row) for marker in item.iter_markers("attack") for row in marker.args]
    if name:
        item.user_properties.append((TARGET_PROPERTY, name))
        item.user_properties.append((RULES_PROPERTY, ",".join(rules)))
        item.user_properties.append((ATTACKS_PROPERTY, ",".join(attacks)))


@pytest.fixture(autouse=True)
def _contract_rules(request: pytest.FixtureRequest) -> Iterator[None]:
    rules = tuple(
        str(rule) for marker in request.node.iter_markers("contract") for rule in marker.args
    )
    support.set_current_rules(rules)
    yield
    support.set_current_rules(())


@pytest.fixture(scope="session")
def downstream(pytestconfig: pytest.Config) -> Iterator[httpx.Client]:
    """The downstream simulator the servers call (level io), to set what each item's calls get."""
    url = downstream_url(pytestconfig)
    assert url, "plugin.py refuses level io without --downstream-url"
    with httpx.Client(base_url=url, timeout=CLIENT_TIMEOUT) as simulator:
        yield simulator


@pytest.fixture(scope="session")
def downstream_seconds(pytestconfig: pytest.Config) -> float:
    """The servers' DOWNSTREAM_TIMEOUT_SECONDS."""
    return downstream_timeout(pytestconfig)


@pytest.fixture(scope="session")
def secret(pytestconfig: pytest.Config) -> str:
    """The servers' JWT secret, for decoding issued tokens and forging bad ones."""
    return jwt_secret(pytestconfig)


@pytest.fixture(scope="session")
def servers_database_url(pytestconfig: pytest.Config) -> str:
    """The servers' database URL, for white-box tests only (skips without --database-url)."""
    url = database_url(pytestconfig)
    if url is None:
        pytest.skip(WHITE_BOX_USAGE)
    return url


@pytest.fixture(scope="session")
def token_lifetime(pytestconfig: pytest.Config) -> int:
    """The servers' configured JWT_TTL_SECONDS, which every expires_in must equal."""
    return jwt_ttl(pytestconfig)


@pytest.fixture(scope="session")
def clients() -> Iterator[ClientPool]:
    pool = ClientPool()
    yield pool
    pool.close()


@pytest.fixture(scope="session")
def client(impl: Target, clients: ClientPool) -> httpx.Client:
    """An ``httpx.Client`` bound to the implementation's base URL."""
    return clients.get(impl)


@pytest.fixture
def down_client(down_impl: Target | None, clients: ClientPool) -> httpx.Client:
    """A client for an instance whose database is unreachable (health.database-down)."""
    if down_impl is None:
        pytest.skip(DOWN_USAGE)
    return clients.get(down_impl)


@pytest.fixture
def pair(
    impl_pair: tuple[Target, Target], clients: ClientPool
) -> tuple[httpx.Client, httpx.Client]:
    """Clients for two distinct implementations (A, B) sharing one database."""
    first, second = impl_pair
    return clients.get(first), clients.get(second)


@pytest.fixture(scope="session")
def shared_user(client: httpx.Client) -> support.Account:
    """A user for tests that only need *some* valid credentials (one per server)."""
    return support.register(client)


@pytest.fixture
def shared_headers(client: httpx.Client, shared_user: support.Account) -> dict[str, str]:
    return shared_user.headers(client)


@pytest.fixture
def new_user(client: httpx.Client) -> support.Account:
    """A freshly registered user, owned by this test alone."""
    return support.register(client)


@pytest.fixture
def auth_headers(client: httpx.Client, new_user: support.Account) -> dict[str, str]:
    """``Authorization: Bearer`` headers for ``new_user``."""
    return new_user.headers(client)


@pytest.fixture(scope="session")
def owner(client: httpx.Client) -> support.Account:
    """The user who owns the ``item`` fixture's items (one per server, not ``shared_user``)."""
    return support.register(client)


@pytest.fixture
def owner_headers(client: httpx.Client, owner: support.Account) -> dict[str, str]:
    return owner.headers(client)


@pytest.fixture
def item(client: httpx.Client, owner_headers: dict[str, str]) -> dict[str, Any]:
    """A fresh item owned by ``owner``; ``shared_headers`` belong to someone else."""
    return support.create_item(client, owner_headers)
