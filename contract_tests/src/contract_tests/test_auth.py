"""Registration, tokens, JWT claims and bearer authentication."""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from contract_tests import support
from contract_tests.attacks import attack_cases
from contract_tests.support import (
    check_user,
    craft_token,
    expect,
    expect_json,
    expect_problem,
    expect_unauthorized,
)

OTHER_SECRET = "not-the-servers-secret-0123456789abcdef"
HS256 = {"alg": "HS256", "typ": "JWT"}


def _register(client: httpx.Client, username: object, password: object) -> httpx.Response:
    return client.post("/auth/register", json={"username": username, "password": password})


# --- registration ------------------------------------------------------------------------


@pytest.mark.contract("auth.register.created")
def test_register_creates_user(client: httpx.Client) -> None:
    username = support.unique_username()
    response = _register(client, username, "password-1")
    user = check_user(
        expect_json(response, 201, "a fresh, valid username and password register a user"),
        "POST /auth/register response",
    )
    assert user["username"] == username, f"the new User must carry the username sent; got {user}"
    location = response.headers.get("location", "")
    if urlsplit(location).path != "/me" or (location != "/me" and "://" not in location):
        support.fail(
            response,
            f"answer Location: /me (auth.register.created); Location was {location!r}",
        )


BAD_USERNAMES = {
    "too-short": "ab",
    "too-long": "a" * 33,
    "uppercase": "Alice_{}",
    "space": "with space",
    "accent": "émile_{}",
    "slash": "a/b",
    "at-sign": "a@b.c",
    "empty": "",
    "trailing-newline": "abc_{}\n",
    "tab": "tab\tname",
    "exclamation": "name!",
}


@pytest.mark.contract("auth.register.username-rules")
@pytest.mark.parametrize("case", list(BAD_USERNAMES))
def test_username_must_match_pattern(client: httpx.Client, case: str) -> None:
    username = BAD_USERNAMES[case].replace("{}", support.unique_username()[3:13])
    response = _register(client, username, "password-1")
    expect_problem(
        response,
        422,
        "usernames match ^[a-z0-9_.-]{3,32}$ (a trailing newline does not count as the end)",
        sent=f"username {username!r} ({case})",
        fields="username",
    )


def _register_unique(client: httpx.Client, make: Callable[[], str], why: str) -> None:
    """Register a name from ``make`` until one is free (short names may already exist)."""
    for _ in range(50):
        username = make()
        response = _register(client, username, "password-1")
        if response.status_code == 409:
            continue
        user = expect_json(response, 201, why, sent=f"username {username!r}")
        assert user["username"] == username
        return
    pytest.fail("could not find a free username in 50 tries")


GOOD_USERNAMES: dict[str, Callable[[], str]] = {
    "three-chars": lambda: "".join(
        random.choices(string.ascii_lowercase + string.digits + "_.-", k=3)
    ),
    "thirty-two-chars": lambda: support.unique_username("c")[:32].ljust(32, "0"),
    "all-allowed-symbols": lambda: f"a.b-c_d.{support.unique_username()[3:15]}",
    "digits-only": lambda: str(random.randrange(10**11, 10**12)),
}


@pytest.mark.contract("auth.register.username-rules")
@pytest.mark.parametrize("case", list(GOOD_USERNAMES))
def test_username_within_rules_is_accepted(client: httpx.Client, case: str) -> None:
    _register_unique(client, GOOD_USERNAMES[case], f"this username ({case}) matches the pattern")


BAD_PASSWORDS = {
    "seven-chars": "1234567",
    "seven-emoji": "😀" * 7,
    "129-chars": "x" * 129,
    "129-e-acute": "é" * 129,
    "empty": "",
}


@pytest.mark.contract("auth.register.password-rules")
@pytest.mark.parametrize("case", list(BAD_PASSWORDS))
def test_password_length_is_8_to_128_code_points(client: httpx.Client, case: str) -> None:
    password = BAD_PASSWORDS[case]
    response = _register(client, support.unique_username(), password)
    expect_problem(
        response,
        422,
        "a password is 8 to 128 code points (not bytes)",
        sent=f"a password of {len(password)} code points ({case})",
        fields="password",
    )


GOOD_PASSWORDS = {
    "eight-chars": "12345678",
    "128-chars": "p" * 128,
    "eight-emoji": "😀" * 8,
    "128-emoji": "😀" * 128,
    "eight-spaces": " " * 8,
    "surrounding-spaces": "  pass word  ",
}


@pytest.mark.contract("auth.register.password-rules")
@pytest.mark.parametrize("case", list(GOOD_PASSWORDS))
def test_password_within_rules_is_accepted_verbatim(client: httpx.Client, case: str) -> None:
    password = GOOD_PASSWORDS[case]
    username = support.unique_username()
    expect_json(
        _register(client, username, password),
        201,
        "a password of 8 to 128 code points is accepted as sent",
        sent=f"a password of {len(password)} code points ({case})",
    )
    expect_json(
        client.post("/auth/token", json={"username": username, "password": password}),
        200,
        "the exact password registered logs in (it is stored as sent, not trimmed)",
        sent=f"the {case} password",
    )
    if password.strip() != password and password.strip():
        expect(
            client.post("/auth/token", json={"username": username, "password": password.strip()}),
            401,
            "the password is not trimmed, so the trimmed one is wrong",
            sent="the password without its surrounding spaces",
        )


TYPE_CASES: dict[str, tuple[dict[str, Any], tuple[str, ...]]] = {
    "empty-object": ({}, ("username", "password")),
    "missing-username": ({"password": "password-1"}, ("username",)),
    "missing-password": ({"username": "{u}"}, ("password",)),
    "null-username": ({"username": None, "password": "password-1"}, ("username",)),
    "number-username": ({"username": 12345, "password": "password-1"}, ("username",)),
    "bool-username": ({"username": True, "password": "password-1"}, ("username",)),
    "list-username": ({"username": ["{u}"], "password": "password-1"}, ("username",)),
    "null-password": ({"username": "{u}", "password": None}, ("password",)),
    "number-password": ({"username": "{u}", "password": 12345678}, ("password",)),
    "object-password": ({"username": "{u}", "password": {"p": "password-1"}}, ("password",)),
}


def _fill(body: dict[str, Any], username: str) -> dict[str, Any]:
    def fill(value: Any) -> Any:
        if value == "{u}":
            return username
        if isinstance(value, list):
            return [fill(v) for v in value]
        return value

    return {key: fill(value) for key, value in body.items()}


@pytest.mark.contract("auth.register.types")
@pytest.mark.parametrize("case", list(TYPE_CASES))
def test_register_members_are_required_strings(client: httpx.Client, case: str) -> None:
    template, fields = TYPE_CASES[case]
    body = _fill(template, support.unique_username())
    response = client.post("/auth/register", json=body)
    expect_problem(response, 422, "username and password are required JSON strings", fields=fields)


@pytest.mark.contract("auth.register.taken")
def test_taken_username_is_409(client: httpx.Client, new_user: support.Account) -> None:
    response = _register(client, new_user.username, "another-password")
    expect_problem(response, 409, "the username is already registered", sent="a taken username")


@pytest.mark.contract("auth.register.taken", "bodies.rejected-write-changes-nothing")
def test_taken_username_keeps_its_password(client: httpx.Client, new_user: support.Account) -> None:
    expect_problem(
        _register(client, new_user.username, "another-password"), 409, "the username is taken"
    )
    expect(
        client.post(
            "/auth/token", json={"username": new_user.username, "password": "another-password"}
        ),
        401,
        "the rejected registration must not have replaced the password",
    )
    support.issue_token(client, new_user.username, new_user.password)


# --- tokens --------------------------------------------------------------------------------


@pytest.mark.contract("auth.token.issued", "auth.jwt.claims")
def test_token_is_issued(
    client: httpx.Client, new_user: support.Account, secret: str, token_lifetime: int
) -> None:
    response = client.post(
        "/auth/token", json={"username": new_user.username, "password": new_user.password}
    )
    body = expect_json(response, 200, "the username and password are right")
    assert set(body) == support.TOKEN_MEMBERS, f"token response members: {sorted(body)}"
    assert isinstance(body["access_token"], str), body
    assert body["token_type"] == "bearer", f'token_type must be "bearer"; got {body}'
    assert type(body["expires_in"]) is int, f"expires_in must be a JSON integer; got {body}"
    assert body["expires_in"] == token_lifetime, (
        f"expires_in must be the configured lifetime, {token_lifetime} s (auth.token.issued); "
        f"got {body['expires_in']} — if the servers run with another JWT_TTL_SECONDS, pass "
        "--jwt-ttl"
    )
    try:
        header, claims = support.decode_hs256(body["access_token"], secret)
    except Exception as exc:
        raise AssertionError(
            "the access_token must be an HS256 JWT signed with JWT_SECRET carrying sub, iat "
            f"and exp (auth.jwt.claims) — did the suite get the servers' --jwt-secret? {exc!r}"
        ) from exc
    assert header.get("alg") == "HS256", f"the token header must say alg HS256; got {header}"
    assert claims["sub"] == str(new_user.id), (
        f"sub must be the user id as a string of digits: {str(new_user.id)!r}; "
        f"got {claims['sub']!r}"
    )
    for claim in ("iat", "exp"):
        assert type(claims[claim]) is int, (
            f"{claim} is integer seconds (auth.jwt.claims); got {claims}"
        )
    assert claims["exp"] - claims["iat"] == body["expires_in"], (
        f"expires_in ({body['expires_in']}) must equal exp - iat "
        f"({claims['exp']} - {claims['iat']}) (auth.token.issued)"
    )


@pytest.mark.contract("auth.token.types")
@pytest.mark.parametrize("case", list(TYPE_CASES))
def test_token_members_are_required_strings(
    client: httpx.Client, new_user: support.Account, case: str
) -> None:
    template, fields = TYPE_CASES[case]
    body = _fill(template, new_user.username)
    response = client.post("/auth/token", json=body)
    expect_problem(response, 422, "username and password are required JSON strings", fields=fields)


@pytest.mark.contract("auth.token.invalid-credentials")
@pytest.mark.attack("auth.enumeration-body")
def test_unknown_user_and_wrong_password_look_the_same(
    client: httpx.Client, new_user: support.Account
) -> None:
    unknown = client.post(
        "/auth/token",
        json={"username": support.unique_username("nobody"), "password": new_user.password},
    )
    wrong = client.post(
        "/auth/token", json={"username": new_user.username, "password": "wrong-password"}
    )
    unknown_body = expect_unauthorized(
        unknown, "the username does not exist", sent="an unknown username"
    )
    wrong_body = expect_unauthorized(wrong, "the password is wrong", sent="a wrong password")
    assert unknown_body == wrong_body, (
        "an unknown username and a wrong password must get identical 401 bodies, so the answer "
        f"does not tell which usernames exist (auth.token.invalid-credentials); got {unknown_body} "
        f"and {wrong_body}"
    )


@pytest.mark.contract("auth.token.invalid-credentials")
@pytest.mark.parametrize(
    "case",
    [
        "short-password",
        "empty-password",
        "uppercased-username",
        "password-with-space",
        # Strings no registration can produce: still just unknown users (found by fuzzing:
        # a NUL reached a Postgres text comparison, which refuses it, and gave a 500).
        "nul-in-username",
        "unregistrable-username",
        "nul-in-password",
    ],
)
def test_other_wrong_credentials_are_401(
    client: httpx.Client, new_user: support.Account, case: str
) -> None:
    username, password = {
        "short-password": (new_user.username, "x"),
        "empty-password": (new_user.username, ""),
        "uppercased-username": (new_user.username.upper(), new_user.password),
        "password-with-space": (new_user.username, f"{new_user.password} "),
        "nul-in-username": (f"{new_user.username}\x00", new_user.password),
        "unregistrable-username": (f"{new_user.username}'; --\u00e9", new_user.password),
        "nul-in-password": (new_user.username, f"{new_user.password}\x00"),
    }[case]
    response = client.post("/auth/token", json={"username": username, "password": password})
    expect_unauthorized(
        response,
        "any string credentials that do not match a user are 401 (only non-strings are 422)",
        sent=f"wrong credentials ({case})",
    )


# --- JWT claims accepted by verifiers ---------------------------------------------------------


@pytest.mark.contract("auth.jwt.claims")
@pytest.mark.parametrize("extra", ["minimal", "optional-claims"])
def test_hs256_token_with_the_three_claims_is_accepted(
    client: httpx.Client, new_user: support.Account, secret: str, extra: str
) -> None:
    claims: dict[str, Any] = {
        "sub": str(new_user.id),
        "iat": support.now(),
        "exp": support.now() + 600,
    }
    if extra == "optional-claims":
        claims |= {"jti": support.unique_name("jti"), "nbf": support.now() - 60, "type": "access"}
    token = support.sign_hs256(claims, secret)
    me = expect_json(
        client.get("/me", headers=support.bearer(token)),
        200,
        "a token signed with HS256 and JWT_SECRET carrying sub, iat and exp is valid; other "
        "claims are optional",
        sent=f"a token with the claims {sorted(claims)}",
    )
    assert me == new_user.user, f"GET /me must be the token's user {new_user.user}; got {me}"


# --- bearer authentication ---------------------------------------------------------------------


@dataclass(frozen=True)
class Protected:
    method: str
    path: str
    body: dict[str, Any] | None


@pytest.fixture
def protected(
    request: pytest.FixtureRequest, client: httpx.Client, shared_headers: dict[str, str]
) -> Protected:
    """An authenticated endpoint; item endpoints target an item of ``shared_user``."""
    if request.param == "me":
        return Protected("GET", "/me", None)
    if request.param == "create-item":
        return Protected("POST", "/items", {"name": support.unique_name(), "price_cents": 3})
    target = support.create_item(client, shared_headers)
    if request.param == "update-item":
        return Protected("PATCH", f"/items/{target['id']}", {"name": "changed"})
    assert request.param == "delete-item"
    return Protected("DELETE", f"/items/{target['id']}", None)


each_protected = pytest.mark.parametrize(
    "protected", ["me", "create-item", "update-item", "delete-item"], indirect=True
)


@pytest.mark.contract("auth.bearer.required")
@pytest.mark.attack("auth.no-bearer")
@pytest.mark.parametrize("case", ["missing", "basic", "token-scheme", "no-scheme", "bare-bearer"])
@each_protected
def test_bearer_credentials_are_required(
    client: httpx.Client,
    protected: Protected,
    shared_user: support.Account,
    shared_headers: dict[str, str],
    case: str,
) -> None:
    token = shared_headers["Authorization"].removeprefix("Bearer ")
    headers = {
        "missing": {},
        "basic": {"Authorization": "Basic dXNlcjpwYXNzd29yZA=="},
        "token-scheme": {"Authorization": f"Token {token}"},
        "no-scheme": {"Authorization": token},
        "bare-bearer": {"Authorization": "Bearer"},
    }[case]
    response = client.request(
        protected.method, protected.path, json=protected.body, headers=headers
    )
    expect_unauthorized(
        response,
        "authenticated endpoints need an Authorization header with the Bearer scheme",
        sent=f"Authorization {headers.get('Authorization', '(missing)')[:20]!r} ({case})",
    )


def _claims(user_id: int, **changes: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "sub": str(user_id),
        "iat": support.now() - 10,
        "exp": support.now() + 600,
    }
    for key, value in changes.items():
        if value is None:
            claims.pop(key)
        else:
            claims[key] = value
    return claims


BAD_TOKENS: dict[str, Callable[[int, str], str]] = {
    "garbage": lambda uid, secret: "not-a-jwt",
    "three-garbage-parts": lambda uid, secret: "abc.def.ghi",
    "alg-none": lambda uid, secret: craft_token({"alg": "none", "typ": "JWT"}, _claims(uid), None),
    "alg-hs512": lambda uid, secret: craft_token(
        {"alg": "HS512", "typ": "JWT"}, _claims(uid), secret
    ),
    "alg-rs256-header": lambda uid, secret: craft_token(
        {"alg": "RS256", "typ": "JWT"}, _claims(uid), secret
    ),
    "bad-signature": lambda uid, secret: craft_token(HS256, _claims(uid), OTHER_SECRET),
    "signature-stripped": lambda uid, secret: (
        craft_token(HS256, _claims(uid), secret).rsplit(".", 1)[0] + "."
    ),
    "expired": lambda uid, secret: craft_token(
        HS256, _claims(uid, iat=support.now() - 7200, exp=support.now() - 3600), secret
    ),
    "nbf-in-future": lambda uid, secret: craft_token(
        HS256, _claims(uid, nbf=support.now() + 3600), secret
    ),
    "no-sub": lambda uid, secret: craft_token(HS256, _claims(uid, sub=None), secret),
    "no-iat": lambda uid, secret: craft_token(HS256, _claims(uid, iat=None), secret),
    "no-exp": lambda uid, secret: craft_token(HS256, _claims(uid, exp=None), secret),
    "sub-letters": lambda uid, secret: craft_token(HS256, _claims(uid, sub="abc"), secret),
    "sub-integer": lambda uid, secret: craft_token(HS256, _claims(uid, sub=uid), secret),
    "sub-negative": lambda uid, secret: craft_token(HS256, _claims(uid, sub="-1"), secret),
    "sub-plus-sign": lambda uid, secret: craft_token(HS256, _claims(uid, sub=f"+{uid}"), secret),
    "sub-with-space": lambda uid, secret: craft_token(HS256, _claims(uid, sub=f" {uid}"), secret),
    "sub-empty": lambda uid, secret: craft_token(HS256, _claims(uid, sub=""), secret),
    "sub-unknown-user": lambda uid, secret: craft_token(
        HS256, _claims(uid, sub="9000000000000000000"), secret
    ),
    "sub-beyond-bigint": lambda uid, secret: craft_token(
        HS256, _claims(uid, sub="99999999999999999999"), secret
    ),
}


@pytest.mark.contract("auth.bearer.rejected")
@pytest.mark.parametrize(
    "case",
    attack_cases(
        BAD_TOKENS,
        {
            "alg-none": "jwt.alg-none",
            "alg-hs512": "jwt.alg-hs512",
            "alg-rs256-header": "jwt.alg-rs256-header",
            "bad-signature": "jwt.wrong-key",
            "signature-stripped": "jwt.wrong-key",
            "expired": "jwt.expired",
            "nbf-in-future": "jwt.not-yet-valid",
            "no-sub": "jwt.missing-claims",
            "no-iat": "jwt.missing-claims",
            "no-exp": "jwt.missing-claims",
            "sub-letters": "jwt.non-numeric-sub",
            "sub-integer": "jwt.non-numeric-sub",
            "sub-negative": "jwt.non-numeric-sub",
            "sub-plus-sign": "jwt.non-numeric-sub",
            "sub-with-space": "jwt.non-numeric-sub",
            "sub-empty": "jwt.non-numeric-sub",
            "sub-beyond-bigint": "jwt.non-numeric-sub",
            "sub-unknown-user": "jwt.unknown-user",
        },
    ),
)
@each_protected
def test_invalid_tokens_are_rejected(
    client: httpx.Client,
    protected: Protected,
    shared_user: support.Account,
    secret: str,
    case: str,
) -> None:
    # Every forged token names shared_user (the item's owner) unless the case is about
    # sub, so the token's one fault is the only reason to refuse it.
    token = BAD_TOKENS[case](shared_user.id, secret)
    response = client.request(
        protected.method, protected.path, json=protected.body, headers=support.bearer(token)
    )
    expect_unauthorized(response, f"the token is invalid ({case})", sent=f"a forged token ({case})")
