"""Live progress: on a terminal only, driven by the engine's events."""

from __future__ import annotations

import importlib.util
import io
import json
import os
import re
import select
import sys
import time

import pytest
from cli_support import FLAGSHIP, FLAGSHIP_INPUTS, PETS, PETS_INPUTS, ROOT, script_pets
from server import ScriptedServer

from arazzo import LoopIteration, RunFinished, RunStarted, StepFinished, StepStarted
from arazzo.cli import main
from arazzo.observers._progress import Progress, polled_state, wanted

pty = pytest.importorskip("pty", reason="pseudo-terminals need a POSIX system")


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def _run_in_pty(argv: list[str], timeout: float = 90) -> tuple[int, str]:
    """Run ``argv`` with stdout and stderr on a pseudo-terminal; (exit code, output)."""
    import fcntl
    import struct
    import termios

    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        os.chdir(ROOT)
        os.environ["TERM"] = "xterm"
        os.execv(sys.executable, [sys.executable, "-m", "arazzo", *argv])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))
    chunks = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 1)
        if not ready:
            continue
        try:
            data = os.read(fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.emulator
@pytest.mark.skipif(importlib.util.find_spec("moto") is None,
                    reason="the emulator needs moto: pip install 'arazzo[emulator]'")
def test_flagship_progress_on_a_terminal() -> None:
    code, output = _run_in_pty(["run", str(FLAGSHIP), "--emulator", "--inputs",
                                f"@{FLAGSHIP_INPUTS}"])
    assert code == 0, output
    frames = output.split("\r\x1b[2K")
    progress = [f for f in frames if "(" in f and "run)" in f]
    assert any("pollTrainingJob" in f for f in progress), output
    # events redraw at most every 50 ms, so which iterations a loaded machine shows varies;
    # one later iteration of a poll shows (the line's words are unit-tested below)
    assert any(re.search(r"poll(TrainingJob|Endpoint)  iteration [2-9]", f)
               for f in progress), output
    assert any("InProgress" in f for f in progress), output
    assert any("pollEndpoint" in f and "Creating" in f for f in progress), output
    # the final timeline starts on a clean line, after the progress line was erased
    assert "   1  train-then-deploy/createTrainingJob" in output
    assert "(ended by endpointTerminal at pollEndpoint: endpointStatus=InService)" in output


def test_quiet_and_json_have_no_progress_on_a_terminal(server: ScriptedServer) -> None:
    script_pets(server)
    code, output = _run_in_pty(["run", str(PETS), "-w", "adopt", "--inputs",
                                json.dumps(PETS_INPUTS), "--server", f"pets={server.url}",
                                "--quiet"], timeout=30)
    assert code == 0, output
    assert "\x1b[2K" not in output
    code, output = _run_in_pty(["run", str(PETS), "-w", "adopt", "--inputs",
                                json.dumps(PETS_INPUTS), "--server", f"pets={server.url}",
                                "--format", "json", "--no-progress"], timeout=30)
    assert code == 0, output
    assert json.loads(output)["succeeded"] is True


def test_no_progress_when_not_a_terminal(server: ScriptedServer,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    script_pets(server, ready_after=2)
    code = main(["run", str(PETS), "-w", "adopt", "--inputs", json.dumps(PETS_INPUTS),
                 "--server", f"pets={server.url}", "--loop-delay", "0"])
    captured = capsys.readouterr()
    assert code == 0
    assert "\x1b" not in captured.err + captured.out
    assert not wanted(io.StringIO())


def test_progress_line_from_events() -> None:
    stream = _Tty()
    progress = Progress(stream, interval=0, width=200)
    progress.min_redraw = 0
    progress(RunStarted("wf"))
    progress(StepStarted("wf", "poll", 1))
    progress(StepFinished("wf", "poll", True, 200, {"jobStatus": "InProgress"}))
    progress(LoopIteration("wf", "poll", 2, 5.0))
    progress(StepStarted("wf", "poll", 2))
    line = progress.line()
    assert "poll  iteration 2  InProgress  building" in line
    assert "(2 steps run)" in line
    assert "waiting 5s" in stream.getvalue()
    progress(StepStarted("other", "sub", 1))
    assert "other/sub" in progress.line()
    assert "InProgress" not in progress.line()
    progress(RunFinished("wf", True))
    assert stream.getvalue().endswith("\r\x1b[2K")
    progress.close()


def test_polled_state() -> None:
    assert polled_state({"arn": "x", "TrainingJobStatus": "Completed"}) == "Completed"
    assert polled_state({"status": 3}) == "3"
    assert polled_state({"status": True, "other": "x"}) is None
    assert polled_state({}) is None
