"""The ``arazzo`` command line.

argparse keeps the CLI dependency-free and its cold start short (a benchmark compares it with the
peers); each command lives in its own module exposing ``register(subparsers)`` which sets
``handler`` on its parser. Exit codes: 0 success, 1 workflow failed or validation errors,
2 usage or input errors. Errors are one line on stderr; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Sequence

from arazzo._exceptions import ArazzoError

__all__ = ["main"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

#: command modules, in the order they appear in ``--help``
COMMANDS = ("arazzo._cli_validate", "arazzo._cli_run")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n"
                              f"Run '{self.prog} --help' for usage.\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="arazzo",
        description="Read, validate and run Arazzo 1.0 workflow descriptions.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--debug", action="store_true",
                        help="show tracebacks for errors (for bug reports)")
    from arazzo import __version__

    parser.add_argument("--version", action="version", version=f"arazzo {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND",
                                       parser_class=_Parser)
    for module_name in COMMANDS:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return int(handler(args))
    except ArazzoError as exc:
        if args.debug:
            traceback.print_exc()
        print(f"arazzo: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("arazzo: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
