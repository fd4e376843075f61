"""AWS options of ``arazzo run``: ``--emulator`` (and its staging), ``--aws-region``,
``--aws-profile``, ``--sigv4``.

``arazzo run`` reaches these through the AWS provider's ``cli`` (:class:`AwsCliOptions`):
it calls :meth:`~AwsCliOptions.add_arguments` when it builds its parser and enters
:meth:`~AwsCliOptions.overrides` around the run; everything AWS-specific stays here, on the
public API only.

- Without ``--emulator``, every source whose OpenAPI declares SigV4 is signed with the
  botocore credential chain (``--aws-profile`` picks a profile) and, unless ``--server``
  names it, sent to its ``{region}`` server for ``--aws-region`` (else botocore's configured
  region: ``AWS_DEFAULT_REGION``, the profile's ``region``; see ``arazzo.aws._region``).
  SigV4 retries (throttling) are reported on stderr.
- ``--sigv4 SOURCE[=SERVICE[:REGION]]`` signs a source whose OpenAPI does not declare SigV4
  (e.g. a hand-written or third-party description without ``securitySchemes``); SERVICE
  defaults to the signing name inferred from the host, REGION to the host's, then
  ``--aws-region`` / botocore's configured region.
- With ``--emulator``, those sources go to an in-process SageMaker emulator (moto on
  loopback, signatures checked) whose lifecycle the ``--emulator-*`` options stage, for demos
  and tests (``docs/flagship.md``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from arazzo import Document
    from arazzo.aws._retry import RetryEvent

__all__ = [
    "EMULATOR_LOOP_DELAY",
    "AwsCliOptions",
    "RunOverrides",
    "add_run_arguments",
    "forced_sigv4",
    "regional_cli_servers",
    "run_overrides",
]

#: seconds between polls against the local emulator (its staged phases are a few describes)
EMULATOR_LOOP_DELAY = 0.2


@dataclass
class RunOverrides:
    """What the AWS options contribute to a run."""

    servers: dict[str, str] = field(default_factory=dict)
    transports: dict[str, Any] = field(default_factory=dict)
    loop_delay: float | None = None


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def _throttle(text: str) -> tuple[str, int]:
    operation, sep, count = text.partition("=")
    if not operation:
        raise argparse.ArgumentTypeError(f"takes OPERATION[=K], got {text!r}")
    return operation.rsplit(".", 1)[-1], _non_negative_int(count) if sep else 1


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "AWS", "Sources whose OpenAPI declares SigV4 are signed with the botocore credential "
               "chain and sent to their {region} server for the configured region.")
    group.add_argument(
        "--aws-region", metavar="REGION",
        help="region for SigV4 sources without --server (default: AWS_DEFAULT_REGION, then "
             "the profile's region, then the description's default)")
    group.add_argument(
        "--aws-profile", metavar="NAME",
        help="AWS profile for credentials and region (default: AWS_PROFILE / the chain)")
    group.add_argument(
        "--sigv4", action="append", default=[], metavar="SOURCE[=SERVICE[:REGION]]",
        help="sign the requests of SOURCE with AWS SigV4 even though its OpenAPI does not "
             "declare it (SERVICE: the signing name, default from the host; REGION: default "
             "from the host, then --aws-region / the configured region) (repeatable)")
    group.add_argument(
        "--emulator", action="store_true",
        help="run against a local SageMaker emulator (moto, in-process on loopback, SigV4 "
             "checked): every source whose OpenAPI declares SigV4 for sagemaker is sent there. "
             "Needs: pip install 'arazzo[emulator]'")
    group.add_argument(
        "--emulator-training-polls", type=_non_negative_int, metavar="N", default=2,
        help="emulator staging (demos/tests): DescribeTrainingJob answers InProgress N times "
             "(default 2)")
    group.add_argument(
        "--emulator-training-outcome", choices=("Completed", "Failed", "Stopped"),
        default="Completed", help="emulator staging: the training job's final status")
    group.add_argument(
        "--emulator-endpoint-polls", type=_non_negative_int, metavar="N", default=1,
        help="emulator staging: DescribeEndpoint answers Creating N times (default 1)")
    group.add_argument(
        "--emulator-endpoint-outcome", choices=("InService", "Failed"), default="InService",
        help="emulator staging: the endpoint's final status")
    group.add_argument(
        "--emulator-throttle", type=_throttle, action="append", default=[],
        metavar="OPERATION[=K]",
        help="emulator staging: answer the first K calls of OPERATION with "
             "ThrottlingException (repeatable; the SigV4 transport retries them)")
    group.add_argument(
        "--emulator-log", metavar="FILE",
        help="emulator (tests): write every call it received, [{target, status}...] as "
             "JSON, to FILE when the run ends")


def _text_output(args: argparse.Namespace) -> bool:
    return not getattr(args, "quiet", False) and getattr(args, "format", "text") == "text"


def _retry_printer(args: argparse.Namespace) -> Callable[[RetryEvent], None] | None:
    if not _text_output(args):
        return None

    def report(event: RetryEvent) -> None:
        print(f"aws: {event.describe()}", file=sys.stderr)

    return report


def _given_servers(args: argparse.Namespace) -> set[str]:
    names = set()
    for pair in getattr(args, "server", None) or []:
        name, sep, _ = str(pair).partition("=")
        if sep:
            names.add(name)
    return names


def regional_cli_servers(args: argparse.Namespace, document: Document) -> dict[str, str]:
    """``{source: URL}`` for the SigV4 sources ``--server`` does not name, their ``{region}``
    from ``--aws-region`` / ``--aws-profile`` / botocore's configuration (for ``--dry-run``,
    which shows the URL a real run would call; ``{}`` under ``--emulator``)."""
    if getattr(args, "emulator", False):
        return {}
    from arazzo.aws._region import regional_servers

    region = getattr(args, "aws_region", None)
    profile = getattr(args, "aws_profile", None)
    out = regional_servers(document, region=region, profile=profile,
                           exclude=_given_servers(args))
    openapi = document.reachable_openapi_sources()
    for name, (_, forced_region) in forced_sigv4(args, document).items():
        out.update(regional_servers(document, region=forced_region or region, profile=profile,
                                    exclude=_given_servers(args),
                                    sources={name: openapi[name].raw}))
    return out


def forced_sigv4(args: argparse.Namespace, document: Document
                 ) -> dict[str, tuple[str | None, str | None]]:
    """``--sigv4 SOURCE[=SERVICE[:REGION]]`` as ``{source: (service, region)}``; raises
    ``UsageError`` for a malformed value or an unknown source."""
    from arazzo.cli import UsageError

    pairs = getattr(args, "sigv4", None) or []
    if not pairs:
        return {}
    sources = document.reachable_openapi_sources()
    out: dict[str, tuple[str | None, str | None]] = {}
    for pair in pairs:
        name, sep, rest = str(pair).partition("=")
        service, colon, region = rest.partition(":")
        if not name or (sep and not rest) or (colon and not region):
            raise UsageError(f"--sigv4 takes SOURCE[=SERVICE[:REGION]], got {pair!r}")
        if name not in sources:
            import difflib

            close = difflib.get_close_matches(name, list(sources), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise UsageError(f"--sigv4 {name}: no OpenAPI source description named "
                             f"{name!r}{hint}")
        out[name] = (service or None, region or None)
    return out


@contextlib.contextmanager
def run_overrides(args: argparse.Namespace, document: Document) -> Iterator[RunOverrides]:
    """Set up what the AWS options ask for (the emulator, SigV4 transports, regional
    servers) for the duration of one run."""
    from arazzo.aws._region import sigv4_sources

    if getattr(args, "emulator", False):
        with _emulator(args, document) as overrides:
            yield overrides
        return
    sources = sigv4_sources(document)
    forced = forced_sigv4(args, document)
    if not sources and not forced:
        yield RunOverrides()
        return
    from arazzo.aws._detect import detect_sigv4
    from arazzo.aws._region import regional_servers
    from arazzo.aws._transport import SigV4Transport

    region = getattr(args, "aws_region", None)
    profile = getattr(args, "aws_profile", None)
    given = _given_servers(args)
    auto = {name: raw for name, raw in sources.items() if name not in forced}
    servers = regional_servers(document, region=region, profile=profile,
                               exclude=given, sources=auto) if auto else {}
    on_retry = _retry_printer(args)
    transports: dict[str, Any] = {}
    try:
        for name, raw in auto.items():
            hint = detect_sigv4(raw)
            transports[name] = SigV4Transport(
                service=hint.service if hint else None,
                default_region=(hint.region if hint else None) or region,
                profile=profile, on_retry=on_retry)
        openapi = document.reachable_openapi_sources()
        for name, (service, forced_region) in forced.items():
            # a {region} server variable gets the region too (unless --server names it)
            servers.update(regional_servers(
                document, region=forced_region or region, profile=profile, exclude=given,
                sources={name: openapi[name].raw}))
            transports[name] = SigV4Transport(
                service=service, region=forced_region, default_region=region,
                profile=profile, on_retry=on_retry)
        yield RunOverrides(servers=servers, transports=transports)
    finally:
        for transport in transports.values():
            transport.close()


@contextlib.contextmanager
def _emulator(args: argparse.Namespace, document: Document) -> Iterator[RunOverrides]:
    from arazzo.aws._region import sigv4_sources
    from arazzo.aws.emulator import SageMakerEmulator

    names = list(sigv4_sources(document, "sagemaker"))
    if not names:
        from arazzo import InputError

        raise InputError("--emulator: no source description of this document declares SigV4 "
                         "signing for sagemaker, so nothing would be sent to the emulator")
    throttle = dict(getattr(args, "emulator_throttle", None) or [])
    with SageMakerEmulator(
        training_polls=getattr(args, "emulator_training_polls", 2),
        training_outcome=getattr(args, "emulator_training_outcome", "Completed"),
        endpoint_polls=getattr(args, "emulator_endpoint_polls", 1),
        endpoint_outcome=getattr(args, "emulator_endpoint_outcome", "InService"),
        throttle=throttle,
        region=getattr(args, "aws_region", None) or "us-east-1",
    ) as emulator:
        if _text_output(args):
            staging = (f"training: {emulator.training_polls} x InProgress then "
                       f"{emulator.training_outcome}; endpoint: {emulator.endpoint_polls} x "
                       f"Creating then {emulator.endpoint_outcome}")
            if throttle:
                staging += "; throttled: " + ", ".join(f"{k} x{v}" for k, v in throttle.items())
            print(f"emulator: SageMaker on {emulator.endpoint_url} (moto, SigV4 checked; "
                  f"{staging})", file=sys.stderr)
        transport = emulator.transport(on_retry=_retry_printer(args))
        try:
            yield RunOverrides(
                servers=dict.fromkeys(names, emulator.endpoint_url),
                transports=dict.fromkeys(names, transport),
                loop_delay=EMULATOR_LOOP_DELAY,
            )
        finally:
            transport.close()
            log = getattr(args, "emulator_log", None)
            if log:
                calls = [{"target": c.target, "status": c.status} for c in emulator.calls]
                Path(log).write_text(json.dumps(calls, indent=1) + "\n", encoding="utf-8")


def signing_notes(args: argparse.Namespace, document: Document) -> dict[str, str]:
    """``{source: note}`` for the dry run: how each signed source's requests are signed when
    sent (``AWS SigV4 (sagemaker)``; ``--sigv4`` ones say so)."""
    from arazzo.aws._detect import detect_sigv4

    notes: dict[str, str] = {}
    for name, source in document.reachable_openapi_sources().items():
        hint = detect_sigv4(source.raw)
        if hint is not None:
            notes[name] = f"AWS SigV4 ({hint.service or 'service from the host'})"
    for name, (service, region) in forced_sigv4(args, document).items():
        where = ", ".join(x for x in (service or "service from the host", region) if x)
        notes[name] = f"AWS SigV4 ({where}; --sigv4)"
    return notes


class AwsCliOptions:
    """The AWS options of ``arazzo run``, as the CLI asks them of a provider's ``cli``."""

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """Add ``--aws-region``, ``--aws-profile``, ``--sigv4`` and ``--emulator*``."""
        add_run_arguments(parser)

    def handled(self, args: argparse.Namespace, document: Document) -> set[str]:
        """The sources these options authenticate themselves (``--sigv4``)."""
        return set(forced_sigv4(args, document))

    def dry_run_servers(self, args: argparse.Namespace, document: Document) -> dict[str, str]:
        """The ``{region}`` servers a real run would call (:func:`regional_cli_servers`)."""
        return regional_cli_servers(args, document)

    def signing_notes(self, args: argparse.Namespace, document: Document) -> dict[str, str]:
        """How each source's requests are signed, for the dry run (:func:`signing_notes`)."""
        return signing_notes(args, document)

    def overrides(self, args: argparse.Namespace,
                  document: Document) -> contextlib.AbstractContextManager[RunOverrides]:
        """The servers, transports and loop delay of one run (:func:`run_overrides`)."""
        return run_overrides(args, document)
