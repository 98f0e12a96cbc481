"""The Django admin over the contract's tables, driven by a logged-in staff user."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client

from impl_drf.api.models import Item, User

pytestmark = pytest.mark.usefixtures("database")

PASSWORD = "admin-password-for-tests"


@pytest.fixture
def demo_admin(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh demo admin login (named per test), created with PASSWORD."""
    username = f"admin-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("ARENA_DEMO_ADMIN_PASSWORD", PASSWORD)
    call_command("ensure_demo_admin", username=username, demo_database=True, stdout=StringIO())
    yield username
    get_user_model().objects.filter(username=username).delete()


@pytest.fixture
def staff(demo_admin: str) -> Client:
    client = Client(enforce_csrf_checks=True)
    login_page = client.get("/admin/login/")
    response = client.post(
        "/admin/login/",
        {
            "username": demo_admin,
            "password": PASSWORD,
            "csrfmiddlewaretoken": login_page.context["csrf_token"],
            "next": "/admin/",
        },
    )
    assert response.status_code == 302, "the demo admin could not log in"
    return client


def ensure_demo_admin(username: str, **options: object) -> str:
    out = StringIO()
    call_command("ensure_demo_admin", username=username, stdout=out, **options)
    return out.getvalue().strip()


def test_ensure_demo_admin_refuses_without_the_demo_flag() -> None:
    username = f"admin-{uuid.uuid4().hex[:8]}"
    with pytest.raises(CommandError, match="--demo-database"):
        ensure_demo_admin(username)
    assert not get_user_model().objects.filter(username=username).exists()


def test_ensure_demo_admin_never_resets_an_existing_password(demo_admin: str) -> None:
    again = ensure_demo_admin(demo_admin, demo_database=True)

    assert again == f"Admin login {demo_admin!r} exists; its password is unchanged."
    assert get_user_model().objects.get(username=demo_admin).check_password(PASSWORD)


def test_ensure_demo_admin_prints_a_generated_password_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ARENA_DEMO_ADMIN_PASSWORD", raising=False)
    username = f"admin-{uuid.uuid4().hex[:8]}"

    created = ensure_demo_admin(username, demo_database=True)
    password = created.split(" password ")[1].split(" ")[0]

    staff = get_user_model().objects.get(username=username)
    assert staff.is_superuser
    assert staff.is_staff
    assert staff.check_password(password)
    assert password not in ensure_demo_admin(username, demo_database=True)
    staff.delete()


def api_user() -> User:
    return User.objects.create(username=f"u{uuid.uuid4().hex[:12]}", password_hash="unused")


def test_item_changelist_searches_and_filters_by_owner(staff: Client) -> None:
    alice, bob = api_user(), api_user()
    tag = uuid.uuid4().hex[:8]
    Item.objects.create(name=f"red chair {tag}", price_cents=100, owner=alice)
    Item.objects.create(name=f"blue chair {tag}", price_cents=200, owner=bob)
    Item.objects.create(name=f"red table {tag}", price_cents=300, owner=alice)

    response = staff.get(
        "/admin/api/item/", {"q": f"chair {tag}", "owner__id__exact": str(alice.pk)}
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert f"red chair {tag}" in page
    assert f"blue chair {tag}" not in page
    assert f"red table {tag}" not in page


def test_item_form_applies_the_contracts_rules(staff: Client) -> None:
    item = Item.objects.create(name="lamp", price_cents=1, owner=api_user())
    url = f"/admin/api/item/{item.pk}/change/"
    token = staff.get(url).context["csrf_token"]

    rejected = staff.post(
        url,
        {"name": "   ", "price_cents": -1, "owner": item.owner_id, "csrfmiddlewaretoken": token},
    )
    accepted = staff.post(
        url,
        {
            "name": "desk lamp",
            "price_cents": 5,
            "owner": item.owner_id,
            "csrfmiddlewaretoken": token,
        },
    )

    assert rejected.status_code == 200  # the form again, with its errors
    assert set(rejected.context["adminform"].form.errors) == {"name", "price_cents"}
    assert accepted.status_code == 302
    item.refresh_from_db()
    assert (item.name, item.price_cents) == ("desk lamp", 5)


def test_api_users_are_read_mostly(staff: Client) -> None:
    user = User.objects.create(username=f"u{uuid.uuid4().hex[:12]}", password_hash="$argon2id$x")

    change = staff.get(f"/admin/api/user/{user.pk}/change/")

    assert change.status_code == 200
    assert "$argon2id$x" not in change.content.decode()
    assert "password_hash" not in change.content.decode()
    assert staff.get("/admin/api/user/add/").status_code == 403
