"""The peers the suite measures against, installed in a temporary directory.

- jentic ``arazzo-runner`` (PyPI) in its own virtualenv, driven in-process by
  ``arazzo_runner_driver.py`` (run with the peer's interpreter) or through its CLI;
- Redocly ``respect`` (npm ``@redocly/cli``) through its CLI (it has no in-process API that
  the CLI package exposes).

Nothing outside the given directory is written; a peer that cannot be installed (no network,
no ``npm``) is returned as unavailable with the reason, and the suite goes on without it.
Commands run under a small measuring shim (``os.wait4``): wall time, CPU time and peak RSS.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "ArazzoRunnerPeer",
    "Peer",
    "ProcessResult",
    "RedoclyPeer",
    "install_arazzo_runner",
    "install_redocly",
    "run_process",
]

DRIVER = Path(__file__).with_name("arazzo_runner_driver.py")
REDOCLY_ENV = {"REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true",
               "NO_COLOR": "1"}


@dataclass
class ProcessResult:
    returncode: int
    stdout: str
    stderr: str
    seconds: float  # wall time from spawn to exit
    peak_rss_kb: int  # ru_maxrss of that child alone
    timed_out: bool = False
    cpu_seconds: float = 0.0  # user + system CPU of the child (and the children it reaped)


# Runs one command and reports its own wall time and peak RSS. It is a separate small process
# on purpose: Linux carries the pre-exec high-water RSS of a forked child over its exec, so a
# command forked straight from the (large) suite process would report the suite's RSS.
_SHIM = """
import json, os, subprocess, sys, threading, time
out, timeout, cmd = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
started = time.perf_counter()
proc = subprocess.Popen(cmd)
timer = threading.Timer(timeout, proc.kill)
timer.start()
_, status, usage = os.wait4(proc.pid, 0)
seconds = time.perf_counter() - started
timed_out = not timer.is_alive()
timer.cancel()
proc.returncode = os.waitstatus_to_exitcode(status)
with open(out, "w") as f:
    json.dump({"returncode": proc.returncode, "seconds": seconds,
               "peak_rss_kb": usage.ru_maxrss, "timed_out": timed_out,
               "cpu_seconds": usage.ru_utime + usage.ru_stime}, f)
"""


def run_process(cmd: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None,
                timeout: float = 600.0) -> ProcessResult:
    """Run ``cmd`` to completion: its wall time (spawn to exit) and its own peak RSS.

    The measuring is done by a small shim process (``os.wait4`` on the command), so neither
    the suite's start-up nor its memory is counted.
    """
    # The tools run as installed ones do, with their bytecode cached: pip compiles a package
    # it installs, and an editable checkout writes its cache in a warm-up run. An inherited
    # PYTHONDONTWRITEBYTECODE would make every run of a checkout compile its modules anew.
    base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err, \
            tempfile.TemporaryDirectory() as scratch:
        measured = Path(scratch) / "measured.json"
        proc = subprocess.run([sys.executable, "-I", "-S", "-c", _SHIM, str(measured),
                               str(timeout), *cmd], cwd=cwd, env={**base, **(env or {})},
                              stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                              timeout=timeout + 30, check=False)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
        if not measured.exists():
            return ProcessResult(proc.returncode or -1, stdout, stderr, 0.0, 0, False)
        data = json.loads(measured.read_text())
        return ProcessResult(data["returncode"], stdout, stderr, data["seconds"],
                             int(data["peak_rss_kb"]), bool(data["timed_out"]),
                             float(data["cpu_seconds"]))


@dataclass
class Peer:
    name: str
    available: bool = False
    version: str | None = None
    reason: str = ""
    install_seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        if self.available:
            return f"{self.name} {self.version}"
        return f"{self.name}: not available ({self.reason})"


@dataclass
class ArazzoRunnerPeer(Peer):
    python: Path | None = None
    cli: Path | None = None

    def drive(self, mode: str, file: Path, workflow: str, inputs: dict[str, Any],
              runs: int = 1, timeout: float = 900.0) -> tuple[dict[str, Any] | None,
                                                              ProcessResult]:
        """Run the in-process driver; its JSON (or None when it crashed) and the process."""
        assert self.python is not None
        cmd = [str(self.python), str(DRIVER), mode, file.name, workflow, json.dumps(inputs)]
        if mode == "steady":
            cmd.append(str(runs))
        proc = run_process(cmd, cwd=file.parent, timeout=timeout)
        try:
            data: dict[str, Any] | None = json.loads(proc.stdout)
        except ValueError:
            data = None
        return data, proc

    def cli_command(self, file: Path, workflow: str, inputs: dict[str, Any]) -> list[str]:
        assert self.cli is not None
        return [str(self.cli), "execute-workflow", file.name, "--workflow-id", workflow,
                "--inputs", json.dumps(inputs)]


@dataclass
class RedoclyPeer(Peer):
    cli: Path | None = None

    def command(self, file: Path, workflow: str, inputs: dict[str, Any], *,
                max_steps: int | None = None, json_report: Path | None = None) -> list[str]:
        assert self.cli is not None
        cmd = [str(self.cli), "respect", file.name, "--workflow", workflow,
               "--input", json.dumps(inputs)]
        if max_steps is not None:
            cmd += ["--max-steps", str(max_steps)]
        if json_report is not None:
            cmd += ["-J", str(json_report)]
        return cmd

    def run(self, file: Path, workflow: str, inputs: dict[str, Any], *,
            max_steps: int | None = None, json_report: Path | None = None,
            timeout: float = 900.0) -> ProcessResult:
        return run_process(self.command(file, workflow, inputs, max_steps=max_steps,
                                        json_report=json_report),
                           cwd=file.parent, env=REDOCLY_ENV, timeout=timeout)


def _tail(text: str, lines: int = 3) -> str:
    return " | ".join(text.strip().splitlines()[-lines:])[:300]


def install_arazzo_runner(root: Path, requirement: str = "arazzo-runner") -> ArazzoRunnerPeer:
    """A fresh virtualenv under ``root`` with ``requirement`` pip-installed into it."""
    peer = ArazzoRunnerPeer("arazzo-runner")
    venv = root / "venv-arazzo-runner"
    python = venv / "bin" / "python"
    started = time.perf_counter()
    if not python.exists():
        made = run_process([sys.executable, "-m", "venv", str(venv)], timeout=300)
        if made.returncode != 0:
            peer.reason = f"venv creation failed: {_tail(made.stderr)}"
            return peer
    installed = run_process([str(python), "-m", "pip", "install", "--quiet",
                             "--disable-pip-version-check", requirement], timeout=600)
    peer.install_seconds = time.perf_counter() - started
    if installed.returncode != 0:
        peer.reason = f"pip install {requirement} failed: {_tail(installed.stderr)}"
        return peer
    version = run_process([str(python), "-c", "import importlib.metadata as m; "
                           "print(m.version('arazzo-runner'))"], timeout=60)
    peer.version = version.stdout.strip() or None
    peer.python = python
    peer.cli = venv / "bin" / "arazzo-runner"
    peer.available = version.returncode == 0 and peer.cli.exists()
    if not peer.available:
        peer.reason = "installed, but the package or its CLI is missing"
    return peer


def install_redocly(root: Path, package: str = "@redocly/cli") -> RedoclyPeer:
    """``npm install package`` in ``root/npm-redocly`` (a private node_modules)."""
    peer = RedoclyPeer("redocly respect")
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        peer.reason = "node/npm not found on PATH"
        return peer
    folder = root / "npm-redocly"
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    if not (folder / "package.json").exists():
        (folder / "package.json").write_text('{"name": "arazzo-bench-peers", "private": true}\n')
    installed = run_process([npm, "install", "--no-audit", "--no-fund", "--loglevel=error",
                             package], cwd=folder, timeout=600)
    peer.install_seconds = time.perf_counter() - started
    if installed.returncode != 0:
        peer.reason = f"npm install {package} failed: {_tail(installed.stderr)}"
        return peer
    manifest = folder / "node_modules" / "@redocly" / "cli" / "package.json"
    cli = folder / "node_modules" / ".bin" / "redocly"
    if not manifest.exists() or not cli.exists():
        peer.reason = "installed, but node_modules/.bin/redocly is missing"
        return peer
    peer.version = json.loads(manifest.read_text()).get("version")
    node = run_process(["node", "--version"], timeout=60)
    peer.extra["node"] = node.stdout.strip()
    peer.cli = cli
    peer.available = True
    return peer
