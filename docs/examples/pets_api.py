"""A fake Pets API for the documentation's examples: an ``httpx.MockTransport``.

``pet_api()`` answers login, createPet and getPet (``pending`` twice, then ``ready``).
"""

from __future__ import annotations

import json

import httpx


def pet_api() -> httpx.MockTransport:
    polls = {"count": 0}

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/login"):
            return httpx.Response(200, json={"access_token": "tok-123"})
        if request.method == "POST":
            return httpx.Response(201, json={"id": "7", **json.loads(request.content)})
        polls["count"] += 1
        status = "ready" if polls["count"] >= 3 else "pending"
        return httpx.Response(200, json={"id": "7", "status": status})

    return httpx.MockTransport(handle)
