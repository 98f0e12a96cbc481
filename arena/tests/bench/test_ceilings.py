from arena.bench.ceilings import BASELINES, parse_pgbench
from arena.project import implementation

PGBENCH_OUTPUT = """\
pgbench (18.0)
transaction type: items_get.sql
scaling factor: 1
query mode: prepared
number of clients: 8
number of threads: 1
maximum number of tries: 1
duration: 4 s
number of transactions actually processed: 81234
number of failed transactions: 0 (0.000%)
latency average = 0.393 ms
initial connection time = 12.345 ms
tps = 20321.456789 (without initial connection time)
"""


def test_parses_pgbench_summary():
    result = parse_pgbench(PGBENCH_OUTPUT, "prepared", 8)
    assert result.tps == 20321.456789
    assert result.latency_ms == 0.393
    assert (result.failed, result.transactions, result.clients) == (0, 81234, 8)


def test_each_baseline_offers_the_servers_the_crud_benchmark_measures():
    for name, baseline in BASELINES.items():
        assert set(baseline.servers) == set(implementation(name).benchmarked_servers)
        assert baseline.name.startswith("baseline-")


# The flags that decide how a server runs the app (not what it checks): a baseline must
# be served as its implementation is, or the ratio measures the server settings.
SERVING_FLAGS = ("--loop", "--http", "--blocking-threads", "--threads", "--worker-class")


def _flags(command: str) -> dict[str, str]:
    words = command.split()
    return {w: words[i + 1] for i, w in enumerate(words[:-1]) if w in SERVING_FLAGS}


def test_each_baseline_is_served_like_its_implementation():
    from arena.bench.ceilings import BASELINES
    from arena.project import implementation

    for impl, baseline in BASELINES.items():
        declared = implementation(impl)
        for server, command in baseline.servers.items():
            assert _flags(command) == _flags(declared.servers[server]), (impl, server)
