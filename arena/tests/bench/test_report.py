from pathlib import Path

import pytest

from arena.bench import report
from arena.bench import results as res

FIXTURES = Path(__file__).parent / "fixtures"
V1 = FIXTURES / "results.json"
V2 = FIXTURES / "results_v2.json"


@pytest.fixture(params=[V1, V2], ids=["v1", "v2"])
def data(request):
    return res.load(request.param)


def test_markdown_from_a_recorded_run_has_every_section_and_the_machine_label(data):
    md = report.markdown(data)
    for heading in (
        "## At a glance",
        "## Environment",
        "## Verification (before any timing)",
        "## Headline: requests per second",
        "## Throughput at a latency objective",
        "## Ceilings",
        "## Queries and round trips per request",
        "## Cold start",
        "## Memory",
        "## Code and dependencies",
        "## The async footgun",
        "## How noisy this was",
    ):
        assert heading in md
    assert "2 CPU cores" in md
    assert "share the same 2 cores" in md
    assert "QUICK RUN" in md or "SMOKE RUN" in md
    # Templates leave no runs of blank lines, and every table is preceded by a blank line.
    assert "\n\n\n" not in md
    lines = md.splitlines()
    for index, line in enumerate(lines[1:], start=1):
        if line.startswith("|") and not lines[index - 1].startswith("|"):
            assert lines[index - 1] == "", lines[index - 1]


def test_a_v2_run_shows_cpu_per_request_spread_open_loop_and_profiles():
    md = report.markdown(res.load(V2), "results/")
    efficiency = md.split("## Efficiency")[1].split("\n## ")[0]
    assert "| fastapi/uvicorn | GET /items/{id} | 325 | 1,265 | 241 | — | 790 |" in efficiency
    spread = md.split("## How the load spread")[1].split("\n## ")[0]
    assert "| fastapi/uvicorn | 2 |" in spread
    assert "| gunicorn | sync workers answer one request per connection" in spread
    open_loop = md.split("## Open-loop latency")[1].split("\n## ")[0]
    assert "| fastapi/uvicorn | 50% of 325 | 163 | 155 |" in open_loop
    assert "16 x 2 at 5.1/s" in open_loop
    profiles = md.split("## Profiles")[1].split("\n## ")[0]
    assert "[fastapi-uvicorn.svg](results/profiles/fastapi-uvicorn.svg)" in profiles
    assert "| flask/gunicorn | not recorded: Permission Denied" in profiles
    queries = md.split("## Queries and round trips")[1].split("\n## ")[0]
    assert "| fastapi/uvicorn | GET /items/{id} | 1.00 | 2.00 | 0.00 | **3.00** |" in queries
    assert "| load generator CPU | not pinned (2 cores) |" in md


def test_a_migrated_v1_run_counts_every_statement_as_a_round_trip():
    md = report.markdown(res.load(V1))
    assert "(`pg_stat_statements.track_utility` on)" in md
    assert "| fastapi/uvicorn | GET /items/{id} | 1.00 | 2.00 | — | **3.00** |" in md
    # No usage was measured in v1: no efficiency or spread section, no invented figure.
    assert "## Efficiency" not in md
    assert "## How the load spread" not in md


def test_a_target_that_failed_verification_is_listed_and_not_benchmarked():
    md = report.markdown(res.load(V1))
    assert "| broken/gunicorn | implementation | **NO — not benchmarked** |" in md
    assert "GET /me: status 500" in md
    headline = md.split("## Headline")[1].split("##")[0]
    assert "broken/gunicorn" not in headline


def test_html_and_charts_render_without_a_display(tmp_path, data):
    out = tmp_path / "results"
    report.render(data, out, tmp_path / "results.md")
    page = (out / "report.html").read_text()
    assert page.startswith("<!DOCTYPE html>")
    charts = ["throughput.png", "latency.png", "coldstart.png", "loc.png"]
    if data["schema"] == res.SCHEMA and res.crud_runs(data)[0].get("usage"):
        charts.append("efficiency.png")
    for chart in charts:
        assert (out / chart).stat().st_size > 1000
        assert f'src="{chart}"' in page
    assert "<table>" in page
    assert "](results/throughput.png)" in (tmp_path / "results.md").read_text()


def test_table_cells_and_html_are_escaped():
    data = res.load(V1)
    data["targets"][0]["failures"] = ["<script>x</script> | piped"]
    data["targets"][0]["verified"] = False
    md = report.markdown(data)
    assert "<script>x</script> \\| piped" in md
    page = report.html(data)
    assert "<script>" not in page
    assert "&lt;script&gt;" in page


def test_readme_block_is_replaced_between_its_markers(tmp_path, data):
    readme = tmp_path / "README.md"
    start, end = report.README_MARKERS
    readme.write_text(f"# Title\n\n{start}\nold figures\n{end}\n\n## Next\n")
    assert report.update_readme(readme, data)
    text = readme.read_text()
    assert "old figures" not in text
    assert text.startswith("# Title\n\n" + start)
    assert text.endswith(end + "\n\n## Next\n")
    assert "| target |" in text
    assert "in docs/results.md" in text
    assert "CPU" in text


def test_readme_without_markers_is_left_alone(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# Title\n")
    assert not report.update_readme(readme, res.load(V1))
    assert readme.read_text() == "# Title\n"


def test_figures_from_a_modified_checkout_say_so_on_the_page_and_in_the_readme():
    data = res.load(V1)
    data["environment"].update(git_commit="a" * 40, git_dirty=False)
    assert "modified checkout" not in report.markdown(data)
    assert "Measured at commit aaaaaaaaaaaa." in report.readme_summary(data)
    data["environment"]["git_dirty"] = True
    assert "**Measured on a modified checkout**: commit aaaaaaaaaaaa plus" in report.markdown(data)
    summary = report.readme_summary(data)
    assert "modified checkout" in summary
    assert "Measured at commit aaaaaaaaaaaa." not in summary


def test_a_smoke_run_is_titled_as_one():
    data = res.load(V1)
    data["config"]["smoke"] = True
    page = report.markdown(data)
    assert "# Benchmark results (SMOKE RUN)" in page
    assert "The figures mean nothing" in page


def test_the_committed_results_still_render():
    committed = Path(__file__).parents[3] / "docs" / "results" / "results.json"
    md = report.markdown(res.load(committed), "results/")
    assert "## Ceilings" in md
    assert "round trips/req" in md
