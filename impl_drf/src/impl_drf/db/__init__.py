"""Django's PostgreSQL backend with a bound on each round trip (``ENGINE = "impl_drf.db"``)."""
