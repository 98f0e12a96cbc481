"""The contract's endpoints: health, auth, the current user and the items resource.

Under ASGI, ``GET /items/{id}/enriched`` is served by ``async_views`` instead of
``ItemViewSet.retrieve_enriched``; everything else is served by these views either way.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import generics, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import AuthenticationFailed, MethodNotAllowed
from rest_framework.permissions import AllowAny, IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from impl_drf.api import security
from impl_drf.api.downstream import get_downstream
from impl_drf.api.models import Item, User
from impl_drf.api.parsers import require_json_body
from impl_drf.api.permissions import IsOwnerOrReadOnly
from impl_drf.api.problems import Conflict, InvalidCredentials
from impl_drf.api.schema import BODY_ERRORS, problems
from impl_drf.api.serializers import (
    EnrichedItemRead,
    EnrichedQuery,
    ItemRead,
    ItemWrite,
    TokenRead,
    TokenRequest,
    UserRead,
    UserRegister,
)

USERNAME_CONSTRAINT = "users_username_key"
OWNER_CONSTRAINT = "items_owner_id_fkey"

# contract: auth.register, items.create
LOCATION = OpenApiParameter(
    "Location", str, OpenApiParameter.HEADER, description="The new resource.", response=[201]
)


def violated_constraint(exc: IntegrityError) -> str | None:
    """The name of the constraint the database says was violated (psycopg's diagnostics)."""
    return getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)


class MethodFirstMixin:
    """A method the view does not serve is a 405, token or not (general.method-not-allowed).

    ``APIView.initial`` checks permissions before ``dispatch`` looks for a handler, so
    without this an unserved method on an authenticated view would answer 401.
    """

    allowed_methods: list[str]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        if request.method not in self.allowed_methods:
            raise MethodNotAllowed(str(request.method))
        super().initial(request, *args, **kwargs)  # type: ignore[misc]


class JSONBodyMixin:
    """Enforce the contract's body rules (415, 413, 400) on the methods that take one."""

    allowed_methods: list[str]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        # Only where the method is served: a wrong method stays a 405.
        if request.method in ("POST", "PATCH") and request.method in self.allowed_methods:
            require_json_body(request)


# contract: health
class HealthView(APIView):
    """Whether the server and its database answer (one round trip)."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    @extend_schema(
        responses={
            200: inline_serializer(
                "Health",
                {
                    "status": serializers.ChoiceField(choices=["ok"]),
                    "database": serializers.ChoiceField(choices=["ok"]),
                },
            ),
            **problems(503),
        },
    )
    def get(self, request: Request) -> Response:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return Response({"status": "ok", "database": "ok"})


# contract: auth.register
@extend_schema(
    responses={201: UserRead, **problems(*BODY_ERRORS, 409, 422, 503)}, parameters=[LOCATION]
)
class RegisterView(JSONBodyMixin, generics.CreateAPIView[User]):
    """Register a user; a username is taken once (409 after that)."""

    serializer_class = UserRegister
    authentication_classes = ()
    permission_classes = (AllowAny,)

    def perform_create(self, serializer: UserRegister) -> None:  # type: ignore[override]
        password_hash = security.hash_password(serializer.validated_data["password"])
        # The unique constraint decides, not a SELECT first: of two racing
        # registrations of one name exactly one INSERT succeeds. One statement in
        # autocommit is its own transaction (see ItemViewSet.perform_create).
        try:
            serializer.save(password_hash=password_hash)
        except IntegrityError as exc:
            if violated_constraint(exc) != USERNAME_CONSTRAINT:
                raise
            raise Conflict("This username is taken.") from exc

    def get_success_headers(self, data: Any) -> dict[str, str]:
        return {"Location": reverse("me")}


# contract: auth.token
class TokenView(JSONBodyMixin, APIView):
    """Exchange a username and password for a bearer token (HS256 JWT)."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    @extend_schema(
        request=TokenRequest, responses={200: TokenRead, **problems(*BODY_ERRORS, 401, 422, 503)}
    )
    def post(self, request: Request) -> Response:
        credentials = TokenRequest(data=request.data)
        credentials.is_valid(raise_exception=True)
        user = security.authenticate(**credentials.validated_data)
        if user is None:
            # One answer for an unknown username and a wrong password.
            raise InvalidCredentials()
        return Response(
            {
                "access_token": security.issue_token(user),
                "token_type": "bearer",
                "expires_in": settings.JWT_TTL_SECONDS,
            }
        )


# contract: users.me
@extend_schema(responses={200: UserRead, **problems(401, 503)})
class MeView(MethodFirstMixin, generics.RetrieveAPIView[User]):
    """The user the bearer token names."""

    serializer_class = UserRead

    def get_object(self) -> User:
        return self.request.user  # type: ignore[return-value]


# contract: io.enriched
# One description for both views of the fan-out (this one and async_views'): the
# document is generated from this URLconf whichever server runs.
ENRICHED_SCHEMA = extend_schema(
    parameters=[EnrichedQuery],
    responses={200: EnrichedItemRead, **problems(401, 404, 422, 502, 503, 504)},
)


# contract: items.list, items.create, items.retrieve, items.update, items.delete, io.enriched
@extend_schema_view(
    list=extend_schema(
        responses={200: ItemRead(many=True), **problems(422, 503)},
        # Reading needs no token, and a token sent is not even looked at.
        auth=[],
        parameters=[
            OpenApiParameter(
                "X-Total-Count",
                int,
                OpenApiParameter.HEADER,
                description="The number of all items.",
                response=[200],
            )
        ],
    ),
    create=extend_schema(
        responses={201: ItemRead, **problems(*BODY_ERRORS, 401, 422, 503)}, parameters=[LOCATION]
    ),
    retrieve=extend_schema(responses={200: ItemRead, **problems(404, 503)}, auth=[]),
    partial_update=extend_schema(
        responses={200: ItemRead, **problems(*BODY_ERRORS, 401, 403, 404, 422, 503)}
    ),
    destroy=extend_schema(responses={204: None, **problems(401, 403, 404, 503)}),
    retrieve_enriched=ENRICHED_SCHEMA,
)
class ItemViewSet(MethodFirstMixin, JSONBodyMixin, viewsets.ModelViewSet[Item]):
    """Items: anyone may read them; only an item's owner may change or delete it."""

    queryset = Item.objects.order_by("id")
    permission_classes = (IsAuthenticatedOrReadOnly, IsOwnerOrReadOnly)
    # No PUT: the contract updates with PATCH only, so PUT is a 405.
    http_method_names = ("get", "post", "patch", "delete", "head", "options")
    lookup_value_converter = "item_id"

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        return ItemWrite if self.action in ("create", "partial_update") else ItemRead

    # contract: concurrency
    def get_queryset(self) -> QuerySet[Item]:
        queryset = super().get_queryset()
        if self.action in ("partial_update", "destroy"):
            # Lock the row until the write commits: a racing PATCH or DELETE of the same
            # item waits, then reads what the first one left (the new state, or nothing:
            # 404). So one DELETE wins, and a PATCH never writes to a deleted row.
            queryset = queryset.select_for_update()
        return queryset

    def perform_authentication(self, request: Request) -> None:
        # Lazy: reading items needs no token, so a token is only looked at (and
        # rejected with 401) by the permission check of a write.
        pass

    # contract: concurrency
    def perform_create(self, serializer: ItemWrite) -> None:  # type: ignore[override]
        # No transaction.atomic(): Django runs in autocommit (no ATOMIC_REQUESTS), so
        # the one INSERT is its own transaction, and a failed one leaves none open
        # for the pool to roll back. atomic() would only add a BEGIN and a COMMIT,
        # two round trips.
        try:
            serializer.save(owner=self.request.user)
        except IntegrityError as exc:
            if violated_constraint(exc) != OWNER_CONSTRAINT:
                raise
            # The user was deleted between the token check and the INSERT: answer as
            # if it had been gone before the request (auth.bearer.rejected).
            raise AuthenticationFailed("The access token names no existing user.") from exc

    # contract: concurrency
    @transaction.atomic
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().partial_update(request, *args, **kwargs)

    # contract: concurrency
    @transaction.atomic
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().destroy(request, *args, **kwargs)

    def get_success_headers(self, data: Any) -> dict[str, str]:
        return {"Location": reverse("item-detail", kwargs={"pk": data["id"]})}

    # contract: io.enriched
    @action(
        detail=True,
        methods=["get"],
        url_path="enriched",
        url_name="enriched",
        # The token first (initial() checks it before this runs): without a valid
        # one nothing is read and nothing is called.
        permission_classes=[IsAuthenticated],
    )
    def retrieve_enriched(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The item and the answers of ``fanout`` concurrent calls to the downstream service."""
        query = EnrichedQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        item = self.get_object()
        # The connection would stay checked out of the pool until the request ends;
        # given back now, the downstream wait does not keep one of DB_POOL_SIZE
        # connections busy, and in-flight fan-outs are bounded by the HTTP pool, not
        # the database's. (Autocommit: no transaction is open to end.)
        connection.close()
        parts = get_downstream().fetch_parts(item.pk, query.validated_data["fanout"])
        return Response(EnrichedItemRead({"item": item, "parts": parts}).data)
