"""AWS options of ``arazzo run``: ``--emulator`` and explicit AWS settings.

``_cli_run`` calls :func:`add_run_arguments` when it builds its parser and enters
:func:`run_overrides` around the run; everything AWS-specific stays here.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from arazzo._loading import Document

__all__ = ["RunOverrides", "add_run_arguments", "run_overrides"]

#: seconds between polls against the local emulator (its staged phases are a few describes)
EMULATOR_LOOP_DELAY = 0.2


@dataclass
class RunOverrides:
    """What the AWS options contribute to a run."""

    servers: dict[str, str] = field(default_factory=dict)
    transports: dict[str, Any] = field(default_factory=dict)
    loop_delay: float | None = None


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("AWS")
    group.add_argument(
        "--emulator", action="store_true",
        help="run against a local SageMaker emulator (moto, in-process on loopback, SigV4 "
             "checked): every source whose OpenAPI declares SigV4 for sagemaker is sent there. "
             "Needs: pip install 'arazzo[emulator]'")


def _sigv4_sources(document: Document, service: str) -> list[str]:
    from arazzo._loading import OpenAPISource
    from arazzo.aws import detect_sigv4

    names = []
    for doc in document.iter_documents():
        for name, source in doc.sources.items():
            if isinstance(source, OpenAPISource):
                hint = detect_sigv4(source.raw)
                if hint is not None and hint.service in (service, None):
                    names.append(name)
    return names


@contextlib.contextmanager
def run_overrides(args: argparse.Namespace, document: Document) -> Iterator[RunOverrides]:
    """Start what the AWS options ask for (the emulator) for the duration of one run."""
    if not getattr(args, "emulator", False):
        yield RunOverrides()
        return
    from arazzo.aws.emulator import SageMakerEmulator

    names = _sigv4_sources(document, "sagemaker")
    if not names:
        from arazzo._exceptions import InputError

        raise InputError("--emulator: no source description of this document declares SigV4 "
                         "signing for sagemaker, so nothing would be sent to the emulator")
    with SageMakerEmulator() as emulator:
        if not getattr(args, "quiet", False) and getattr(args, "format", "text") == "text":
            print(f"emulator: SageMaker on {emulator.endpoint_url} (moto, SigV4 checked)",
                  file=sys.stderr)
        transport = emulator.transport()
        try:
            yield RunOverrides(
                servers=dict.fromkeys(names, emulator.endpoint_url),
                transports=dict.fromkeys(names, transport),
                loop_delay=EMULATOR_LOOP_DELAY,
            )
        finally:
            transport.close()
