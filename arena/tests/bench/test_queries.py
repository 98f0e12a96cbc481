from arena.bench.queries import classify


def test_every_statement_is_a_round_trip_and_each_kind_is_counted_apart():
    count = classify(
        [
            ("SELECT id FROM items WHERE id = $1", 100),
            ("BEGIN", 100),
            ("COMMIT", 90),
            ("ROLLBACK", 10),
            ("SET statement_timeout = 5000", 3),
            ("SELECT pg_stat_statements_reset()", 1),
            ("select 1", 100),
        ]
    )
    assert count.queries == 200
    assert count.transaction_control == 200
    assert count.utility == 3
    assert count.round_trips == 403
    assert all("pg_stat_statements" not in q for q, _ in count.statements)
    assert count.statements[0][1] == 100
