"""Shared data for the command line tests (named apart from ``conftest`` to avoid clashes)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server import Reply, ScriptedServer

DATA = Path(__file__).resolve().parent / "data"
ROOT = Path(__file__).resolve().parents[2]
PETS = DATA / "pets.arazzo.yaml"
FLAGSHIP = ROOT / "specs" / "amazon-sagemaker" / "arazzo" / \
    "amazon-sagemaker-train-then-deploy-workflow.yml"
FLAGSHIP_INPUTS = ROOT / "specs" / "amazon-sagemaker" / "inputs.emulator.json"

#: secret values the reports and outputs must never contain
PASSWORD = "hunter2-very-secret"
TOKEN = "tok-abcdef-123456"
PETS_INPUTS = {"username": "ada", "password": PASSWORD, "name": "Rex"}


def script_pets(server: ScriptedServer, *, ready_after: int = 1, fail_create: bool = False
                ) -> None:
    """login -> token; createPet -> id 7 (or 500); getPet -> pending x N then ready."""
    server.route("POST", "/login", Reply(200, json={"access_token": TOKEN, "user": "ada"}))
    if fail_create:
        server.route("POST", "/pets", Reply(500, json={"code": "Boom", "message": "no pets"}))
    else:
        server.route("POST", "/pets", Reply(201, json={"id": "7", "name": "Rex"}))
    replies = [Reply(200, json={"id": "7", "status": "pending"})] * (ready_after - 1)
    server.route("GET", "/pets/{petId}", *replies, Reply(200, json={"id": "7",
                                                                     "status": "ready"}))
