"""The `arena bench` scenarios for Locust, for load from several machines (master/worker).

wrk on one machine shares its cores with the server; Locust can spread the load
generators over many. One process:

    locust -f bench/locustfile.py --host http://127.0.0.1:8001 --headless -u 50 -r 10 -t 60s

Distributed (one master, N workers, possibly on other machines):

    locust -f bench/locustfile.py --master --host http://SERVER:8001
    locust -f bench/locustfile.py --worker --master-host MASTER_IP

Each simulated user registers its own account once and logs in (so GET /me and
POST /items carry a bearer token), then mixes the five scenarios. Item ids for
GET /items/{id} are read from the first page of GET /items. Locust's own
percentiles are not comparable to wrk's figures in docs/results.md.
"""

from __future__ import annotations

import random
import uuid

from locust import FastHttpUser, between, task

PASSWORD = "locust-password-not-secret"  # noqa: S105 (throwaway load-test accounts)


class ApiUser(FastHttpUser):
    wait_time = between(0, 0.01)

    def on_start(self) -> None:
        username = f"locust_{uuid.uuid4().hex[:20]}"
        credentials = {"username": username, "password": PASSWORD}
        self.client.post("/auth/register", json=credentials)
        token = self.client.post("/auth/token", json=credentials).json()["access_token"]
        self.auth = {"Authorization": f"Bearer {token}"}
        page = self.client.get("/items", params={"limit": 100}).json()
        self.item_ids = [item["id"] for item in page] or [1]

    @task(2)
    def health(self) -> None:
        self.client.get("/health")

    @task(4)
    def items_get(self) -> None:
        self.client.get(f"/items/{random.choice(self.item_ids)}", name="/items/{id}")

    @task(2)
    def items_list(self) -> None:
        self.client.get("/items?limit=20")

    @task(2)
    def me(self) -> None:
        self.client.get("/me", headers=self.auth)

    @task(1)
    def items_create(self) -> None:
        self.client.post(
            "/items", json={"name": "locust item", "price_cents": 1999}, headers=self.auth
        )
