"""Starting and stopping the emulator restores moto, werkzeug and the IAM state."""

from __future__ import annotations

import logging
import sys

import httpx
import pytest
from _aws_helpers import call, training_request, unique

from arazzo.aws import EmulatorError, SageMakerEmulator

pytestmark = pytest.mark.emulator

PATCHED = ("describe_training_job", "describe_endpoint", "create_training_job",
           "create_model", "create_endpoint_config", "create_endpoint")


def test_exit_restores_everything() -> None:
    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.sagemaker import models

    backend_cls = models.SageMakerModelBackend
    originals = {name: vars(backend_cls)[name] for name in PATCHED}
    auth = settings.INITIAL_NO_AUTH_ACTION_COUNT
    werkzeug = logging.getLogger("werkzeug")
    werkzeug.setLevel(logging.INFO)

    moto_level = logging.getLogger("moto").level
    with SageMakerEmulator(training_polls=1) as emu:
        assert werkzeug.level == logging.ERROR
        assert logging.getLogger("moto").level == logging.WARNING
        assert settings.INITIAL_NO_AUTH_ACTION_COUNT == 3
        assert all(vars(backend_cls)[name] is not originals[name] for name in PATCHED)
        with httpx.Client(transport=emu.transport(), base_url=emu.endpoint_url) as client:
            assert call(client, "CreateTrainingJob",
                        training_request(unique("job"))).status_code == 200
        backend = models.sagemaker_backends["123456789012"]["us-east-1"]
        assert backend.training_jobs

    assert all(vars(backend_cls)[name] is originals[name] for name in PATCHED)
    assert auth == settings.INITIAL_NO_AUTH_ACTION_COUNT
    assert ActionAuthenticatorMixin.request_count >= 0
    assert werkzeug.level == logging.INFO
    assert logging.getLogger("moto").level == moto_level
    assert not models.sagemaker_backends["123456789012"]["us-east-1"].training_jobs
    werkzeug.setLevel(logging.NOTSET)


def test_without_signature_checks_any_key_works() -> None:
    from arazzo.aws import AwsCredentials

    with SageMakerEmulator(check_signatures=False) as emu:
        transport = emu.transport(credentials=AwsCredentials("AKIAANY0000000000000", "x"))
        with httpx.Client(transport=transport, base_url=emu.endpoint_url) as client:
            assert call(client, "ListModels", {}).status_code == 200


def test_missing_moto_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "moto.server", None)
    with pytest.raises(EmulatorError, match=r"pip install 'arazzo\[emulator\]'"):
        SageMakerEmulator().start()
    # and the lock was not taken
    monkeypatch.undo()
    with SageMakerEmulator(check_signatures=False) as emu:
        assert emu.endpoint_url.startswith("http://127.0.0.1:")
