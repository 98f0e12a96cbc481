from arena.bench.queries import classify


def test_transaction_control_is_counted_apart_and_own_statements_dropped():
    count = classify(
        [
            ("SELECT id FROM items WHERE id = $1", 100),
            ("BEGIN", 100),
            ("COMMIT", 90),
            ("ROLLBACK", 10),
            ("SELECT pg_stat_statements_reset()", 1),
            ("select 1", 100),
        ]
    )
    assert count.queries == 200
    assert count.transaction_control == 200
    assert all("pg_stat_statements" not in q for q, _ in count.statements)
