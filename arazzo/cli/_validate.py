"""``arazzo validate``: report what is wrong with Arazzo descriptions."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from arazzo import Diagnostic
from arazzo.cli import (
    UsageError,
    access_kwargs,
    add_access_options,
    add_criterion_option,
    criterion_types,
)

__all__ = ["register"]

EXAMPLES = """\
examples:
  arazzo validate workflow.arazzo.yaml
  arazzo validate a.arazzo.yaml b.arazzo.json --format json
  arazzo validate flow.yaml --allow-dir ../specs --allow-host api.example.com
  arazzo validate flow.yaml --source https://example.com/openapi.yaml=./openapi.yaml
  arazzo validate flow.yaml --source petstore=./petstore.yaml --quiet

Each finding is printed as 'path:line:col: severity [rule] message'. Rules and the access
policy are described in docs/validation.md.

exit status: 0 no errors (warnings allowed), 1 errors found, 2 usage error or missing file
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="check Arazzo descriptions (schema, references, expressions)",
        description="Load each FILE with its source descriptions and report schema and "
                    "semantic problems.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="Arazzo document (YAML/JSON)")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="output format (default: text)")
    add_access_options(parser)
    add_criterion_option(parser)
    parser.add_argument("--quiet", "-q", action="store_true",
                        help="print errors only, and no summary line")
    parser.set_defaults(handler=run)


def _usage(message: str) -> int:
    print(f"arazzo validate: error: {message}", file=sys.stderr)
    return 2


def _display(file: str | None) -> str | None:
    """Paths under the current directory are shown relative to it."""
    if file is None or "://" in file or not os.path.isabs(file):
        return file
    try:
        return os.path.relpath(file)
    except ValueError:  # pragma: no cover - other drive on Windows
        return file


def run(args: argparse.Namespace) -> int:
    from arazzo import validate  # lazy: keeps `--help` fast

    try:
        kwargs = access_kwargs(args)
        kwargs["criteria"] = criterion_types(args)
    except UsageError as exc:
        return _usage(str(exc))
    for file in args.files:  # local files only (unlike `run`, no URLs here)
        if not Path(file).exists():
            return _usage(f"file not found: {file}")
        if Path(file).is_dir():
            return _usage(f"{file} is a directory, not a document")
    findings: list[Diagnostic] = []
    for file in args.files:
        findings.extend(validate(Path(file), **kwargs))
    findings = [Diagnostic(d.severity, d.message, _display(d.file) or d.file, d.line,
                           d.column, d.pointer, d.rule) for d in findings]
    errors = sum(1 for d in findings if d.is_error)
    warnings = len(findings) - errors
    shown = [d for d in findings if d.is_error] if args.quiet else findings
    if args.format == "json":
        json.dump([d.to_dict() for d in shown], sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        for finding in shown:
            print(finding.format())
        if not args.quiet:
            files = len(args.files)
            noun = "file" if files == 1 else "files"
            print(f"{files} {noun} checked: {errors} error{'s' if errors != 1 else ''}, "
                  f"{warnings} warning{'s' if warnings != 1 else ''}")
    return 1 if errors else 0
