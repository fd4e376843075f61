"""The engine as a state machine: send it a response, read the next message (docs/architecture.md).

No transport and no driver: the test is the driver. ``Engine.run()`` yields ``Send`` and
``Sleep`` messages and takes ``ResponseData`` / ``TransportFailure`` answers; its return
value is the ``RunResult`` (STP-07 success criteria, SA-03 goto, FA-01 end on failure).
"""

from __future__ import annotations

import json
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

import arazzo
from arazzo._run import prepare
from arazzo.engine._messages import Effect, Headers, ResponseData, Send, Sleep, TransportFailure

DOC = Path(__file__).resolve().parents[2] / "docs" / "examples" / "pets.arazzo.yaml"
INPUTS = {"username": "ada", "password": "s3cret-pass", "name": "Rex"}

Machine = Generator[Effect, Any, arazzo.RunResult]


def _start(loop_delay: float = 0.25) -> tuple[Machine, Effect]:
    _, engine = prepare(arazzo.load(DOC), "adopt", INPUTS, loop_delay=loop_delay)
    machine = engine.run()
    return machine, next(machine)


def _json(status: int, body: object) -> ResponseData:
    return ResponseData(status, Headers([("Content-Type", "application/json")]),
                        json.dumps(body).encode(), 0.001)


def _finish(machine: Machine, answer: object) -> arazzo.RunResult:
    with pytest.raises(StopIteration) as stop:
        machine.send(answer)
    result: arazzo.RunResult = stop.value.value
    return result


def test_each_answer_gives_the_next_message_until_the_result() -> None:
    machine, first = _start()
    assert isinstance(first, Send)
    assert (first.step_id, first.request.method) == ("login", "POST")
    assert first.request.url.endswith("/login")
    assert json.loads(first.request.content or b"") == {"user": "ada",
                                                        "password": "s3cret-pass"}

    create = machine.send(_json(200, {"access_token": "tok-1"}))
    assert isinstance(create, Send)
    assert create.step_id == "createPet"
    assert ("Authorization", "Bearer tok-1") in create.request.headers  # the output, used

    poll = machine.send(_json(201, {"id": "7"}))
    assert isinstance(poll, Send)
    assert (poll.step_id, poll.request.method) == ("waitReady", "GET")
    assert poll.request.url.endswith("/pets/7")

    pause = machine.send(_json(200, {"id": "7", "status": "pending"}))  # goto waitReady
    assert pause == Sleep(0.25)                                           # the loop delay
    again = machine.send(None)
    assert isinstance(again, Send)
    assert again.step_id == "waitReady"

    result = _finish(machine, _json(200, {"id": "7", "status": "ready"}))
    assert result.succeeded
    assert result.outputs == {"petId": "7", "status": "ready"}
    assert [s.step_id for s in result.steps] == ["login", "createPet", "waitReady",
                                                 "waitReady"]


def test_a_failed_criterion_ends_the_run_with_its_reason() -> None:
    machine, _ = _start()
    result = _finish(machine, _json(401, {"error": "no"}))
    assert not result.succeeded
    assert result.failure is not None
    assert (result.failure.kind, result.failure.step_id) == ("criteria", "login")
    assert result.failure.criterion == "$statusCode == 200"
    assert result.failure.status_code == 401


def test_a_transport_failure_is_an_answer_not_an_exception() -> None:
    machine, _ = _start()
    result = _finish(machine, TransportFailure("connect", "connection refused"))
    assert result.failure is not None
    assert (result.failure.kind, result.failure.code) == ("transport", "connect")
    assert "connection refused" in result.failure.message

