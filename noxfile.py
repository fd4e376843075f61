"""Developer tasks: ``nox -s tests``, ``nox -s lint``, ``nox -s typing``, ``nox -s flagship``,
``nox -s bench``, ``nox -s bench_durable``."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "lint", "typing"]
nox.options.reuse_existing_virtualenvs = True


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite (the README's test command)."""
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    session.install("ruff")
    session.run("ruff", "check", "arazzo", "tests", "benchmarks", "scripts", "noxfile.py")


@nox.session
def typing(session: nox.Session) -> None:
    """mypy --strict over arazzo/, tests/, benchmarks/, scripts/ (pyproject.toml), then the
    conftest.py files that share the module name ``conftest`` with tests/conftest.py."""
    session.install("-e", ".[dev]")
    session.run("mypy", *session.posargs)
    if not session.posargs:
        for conftest in ("tests/aws/conftest.py", "tests/engine/conftest.py",
                         "tests/flagship/conftest.py"):
            session.run("mypy", conftest)


FLAGSHIP = "specs/amazon-sagemaker/arazzo/amazon-sagemaker-train-then-deploy-workflow.yml"


@nox.session
def flagship(session: nox.Session) -> None:
    """The main job: SageMaker train-then-deploy against the local emulator (moto, SigV4)."""
    session.install("-e", ".[emulator]")
    session.run("arazzo", "run", FLAGSHIP, "--emulator",
                "--inputs", "@specs/amazon-sagemaker/inputs.emulator.json", *session.posargs)


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation with warnings as errors."""
    session.install("-e", ".", "mkdocs-material", "mkdocstrings[python]")
    session.run("mkdocs", "build", "--strict")


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmark suite against the peers (installed in a temporary directory); prints a table
    and writes benchmarks/results/latest.json. ``nox -s bench -- --quick`` / ``-- --no-peers``.
    """
    session.install("-e", ".")
    session.run("python", "benchmarks/bench_suite.py", *session.posargs)


@nox.session
def bench_durable(session: nox.Session) -> None:
    """Durable runs against plain ones: overhead per step on SQLite and PostgreSQL (a
    throwaway cluster when its binaries are installed), replay, store size after a long
    poll; prints tables and writes benchmarks/results/durable.json. ``-- --quick``."""
    session.install("-e", ".[durable]")
    session.run("python", "benchmarks/bench_durable.py", *session.posargs)
