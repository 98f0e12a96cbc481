from pathlib import Path

from arena.bench import report
from arena.bench import results as res

FIXTURE = Path(__file__).parent / "fixtures" / "results.json"


def test_markdown_from_a_recorded_run_has_every_section_and_the_machine_label():
    md = report.to_markdown(report.blocks(res.load(FIXTURE)))
    for heading in (
        "## At a glance",
        "## Environment",
        "## Verification (before any timing)",
        "## Headline: requests per second",
        "## Throughput at a latency objective",
        "## Ceilings",
        "## Queries per request",
        "## Cold start",
        "## Memory",
        "## Code and dependencies",
        "## The async footgun",
        "## How noisy this was",
    ):
        assert heading in md
    assert "2 CPU cores" in md
    assert "share the same 2 cores" in md
    assert "QUICK RUN" in md


def test_a_target_that_failed_verification_is_listed_and_not_benchmarked():
    md = report.to_markdown(report.blocks(res.load(FIXTURE)))
    assert "| broken/gunicorn | implementation | **NO — not benchmarked** |" in md
    assert "GET /me: status 500" in md
    headline = md.split("## Headline")[1].split("##")[0]
    assert "broken/gunicorn" not in headline


def test_html_and_charts_render_without_a_display(tmp_path):
    out = tmp_path / "results"
    report.render(res.load(FIXTURE), out, tmp_path / "results.md")
    page = (out / "report.html").read_text()
    assert page.startswith("<!DOCTYPE html>")
    for chart in ("throughput.png", "latency.png", "coldstart.png", "loc.png"):
        assert (out / chart).stat().st_size > 1000
        assert f'src="{chart}"' in page
    assert "](results/throughput.png)" in (tmp_path / "results.md").read_text()


def test_table_cells_are_escaped():
    md = report.to_markdown([report.Table(["a"], [["x | y"]])])
    assert "x \\| y" in md
    page = report.to_html([report.Para("<b> `code` **bold**")])
    assert "&lt;b&gt; <code>code</code> <strong>bold</strong>" in page


def test_readme_block_is_replaced_between_its_markers(tmp_path):
    data = res.load(FIXTURE)
    readme = tmp_path / "README.md"
    start, end = report.README_MARKERS
    readme.write_text(f"# Title\n\n{start}\nold figures\n{end}\n\n## Next\n")
    assert report.update_readme(readme, data)
    text = readme.read_text()
    assert "old figures" not in text
    assert text.startswith("# Title\n\n" + start)
    assert text.endswith(end + "\n\n## Next\n")
    assert "| target |" in text
    assert "2 CPU" in text or "CPU" in text


def test_readme_without_markers_is_left_alone(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# Title\n")
    assert not report.update_readme(readme, res.load(FIXTURE))
    assert readme.read_text() == "# Title\n"


def test_figures_from_a_modified_checkout_say_so_on_the_page_and_in_the_readme():
    data = res.load(FIXTURE)
    data["environment"].update(git_commit="a" * 40, git_dirty=False)
    clean_page = report.to_markdown(report.blocks(data))
    assert "modified checkout" not in clean_page
    assert "Measured at commit aaaaaaaaaaaa." in report.readme_summary(data)
    data["environment"]["git_dirty"] = True
    assert "**Measured on a modified checkout**: commit aaaaaaaaaaaa plus" in report.to_markdown(
        report.blocks(data)
    )
    summary = report.readme_summary(data)
    assert "modified checkout" in summary
    assert "Measured at commit aaaaaaaaaaaa." not in summary


def test_a_smoke_run_is_titled_as_one():
    data = res.load(FIXTURE)
    data["config"]["smoke"] = True
    page = report.to_markdown(report.blocks(data))
    assert "# Benchmark results (SMOKE RUN)" in page
    assert "The figures mean nothing" in page
