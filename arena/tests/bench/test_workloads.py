import sys
from importlib.resources import files

from arena.bench import workloads


def test_every_module_of_the_package_is_a_registered_workload():
    found = workloads.registered()
    assert [w.name for w in found][:2] == ["crud", "ladder"]
    assert [w.order for w in found] == sorted(w.order for w in found)
    templates = files("arena.bench") / "templates" / "workloads"
    for workload in found:
        assert (templates / f"{workload.name}.md.j2").is_file(), workload.name
        assert workloads.by_name(workload.name) is workload


def test_a_new_module_is_found_without_editing_a_list(tmp_path, monkeypatch):
    (tmp_path / "extra.py").write_text(
        "class Extra:\n    name = 'extra'\n    title = 'x'\n    order = 99\n\nWORKLOAD = Extra()\n"
    )
    monkeypatch.setattr(workloads, "__path__", [*workloads.__path__, str(tmp_path)])
    monkeypatch.delitem(sys.modules, "arena.bench.workloads.extra", raising=False)
    try:
        assert [w.name for w in workloads.registered()][-1] == "extra"
    finally:
        sys.modules.pop("arena.bench.workloads.extra", None)
