"""The public API the CLI is built on: ``dry_run``, ``check_run``, ``plan``, ``sources`` and
``source_transport`` (on the documentation's example document)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

import arazzo

EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "pets.arazzo.yaml"
INPUTS = {"username": "ada", "password": "s3cret-pw", "name": "Rex"}


def test_dry_run_builds_the_requests_masked_and_lists_what_needs_a_response() -> None:
    found = arazzo.dry_run(EXAMPLE, "adopt", INPUTS, servers={"pets": "http://127.0.0.1:9"},
                           headers=[(None, "X-Trace", "t-1"), ("pets", "X-Key", "***")])
    assert found.workflow_id == "adopt"
    assert found.depends_on == ()
    login, create, wait = found.requests
    assert (login.method, login.url, login.source) == ("POST", "http://127.0.0.1:9/login",
                                                       "pets")
    assert ("User-Agent", "arazzo-python") in login.headers
    assert ("X-Trace", "t-1") in login.headers
    assert ("X-Key", "***") in login.headers
    assert login.body is not None
    assert "s3cret-pw" not in login.body
    assert "***" in login.body
    assert login.unresolved == ()
    assert login.error is None
    assert ("Authorization", "***") in create.headers
    assert [u.to_dict() for u in create.unresolved] == [
        {"in": "header Authorization", "expression": "$steps.login.outputs.token",
         "reason": "needs a response"}]
    assert wait.url is None
    assert wait.error == "path parameter 'petId' has no value (PAR-06)"


def test_check_run_raises_what_run_raises_before_sending() -> None:
    arazzo.check_run(EXAMPLE, "adopt", INPUTS)
    with pytest.raises(arazzo.InputError, match="missing required inputs"):
        arazzo.check_run(EXAMPLE, "adopt", {"username": "ada"})
    with pytest.raises(arazzo.InputError, match="no workflow 'nope'"):
        arazzo.dry_run(EXAMPLE, "nope", INPUTS)


def test_plan_lists_the_steps_a_run_takes() -> None:
    planned = arazzo.plan(EXAMPLE)
    assert planned.workflow_id == "adopt"
    assert [s.step_id for s in planned.steps] == ["login", "createPet", "waitReady"]
    wait = planned.steps[2]
    assert wait.operation == arazzo.PlannedOperation("GET", "/pets/{petId}", "pets", "getPet",
                                                     "https://pets.example.com/v1")
    assert wait.parameters == ("path:petId", "header:Authorization")
    (action,) = wait.on_success
    assert (action.name, action.type, action.step_id) == ("notYet", "goto", "waitReady")
    assert action.criteria == (arazzo.PlannedCriterion("$response.body#/status == 'pending'",
                                                       "simple"),)


def test_sources_lists_descriptions_and_operations() -> None:
    (pets,) = arazzo.sources(EXAMPLE)
    assert (pets.name, pets.type, pets.loaded, pets.error) == ("pets", "openapi", True, None)
    assert arazzo.OperationInfo("GET", "/pets/{petId}", "getPet") in pets.operations
    assert pets.document is not None
    assert pets.document.endswith("pets.arazzo.yaml")


def test_source_transport_is_the_default_httpx_transport() -> None:
    assert isinstance(arazzo.source_transport(EXAMPLE, "pets"), httpx.HTTPTransport)
