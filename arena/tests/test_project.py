import pytest

from arena import project


def test_every_implementation_declares_how_it_is_served():
    impls = project.available()
    assert [impl.name for impl in impls] == list(project.IMPLEMENTATIONS)
    assert len({impl.port for impl in impls}) == len(impls)
    for impl in impls:
        assert impl.default_server in impl.servers
        command = impl.server_command(None, "127.0.0.1", 9999, 3)
        assert "9999" in command
        assert "3" in command


def test_unknown_server_names_the_choices():
    impl = project.implementation("fastapi")
    with pytest.raises(project.ProjectError, match="choose one of: granian, uvicorn"):
        impl.server_command("tornado", "127.0.0.1", 1, 1)


def test_unknown_implementation_is_a_clear_error():
    with pytest.raises(project.ProjectError, match="choose from fastapi, flask, drf"):
        project.implementation("bottle")


def test_no_setup_step_creates_logins_only_demo_steps_may():
    # Set-up runs on any database (DATABASE_URL included); a demo login must not.
    for impl in project.available():
        assert not any("admin" in step for step in impl.setup), impl.name
    assert any("--demo-database" in step for step in project.implementation("drf").demo_setup)


def test_pages_beyond_docs_are_declared():
    assert project.implementation("drf").pages == {"redoc": "/redoc", "admin": "/admin/login/"}
    assert project.implementation("fastapi").pages == {"redoc": "/redoc"}
