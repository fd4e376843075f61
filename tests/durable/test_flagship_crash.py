"""The flagship as a durable run that really crashes: ``python -m arazzo run FLAGSHIP --run-id R
--store sqlite:///...`` in a subprocess, killed with SIGKILL, then run again.

The SageMaker emulator runs in *this* process (moto on loopback, signatures checked, every
``X-Amz-Target`` counted), so it outlives the killed client; the subprocess reaches it with
``--server sagemakerApi=URL`` and the emulator's IAM key in ``AWS_ACCESS_KEY_ID`` /
``AWS_SECRET_ACCESS_KEY``.

What the emulator's staging implies: ``DescribeTrainingJob`` answers ``InProgress`` for the
first ``training_polls`` describes *it processes* of a job and ``Completed`` after, so the run
stops polling at the emulator's ``training_polls + 1``-th describe however many answers the
killed process lost. A describe the emulator processed whose answer was not recorded (in
flight at the kill) is sent again on resume (a read is idempotent) and moves the staging on:
it is one of the ``training_polls + 1``, and the store then holds one answer fewer than the
emulator sent.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import arazzo.runs
from arazzo.aws import SageMakerEmulator
from arazzo.durable._store import closing_stores

pytestmark = pytest.mark.emulator

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "specs" / "amazon-sagemaker"
WORKFLOW = SPECS / "arazzo" / "amazon-sagemaker-train-then-deploy-workflow.yml"
OPENAPI = SPECS / "openapi" / "amazon-sagemaker-openapi.yml"
EMULATOR_INPUTS = SPECS / "inputs.emulator.json"

TRAINING_POLLS = 6
ENDPOINT_POLLS = 1
LOOP_DELAY = "0.2"
RUN_ID = "flagship-crash"
POLL_STEP = "train-then-deploy/pollTrainingJob"
MODEL_STEP = "train-then-deploy/createModel"

CREATE_JOB = "SageMaker.CreateTrainingJob"
DESCRIBE_JOB = "SageMaker.DescribeTrainingJob"
CREATE_MODEL = "SageMaker.CreateModel"
DESCRIBE_MODEL = "SageMaker.DescribeModel"
CREATE_CONFIG = "SageMaker.CreateEndpointConfig"
CREATE_ENDPOINT = "SageMaker.CreateEndpoint"
DESCRIBE_ENDPOINT = "SageMaker.DescribeEndpoint"


# -- fixtures ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def emulator() -> Iterator[SageMakerEmulator]:
    with SageMakerEmulator(training_polls=TRAINING_POLLS, endpoint_polls=ENDPOINT_POLLS) as emu:
        yield emu


@pytest.fixture
def emu(emulator: SageMakerEmulator) -> Iterator[SageMakerEmulator]:
    """The module's emulator with this module's staging and no recorded calls (tests use
    unique resource names: moto's state lives as long as the module)."""
    emulator.training_polls, emulator.endpoint_polls = TRAINING_POLLS, ENDPOINT_POLLS
    emulator.reset_records()
    yield emulator
    emulator.training_polls, emulator.endpoint_polls = TRAINING_POLLS, ENDPOINT_POLLS
    emulator.reset_records()


@pytest.fixture
def flagship(tmp_path: Path, emu: SageMakerEmulator) -> Flagship:
    return Flagship(tmp_path, emu)


def _hold_answer(monkeypatch: pytest.MonkeyPatch, method: str, nth: int = 1
                 ) -> tuple[threading.Event, threading.Event]:
    """moto's ``nth`` call of ``method`` does its work (makes the resource, advances the
    staging), sets ``processed``, then holds its answer until ``release`` (10 s at most):
    the client is killed with the work done and no answer recorded."""
    from moto.sagemaker import models

    processed, release = threading.Event(), threading.Event()
    original = getattr(models.SageMakerModelBackend, method)  # the emulator's (staged)
    calls = Counter[str]()

    def held(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        calls[method] += 1
        if calls[method] == nth:
            processed.set()
            release.wait(10)
        return result

    monkeypatch.setattr(models.SageMakerModelBackend, method, held)
    return processed, release


class Flagship:
    """The CLI command of one durable flagship run against ``emu`` (unique resource names,
    a SQLite store in ``tmp_path``, no AWS configuration but the emulator's key)."""

    def __init__(self, tmp_path: Path, emu: SageMakerEmulator,
                 document: Path = WORKFLOW) -> None:
        self.tmp_path = tmp_path
        self.emu = emu
        self.document = document
        self.store = f"sqlite:///{tmp_path / 'runs.sqlite'}"
        data: dict[str, Any] = json.loads(EMULATOR_INPUTS.read_text())
        tag = uuid.uuid4().hex[:8]
        for key in ("trainingJobName", "modelName", "endpointConfigName", "endpointName"):
            data[key] = f"{data[key]}-{tag}"
        self.inputs = data
        self.inputs_file = tmp_path / "inputs.json"
        self.inputs_file.write_text(json.dumps(data))
        home = tmp_path / "home"
        home.mkdir(exist_ok=True)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("AWS_", "ARAZZO_"))}
        env.update(PYTHONPATH=str(ROOT), HOME=str(home),
                   AWS_ACCESS_KEY_ID=emu.credentials.access_key_id,
                   AWS_SECRET_ACCESS_KEY=emu.credentials.secret_access_key,
                   AWS_DEFAULT_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true",
                   AWS_CONFIG_FILE=str(home / "config"),
                   AWS_SHARED_CREDENTIALS_FILE=str(home / "credentials"))
        self.env = env

    def command(self, *extra: str) -> list[str]:
        return [sys.executable, "-m", "arazzo", "run", str(self.document),
                "--inputs", f"@{self.inputs_file}",
                "--server", f"sagemakerApi={self.emu.endpoint_url}",
                "--loop-delay", LOOP_DELAY, "--format", "json",
                "--run-id", RUN_ID, "--store", self.store, *extra]

    def run(self, *extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.command(*extra), capture_output=True, text=True,
                              cwd=self.tmp_path, env=self.env, timeout=60, check=False)

    def start(self) -> subprocess.Popen[str]:
        return subprocess.Popen(self.command(), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, cwd=self.tmp_path,
                                env=self.env)

    def kill_when(self, process: subprocess.Popen[str], ready: Callable[[], bool],
                  timeout: float = 20.0) -> None:
        """SIGKILL ``process`` as soon as ``ready()``; wait for it and for the emulator to
        finish what it was processing."""
        end = time.monotonic() + timeout
        try:
            while not ready():
                if process.poll() is not None:
                    out, err = process.communicate()
                    pytest.fail(f"the run ended (exit {process.returncode}) before it was "
                                f"killed:\n{out}\n{err}")
                if time.monotonic() > end:
                    pytest.fail("the run did not get to the point of the kill in time")
                time.sleep(0.005)
        except BaseException:
            process.kill()
            process.communicate()
            raise
        os.kill(process.pid, signal.SIGKILL)
        process.communicate(timeout=10)
        assert process.returncode == -signal.SIGKILL
        time.sleep(0.3)  # a request the emulator was processing is counted by now

    def show(self) -> arazzo.runs.RunInfo:
        with closing_stores():
            return arazzo.runs.show(RUN_ID, self.store)

    def count(self, target: str) -> int:
        return self.emu.operations.count(target)

    def wait_count(self, target: str, n: int, timeout: float = 5.0) -> None:
        """Until the emulator has recorded ``n`` calls of ``target`` (a held answer that was
        released is recorded when its handler returns)."""
        end = time.monotonic() + timeout
        while self.count(target) < n and time.monotonic() < end:
            time.sleep(0.01)


def _answers(info: arazzo.runs.RunInfo) -> Counter[str]:
    counted: Counter[str] = Counter()
    for step, answers in info.steps:
        counted[step] += answers
    return counted


def _result(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    assert result["outputs"]["endpointStatus"] == "InService"
    return result


def _expected_outputs(flagship: Flagship) -> dict[str, str]:
    arn = "arn:aws:sagemaker:us-east-1:123456789012"
    names = flagship.inputs
    return {
        "trainingJobArn": f"{arn}:training-job/{names['trainingJobName']}",
        "modelArtifacts": (f"{names['s3OutputPath']}/{names['trainingJobName']}"
                           f"/output/model.tar.gz"),
        "modelArn": f"{arn}:model/{names['modelName']}",
        "endpointArn": f"{arn}:endpoint/{names['endpointName']}",
        "endpointStatus": "InService",
    }


# -- 1 and 2: killed mid-poll, resumed; a finished run sends nothing -----------------------

def _asleep(flagship: Flagship) -> bool:
    """Two describes answered and recorded, none in flight: the run sleeps between polls."""
    try:
        info = flagship.show()
    except arazzo.runs.RunNotFound:  # not started yet
        return False
    return _answers(info)[POLL_STEP] >= 2 and info.in_flight is None


@pytest.mark.parametrize("when", ["in-flight", "asleep"])
def test_killed_mid_poll_resumes_then_replays_without_sending(
        flagship: Flagship, emu: SageMakerEmulator, monkeypatch: pytest.MonkeyPatch,
        when: str) -> None:
    """Killed while the emulator holds the answer of the 2nd describe it processed (in
    flight), or once 2 answers are recorded (asleep in the loop delay)."""
    processed, release = _hold_answer(monkeypatch, "describe_training_job", nth=2)
    if when == "asleep":
        release.set()
    process = flagship.start()
    try:
        flagship.kill_when(process, processed.is_set if when == "in-flight"
                           else lambda: _asleep(flagship))
    finally:
        release.set()
    flagship.wait_count(DESCRIBE_JOB, 2)

    described_before = flagship.count(DESCRIBE_JOB)
    stopped = flagship.show()
    assert stopped.status == "running"  # as the dead process left it
    recorded_before = _answers(stopped)[POLL_STEP]
    lost = described_before - recorded_before  # processed by the emulator, not recorded
    assert lost in (0, 1), (described_before, stopped)
    if when == "in-flight":
        assert (described_before, lost) == (2, 1)
    if lost:
        assert stopped.in_flight is not None
        assert stopped.in_flight["step"] == POLL_STEP
        assert stopped.in_flight["policy"] == "idempotent"
    assert emu.operations == [CREATE_JOB] + [DESCRIBE_JOB] * described_before

    done = flagship.run()
    result = _result(done)
    assert result["outputs"] == _expected_outputs(flagship)
    ops = Counter(emu.operations)
    assert ops == {CREATE_JOB: 1, DESCRIBE_JOB: TRAINING_POLLS + 1, CREATE_MODEL: 1,
                   CREATE_CONFIG: 1, CREATE_ENDPOINT: 1, DESCRIBE_ENDPOINT: ENDPOINT_POLLS + 1}
    assert all(call.status == 200 for call in emu.calls)
    finished = flagship.show()
    assert finished.status == "succeeded"
    assert finished.in_flight is None
    assert finished.outputs == result["outputs"]
    answers = _answers(finished)
    # the store holds every answer the run used; a lost one was never recorded
    assert answers[POLL_STEP] == TRAINING_POLLS + 1 - lost
    assert answers["train-then-deploy/pollEndpoint"] == ENDPOINT_POLLS + 1
    print(f"\n{when}: describes: {described_before} before the kill ({recorded_before} recorded, "
          f"{lost} lost in flight), {TRAINING_POLLS + 1 - described_before} after, "
          f"{TRAINING_POLLS + 1} in all")

    # 2. the same command once more: the finished run's result, nothing sent
    seen = len(emu.operations)
    again = flagship.run()
    assert _result(again)["outputs"] == result["outputs"]
    assert len(emu.operations) == seen
    assert flagship.show().updated == finished.updated


def test_killed_twice_mid_poll(flagship: Flagship, emu: SageMakerEmulator) -> None:
    """The resumed run is killed too (its answers merge into the entry the first attempt
    left: the same InProgress answer again); the third attempt finishes."""
    flagship.kill_when(flagship.start(), lambda: flagship.count(DESCRIBE_JOB) >= 2)
    first = flagship.count(DESCRIBE_JOB)
    flagship.kill_when(flagship.start(), lambda: flagship.count(DESCRIBE_JOB) >= first + 2)
    second = flagship.count(DESCRIBE_JOB)
    stopped = flagship.show()
    lost = second - _answers(stopped)[POLL_STEP]
    assert 0 <= lost <= 2
    assert stopped.log_entries == 2  # the create, the InProgress answers (compacted)

    result = _result(flagship.run())
    assert result["outputs"] == _expected_outputs(flagship)
    assert Counter(emu.operations) == {
        CREATE_JOB: 1, DESCRIBE_JOB: TRAINING_POLLS + 1, CREATE_MODEL: 1, CREATE_CONFIG: 1,
        CREATE_ENDPOINT: 1, DESCRIBE_ENDPOINT: ENDPOINT_POLLS + 1}
    finished = flagship.show()
    assert finished.status == "succeeded"
    assert _answers(finished)[POLL_STEP] == TRAINING_POLLS + 1 - lost
    print(f"\nkilled twice: describes {first}, then {second}, {lost} lost, "
          f"{TRAINING_POLLS + 1} in all")


# -- 3: the document changed while the run was stopped ------------------------------------

@pytest.mark.parametrize("edited", ["workflow", "openapi"])
def test_changed_document_is_refused_then_forced(
        tmp_path: Path, emu: SageMakerEmulator, edited: str) -> None:
    document = tmp_path / "specs" / "arazzo" / WORKFLOW.name
    openapi = tmp_path / "specs" / "openapi" / OPENAPI.name
    document.parent.mkdir(parents=True)
    openapi.parent.mkdir(parents=True)
    shutil.copy(WORKFLOW, document)  # its source is ../openapi/amazon-sagemaker-openapi.yml
    shutil.copy(OPENAPI, openapi)
    flagship = Flagship(tmp_path, emu, document)
    process = flagship.start()
    flagship.kill_when(process, lambda: flagship.count(DESCRIBE_JOB) >= 2)
    described_before = flagship.count(DESCRIBE_JOB)

    # a harmless change: a description (no request depends on it)
    path = document if edited == "workflow" else openapi
    text = path.read_text()
    old = ("Describe the training job to read its current status." if edited == "workflow"
           else "Amazon SageMaker Service regional endpoint.")
    assert old in text
    path.write_text(text.replace(old, "Edited while the run was stopped."))

    refused = flagship.run()
    assert refused.returncode != 0
    assert "changed since the run started" in refused.stderr
    assert "--force" in refused.stderr
    assert refused.stdout == ""
    assert flagship.count(DESCRIBE_JOB) == described_before  # nothing was sent
    assert len(emu.operations) == 1 + described_before
    assert flagship.show().status == "running"

    forced = flagship.run("--force")
    assert _result(forced)["outputs"] == _expected_outputs(flagship)
    assert Counter(emu.operations) == {
        CREATE_JOB: 1, DESCRIBE_JOB: TRAINING_POLLS + 1, CREATE_MODEL: 1, CREATE_CONFIG: 1,
        CREATE_ENDPOINT: 1, DESCRIBE_ENDPOINT: ENDPOINT_POLLS + 1}
    assert flagship.show().status == "succeeded"


def test_changed_request_is_refused_even_forced(tmp_path: Path, emu: SageMakerEmulator) -> None:
    """A change that alters a recorded request: --force resumes the replay, which stops at
    the first request that differs from the recorded one; nothing is sent."""
    document = tmp_path / "specs" / "arazzo" / WORKFLOW.name
    document.parent.mkdir(parents=True)
    (tmp_path / "specs" / "openapi").mkdir()
    shutil.copy(WORKFLOW, document)
    shutil.copy(OPENAPI, tmp_path / "specs" / "openapi" / OPENAPI.name)
    flagship = Flagship(tmp_path, emu, document)
    process = flagship.start()
    flagship.kill_when(process, lambda: flagship.count(DESCRIBE_JOB) >= 2)
    seen = len(emu.operations)

    text = document.read_text()
    old = "        TrainingJobName: $inputs.trainingJobName\n    successCriteria:"
    assert text.count(old) == 1  # the body of pollTrainingJob's DescribeTrainingJob
    document.write_text(text.replace(old, old.replace(
        "\n    successCriteria:", "\n        Edited: true\n    successCriteria:")))

    refused = flagship.run()
    assert refused.returncode != 0
    assert "changed since the run started" in refused.stderr
    forced = flagship.run("--force")
    assert forced.returncode != 0
    assert ("step train-then-deploy/pollTrainingJob's request (POST ") in forced.stderr, \
        forced.stderr
    assert "is not the one recorded" in forced.stderr
    assert len(emu.operations) == seen
    stopped = flagship.show()
    assert stopped.status == "error"
    assert stopped.error is not None
    assert "is not the one recorded" in stopped.error


# -- 4: killed while a Create was in flight (processed, not recorded) ---------------------

#: the flagship's calls with training_polls=1, endpoint_polls=1
NORMAL = [CREATE_JOB, DESCRIBE_JOB, DESCRIBE_JOB, CREATE_MODEL, CREATE_CONFIG, CREATE_ENDPOINT,
          DESCRIBE_ENDPOINT, DESCRIBE_ENDPOINT]
#: per Create: moto's backend method, the Describe that resolves it, the step, the list call
#: and its key
CREATES = {
    CREATE_JOB: ("create_training_job", DESCRIBE_JOB, "createTrainingJob",
                 "list_training_jobs", "TrainingJobSummaries", "TrainingJobName"),
    CREATE_MODEL: ("create_model", DESCRIBE_MODEL, "createModel", "list_models", "Models",
                   "ModelName"),
    CREATE_CONFIG: ("create_endpoint_config", "SageMaker.DescribeEndpointConfig",
                    "createEndpointConfig", "list_endpoint_configs", "EndpointConfigs",
                    "EndpointConfigName"),
    CREATE_ENDPOINT: ("create_endpoint", DESCRIBE_ENDPOINT, "createEndpoint",
                      "list_endpoints", "Endpoints", "EndpointName"),
}


def _resumed_calls(create: str) -> list[str]:
    """What the resumed run sends: the Create again (400 "already exists"), its Describe,
    then the rest of the flow; a Describe the flow polls anyway (training job, endpoint)
    advances the emulator's staging, so the flow polls once less."""
    describe = CREATES[create][1]
    rest = NORMAL[NORMAL.index(create) + 1:]
    if describe in rest:
        rest.remove(describe)
    return [create, describe, *rest]


@pytest.mark.parametrize("create", list(CREATES), ids=lambda c: c.rsplit(".", 1)[-1])
def test_killed_with_a_create_in_doubt_is_resolved(
        flagship: Flagship, emu: SageMakerEmulator, monkeypatch: pytest.MonkeyPatch,
        create: str) -> None:
    import boto3

    method, _, step_id, lister, key, field = CREATES[create]
    step = f"train-then-deploy/{step_id}"
    emu.training_polls, emu.endpoint_polls = 1, 1
    client = boto3.client(
        "sagemaker", region_name="us-east-1", endpoint_url=emu.endpoint_url,
        aws_access_key_id=emu.credentials.access_key_id,
        aws_secret_access_key=emu.credentials.secret_access_key)

    def names() -> set[str]:
        return {str(item[field]) for item in getattr(client, lister)(MaxResults=100)[key]}

    before = names()
    emu.reset_records()
    processed, release = _hold_answer(monkeypatch, method)
    process = flagship.start()
    try:
        flagship.kill_when(process, processed.is_set)
    finally:
        release.set()
    flagship.wait_count(create, 1)

    upto = NORMAL.index(create) + 1
    assert emu.operations == NORMAL[:upto]
    stopped = flagship.show()
    assert stopped.in_flight is not None
    assert stopped.in_flight["step"] == step
    assert stopped.in_flight["policy"] == "resolve"
    assert step not in _answers(stopped)

    done = flagship.run()
    result = _result(done)
    assert result["outputs"] == _expected_outputs(flagship)
    # the re-sent Create is refused ("already existing"), the resource described instead
    assert emu.operations[upto:] == _resumed_calls(create)
    assert [c.status for c in emu.calls if c.target == create] == [200, 400]
    assert Counter(emu.operations)[DESCRIBE_JOB] == 2  # training_polls + 1, however sent
    assert Counter(emu.operations)[DESCRIBE_ENDPOINT] == 2  # endpoint_polls + 1
    # exactly one resource made: the first Create's
    assert names() - before == {flagship.inputs[field[0].lower() + field[1:]]}

    finished = flagship.show()
    assert finished.status == "succeeded"
    assert finished.in_flight is None
    assert finished.outputs == result["outputs"]
    assert _answers(finished)[step] == 1
    # the answer recorded for the Create is the resource's ARN, as the first call's was
    step_result = next(s for s in result["steps"] if s["stepId"] == step_id)
    arn = next(iter(step_result["outputs"].values()))
    assert arn.endswith(f"/{flagship.inputs[field[0].lower() + field[1:]]}")
