"""The ``arazzo`` command line.

argparse keeps the CLI dependency-free and its cold start short (a benchmark compares it with the
peers); each command lives in its own module exposing ``register(subparsers)`` which sets
``handler`` on its parser. Exit codes: 0 success, 1 workflow failed (a durable run cancelled
or in doubt too) or validation errors, 2 usage or input errors. Errors are one line on
stderr; ``--debug`` shows the traceback.

Helpers shared by the commands live here too: :class:`UsageError` (one line, exit 2),
:func:`add_access_options` / :func:`load_document` (reading a document under the access
policy), :func:`choose_workflow` (with a "did you mean" for unknown ids) and
:func:`openapi_sources`. The commands use ``arazzo``'s public API only (a test checks it).
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from arazzo import ArazzoError, UnsupportedFeature

if TYPE_CHECKING:
    from arazzo import Document, SourceInfo

__all__ = ["console_main", "main"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

#: the user's modules ``--criterion-type`` imported: with any, the process ends the ordinary
#: way (the user's code may count on what the interpreter does at exit)
_USER_MODULES: set[str] = set()

#: command modules, in the order they appear in ``--help``
COMMANDS = ("arazzo.cli._validate", "arazzo.cli._inspect", "arazzo.cli._run",
            "arazzo.cli._runs")
#: the module of each command (a test checks it against what the modules register): a command
#: line that names its command builds only that command's parser (``build_parser``), so that
#: ``arazzo run`` does not import what ``validate``, ``describe`` or ``runs`` need
COMMAND_MODULES = {"validate": "arazzo.cli._validate", "list": "arazzo.cli._inspect",
                   "describe": "arazzo.cli._inspect", "graph": "arazzo.cli._inspect",
                   "run": "arazzo.cli._run", "runs": "arazzo.cli._runs"}

EPILOG = """\
examples:
  arazzo validate flow.arazzo.yaml
  arazzo list flow.arazzo.yaml
  arazzo describe flow.arazzo.yaml --workflow train-then-deploy
  arazzo graph flow.arazzo.yaml --markdown > docs/flow.md
  arazzo run flow.arazzo.yaml --inputs @inputs.json --dry-run
  arazzo run flow.arazzo.yaml --inputs @inputs.json --report junit=report.xml
  arazzo run flow.arazzo.yaml --inputs @inputs.json --run-id train-42
  arazzo runs show train-42

'arazzo COMMAND --help' describes each command. Exit status: 0 success, 1 the workflow
failed or the document has errors, 2 usage or input errors.
"""


class UsageError(Exception):
    """A mistake in the command line or its files: one line on stderr, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        hint = _suggestion(self, message)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}{hint}\n"
                              f"Run '{self.prog} --help' for usage.\n")


def _all_options(parser: argparse.ArgumentParser) -> list[str]:
    options: list[str] = []
    for action in parser._actions:
        options.extend(o for o in action.option_strings if o.startswith("--"))
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                options.extend(_all_options(sub))
    return options


def _suggestion(parser: argparse.ArgumentParser, message: str) -> str:
    """'; did you mean ...?' for an unknown command or option."""
    import difflib

    match = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
    if match:
        choices = re.findall(r"'?([\w.-]+)'?", match.group(2))
        close = difflib.get_close_matches(match.group(1), choices, n=1)
        return f"; did you mean {close[0]!r}?" if close else ""
    match = re.search(r"unrecognized arguments: (\S+)", message)
    if match and match.group(1).startswith("--"):
        word = match.group(1).split("=", 1)[0]
        close = difflib.get_close_matches(word, sorted(set(_all_options(parser))), n=1)
        return f"; did you mean {close[0]!r}?" if close else ""
    return ""


def add_access_options(parser: argparse.ArgumentParser) -> None:
    """``--allow-dir`` / ``--allow-host`` / ``--sandbox`` / ``--source``: where source
    descriptions may be read from (docs/loading.md)."""
    parser.add_argument("--allow-dir", action="append", default=[], metavar="DIR",
                        help="directory sources may be read from (repeatable; replaces the "
                             "default: the document's project, i.e. its enclosing .git/.hg/"
                             ".svn root, else the current directory or the document's "
                             "directory)")
    parser.add_argument("--allow-host", action="append", default=[], metavar="HOST",
                        help="host remote sources may be fetched from (repeatable; default: "
                             "none)")
    parser.add_argument("--sandbox", action="store_true",
                        help="for documents you did not write: no project root; sources only "
                             "under the current directory (when the document is under it) or "
                             "the document's own directory")
    parser.add_argument("--source", action="append", default=[], metavar="NAME_OR_URL=FILE",
                        help="read the source description with this name or URL (as written "
                             "in the document) from FILE (repeatable)")


def add_criterion_option(parser: argparse.ArgumentParser) -> None:
    """``--criterion-type NAME=MODULE:ATTR``: a criterion type of the user's own."""
    parser.add_argument("--criterion-type", action="append", default=[],
                        metavar="NAME=MODULE:ATTR",
                        help="a criterion type of your own: MODULE:ATTR names its evaluator "
                             "(an object with evaluate(compiled, value, ctx), or a class "
                             "made with no arguments), imported like `python -c 'import "
                             "MODULE'` would (repeatable; docs/python-api.md)")


def criterion_types(args: argparse.Namespace) -> Any:
    """The :class:`~arazzo.CriterionTypes` of ``--criterion-type`` (the default four plus
    those named); :class:`UsageError` for a malformed value or an evaluator that cannot be
    imported."""
    import importlib

    from arazzo import DEFAULT_CRITERIA

    types = DEFAULT_CRITERIA
    for given in getattr(args, "criterion_type", ()):
        name, sep, target = given.partition("=")
        module_name, colon, attribute = target.partition(":")
        if not sep or not name or not colon or not module_name or not attribute:
            raise UsageError(f"--criterion-type takes NAME=MODULE:ATTR, e.g. "
                             f"--criterion-type semver=my_checks:Semver (got {given!r})")
        _USER_MODULES.add(module_name)  # the process then ends the ordinary way (console_main)
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise UsageError(f"--criterion-type {name}: cannot import {module_name!r}: "
                             f"{exc}") from None
        found: Any = module
        for part in attribute.split("."):
            found = getattr(found, part, None)
            if found is None:
                raise UsageError(f"--criterion-type {name}: {module_name!r} has no "
                                 f"{attribute!r}")
        if isinstance(found, type):
            try:
                found = found()
            except Exception as exc:
                raise UsageError(f"--criterion-type {name}: {target} could not be made "
                                 f"with no arguments: {exc}") from None
        if not callable(getattr(found, "evaluate", None)):
            raise UsageError(f"--criterion-type {name}: {target} is not an evaluator (it "
                             "needs a method evaluate(compiled, value, ctx))")
        types = types.with_type(name, found)
    return types


def check_file(file: str) -> None:
    """:class:`UsageError` unless ``file`` is an existing file (URLs pass)."""
    if "://" in file:
        return
    path = Path(file)
    if not path.exists():
        raise UsageError(f"file not found: {file}")
    if path.is_dir():
        raise UsageError(f"{file} is a directory, not a document")


def access_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """``load()`` keywords from the access options; :class:`UsageError` for a directory or a
    ``--source`` file that does not exist, or a ``--source`` without ``=``."""
    for directory in args.allow_dir:
        if not Path(directory).is_dir():
            raise UsageError(f"--allow-dir is not a directory: {directory}")
    kwargs: dict[str, Any] = {"allow_hosts": args.allow_host}
    if args.allow_dir:
        kwargs["allow_dirs"] = args.allow_dir
    if args.sandbox:
        kwargs["sandbox"] = True
    overrides: dict[str, str] = {}
    for pair in args.source:
        key, sep, value = pair.rpartition("=")
        if not sep or not key or not value:
            raise UsageError("--source takes NAME_OR_URL=FILE, e.g. "
                             "--source petstore=./petstore.yaml")
        if not Path(value).is_file():
            raise UsageError(f"--source file not found: {value}")
        overrides[key] = str(Path(value).resolve())
    if overrides:
        kwargs["overrides"] = overrides
    return kwargs


def load_document(args: argparse.Namespace) -> Document:
    """Load ``args.file`` with the access options; :class:`UsageError` for a missing file."""
    from arazzo import load

    check_file(args.file)
    kwargs = access_kwargs(args)
    source: Any = args.file if "://" in args.file else Path(args.file)
    return load(source, **kwargs)


def choose_workflow(document: Document, workflow_id: str | None) -> str:
    """The workflow to work on: the given id, or the only one; :class:`UsageError` otherwise."""
    ids = [w.workflow_id for w in document.spec.workflows]
    if workflow_id is None:
        if len(ids) == 1:
            return ids[0]
        raise UsageError("the document has several workflows; choose one with --workflow: "
                         + ", ".join(ids))
    if workflow_id in ids:
        return workflow_id
    import difflib  # here: only the message of an unknown id needs it

    close = difflib.get_close_matches(workflow_id, ids, n=3, cutoff=0.5) or [
        i for i in ids if i.lower() == workflow_id.lower()]
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    raise UsageError(f"no workflow {workflow_id!r} in the document{hint} "
                     f"(workflows: {', '.join(ids) or 'none'})")


def openapi_sources(document: Document) -> dict[str, SourceInfo]:
    """The OpenAPI source descriptions that could be loaded, by name (the first of a name
    among the document and the Arazzo documents it references), as a run resolves them."""
    from arazzo import sources

    out: dict[str, SourceInfo] = {}
    for source in sources(document):
        if source.type == "openapi" and source.loaded:
            out.setdefault(source.name, source)
    return out


def _named_command(argv: Sequence[str]) -> str | None:
    """The command a command line names, when that is plain to see: only ``--debug`` and
    ``--log-level LEVEL`` may come before it (any other option, an abbreviated one, ``--help``
    or an unknown command gives ``None``: then every command is registered, as ``--help`` and
    argparse's errors need)."""
    tokens = iter(argv)
    for token in tokens:
        if token == "--debug" or token.startswith("--log-level="):
            continue
        if token == "--log-level":
            next(tokens, None)
            continue
        return token if token in COMMAND_MODULES else None
    return None


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser of the ``arazzo`` command line. Given the command line about to be parsed,
    only the command it names is registered (the others' modules are not imported); the
    parser parses that command line exactly as the full one does."""
    named = _named_command(argv) if argv is not None else None
    parser = _Parser(
        prog="arazzo",
        description="Read, validate and run Arazzo 1.0 workflow descriptions.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--debug", action="store_true",
                        help="show tracebacks for errors (for bug reports)")
    parser.add_argument("--log-level", metavar="LEVEL", type=str.upper,
                        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
                        help="log the 'arazzo' logger to stderr at this level (DEBUG shows "
                             "requests, secrets masked)")
    from arazzo import __version__

    parser.add_argument("--version", action="version", version=f"arazzo {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND",
                                       parser_class=_Parser)
    for module_name in COMMANDS if named is None else (COMMAND_MODULES[named],):
        importlib.import_module(module_name).register(subparsers)
    for name, sub in subparsers.choices.items():
        sub.set_defaults(command_name=name)
    return parser


def _command(args: argparse.Namespace) -> str:
    name = getattr(args, "command_name", None)
    return f"arazzo {name}" if name else "arazzo"


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    if not args.log_level:
        return _call(handler, args)
    import logging  # local, as traceback below: a plain run's start-up does not need them

    logger = logging.getLogger("arazzo")
    level = logger.level
    log_handler = logging.StreamHandler(sys.stderr)
    log_handler.setFormatter(logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(log_handler)
    logger.setLevel(args.log_level)
    try:
        return _call(handler, args)
    finally:
        logger.removeHandler(log_handler)
        logger.setLevel(level)


def _print_traceback() -> None:
    import traceback

    traceback.print_exc()


def _error_status(exc: ArazzoError) -> int:
    """2 for an error of the arguments or inputs; 1 for a durable run that stopped short of
    its end (cancelled, in doubt, diverged from its log): the run did not succeed."""
    if type(exc).__module__.startswith("arazzo.durable"):  # only then is it worth importing
        from arazzo.runs import RunCancelled, RunDiverged, RunInDoubt

        if isinstance(exc, (RunCancelled, RunDiverged, RunInDoubt)):
            return EXIT_FAILED
    return EXIT_USAGE


def _call(handler: Any, args: argparse.Namespace) -> int:
    try:
        return int(handler(args))
    except UsageError as exc:
        if args.debug:
            _print_traceback()
        print(f"{_command(args)}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except UnsupportedFeature as exc:  # the document asks for what cannot run yet
        if args.debug:
            _print_traceback()
        print(f"{_command(args)}: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except ArazzoError as exc:
        if args.debug:
            _print_traceback()
        print(f"{_command(args)}: error: {exc}", file=sys.stderr)
        return _error_status(exc)
    except OSError as exc:
        if args.debug:
            _print_traceback()
        where = f": {exc.filename}" if getattr(exc, "filename", None) else ""
        print(f"{_command(args)}: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("arazzo: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.debug:
            raise
        print(f"{_command(args)}: internal error: {type(exc).__name__}: {exc} (run with "
              "--debug for the traceback, and please report it)", file=sys.stderr)
        return EXIT_FAILED


def console_main() -> NoReturn:
    """The ``arazzo`` command (the console script, and ``python -m arazzo``): :func:`main`,
    then the end of the process.

    The interpreter's own end of a process (collecting and freeing every object and module)
    takes tens of milliseconds after pydantic and the engine are loaded, on every command;
    when nothing can be lost by skipping it (:func:`_fast_exit`), the process runs its exit
    handlers (:mod:`atexit`: the pooled connections, logging's flush, ...), flushes stdout and
    stderr and ends with ``os._exit``. Otherwise (a durable run, threads still running, user
    code, a tracer or profiler, or an output that cannot be flushed) it ends the ordinary way,
    with the same status.
    """
    import gc

    _without_pydantic_plugins()
    # The start-up allocates a few hundred thousand objects that all live to the end; a
    # collection every 700 of them (the default) walks them again and again for nothing.
    # Cycles are still collected, every 100,000 allocations instead.
    gc.set_threshold(100_000, *gc.get_threshold()[1:])
    try:
        code = main()
    except SystemExit as exc:  # --help, --version and argparse's errors
        if exc.code is not None and not isinstance(exc.code, int):
            raise
        code = exc.code or 0
    _fast_exit(code)
    sys.exit(code)


#: pydantic's plugin loader, which imports ``importlib.metadata`` to find plugins
_PYDANTIC_LOADER = "pydantic.plugin._loader"


def _without_pydantic_plugins() -> None:
    """The ``arazzo`` command's models are its own: no pydantic plugin is asked about them.

    pydantic looks for plugins (entry points) when it builds the first model's validator,
    importing ``importlib.metadata`` and reading every installed distribution: ~17 ms of each
    cold ``arazzo run``. Unless ``PYDANTIC_DISABLE_PLUGINS`` is set (then pydantic's own
    handling applies: ``""`` keeps every plugin), the command gives pydantic a loader that
    answers "no plugins", what ``PYDANTIC_DISABLE_PLUGINS=__all__`` makes pydantic's answer;
    any other name of that module is read from the real one, loaded then. The environment is
    left as it is (processes the command starts see the caller's)."""
    if _PYDANTIC_LOADER in sys.modules or "PYDANTIC_DISABLE_PLUGINS" in os.environ:
        return
    import types

    loader = types.ModuleType(_PYDANTIC_LOADER, "pydantic plugins: none (the arazzo command)")

    def get_plugins() -> tuple[()]:
        return ()

    def real(name: str) -> Any:
        if name.startswith("__"):  # what the import system asks a module (__path__, ...)
            raise AttributeError(name)
        if sys.modules.get(_PYDANTIC_LOADER) is loader:
            del sys.modules[_PYDANTIC_LOADER]
        return getattr(importlib.import_module(_PYDANTIC_LOADER), name)

    loader.get_plugins = get_plugins  # type: ignore[attr-defined]
    loader.__getattr__ = real  # type: ignore[method-assign]
    sys.modules[_PYDANTIC_LOADER] = loader


def _fast_exit(code: int) -> None:
    """End the process now with ``code`` when that loses nothing; return when it could."""
    if _USER_MODULES or sys.gettrace() is not None or sys.getprofile() is not None:
        return  # the user's code; a debugger, coverage or a profiler that reports at exit
    if sys.flags.inspect or os.environ.get("PYTHONINSPECT"):
        return  # python -i: the interactive prompt comes after
    if any(name in sys.modules for name in ("arazzo.durable", "dbos")):
        return  # durable runs: DBOS shuts down the ordinary way
    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() > 1:
        return  # a thread still running is waited for, as the interpreter would
    import atexit

    atexit._run_exitfuncs()  # what the interpreter runs at exit (then it forgets them)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:  # a closed pipe: the interpreter's own exit reports it, as usual
        return
    if threading is not None and threading.active_count() > 1:
        return  # an exit handler started one
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    console_main()
