from arena import contract

NAMES = ["fastapi", "flask", "drf"]

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest">
  <testcase classname="contract_tests.test_items" name="test_price_int_only[fastapi-string]"/>
  <testcase classname="contract_tests.test_items" name="test_price_int_only[flask-string]">
    <failure message="expected 422">...</failure>
  </testcase>
  <testcase classname="contract_tests.test_health" name="test_health_ok[drf]"/>
  <testcase classname="contract_tests.test_health" name="test_database_down[drf]">
    <skipped message="no --down-base-url"/>
  </testcase>
  <testcase classname="contract_tests.test_cross_impl" name="test_token_portable[fastapi->flask]"/>
</testsuite></testsuites>
"""


def test_parametrised_ids_map_to_their_implementation():
    assert contract.implementation_of("test_x[fastapi-string]", NAMES) == "fastapi"
    assert contract.implementation_of("test_x[drf]", NAMES) == "drf"
    assert contract.implementation_of("test_x[flask-drf]", NAMES) == "cross"
    assert contract.implementation_of("test_x[fastapi->drf]", NAMES) == "cross"
    assert contract.implementation_of("test_unparametrised", NAMES) == "?"


def test_names_match_whole_words_only():
    assert contract.implementation_of("test_x[flasky]", NAMES) == "?"


def test_summary_counts_per_implementation(tmp_path):
    junit = tmp_path / "junit.xml"
    junit.write_text(JUNIT)
    outcomes = contract.summarise(junit, NAMES)
    assert (outcomes["fastapi"].passed, outcomes["fastapi"].failed) == (1, 0)
    assert (outcomes["flask"].passed, outcomes["flask"].failed) == (0, 1)
    assert (outcomes["drf"].passed, outcomes["drf"].skipped) == (1, 1)
    assert outcomes["cross"].passed == 1
    assert outcomes["fastapi"].ok
    assert not outcomes["flask"].ok
    assert outcomes["flask"].by_module["test_items"]["failed"] == 1


def test_an_empty_run_is_not_a_pass():
    assert not contract.Outcome().ok


def test_pytest_command_passes_every_target(tmp_path):
    command = contract.pytest_command(
        {"fastapi": "http://a", "flask": "http://b"},
        {"fastapi": "http://c"},
        tmp_path / "j.xml",
        workers=4,
        extra=["-k", "items"],
    )
    assert command[-2:] == ["-k", "items"]
    assert command.count("--base-url") == 2
    assert "fastapi=http://c" in command
    assert command[command.index("-n") + 1] == "4"
