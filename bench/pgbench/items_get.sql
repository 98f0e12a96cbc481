-- The query behind GET /items/{id}, alone: the database's ceiling for that endpoint.
-- Run by `arena bench` as: pgbench -n -f items_get.sql -D lo=FIRST_ID -D hi=LAST_ID ...
\set id random(:lo, :hi)
SELECT id, name, price_cents, owner_id, created_at FROM items WHERE id = :id;
