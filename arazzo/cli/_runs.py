"""``arazzo runs``: the durable runs of a store (list, show, resume, cancel, submit, worker).

A durable run is started by ``arazzo run --run-id ID`` (or :func:`arazzo.run` with
``run_id=``); these commands are :mod:`arazzo.runs` on the command line. Every one takes
``--store URL`` (default ``$ARAZZO_STORE``, else ``sqlite:///.arazzo/runs.sqlite``).
``resume`` prints what ``arazzo run`` prints (it shares its options and output);
``worker`` runs until SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from typing import TYPE_CHECKING, Any

from arazzo.cli import UsageError, load_document
from arazzo.cli._run import (
    add_resume_options,
    add_run_options,
    add_store_option,
    check_run,
    execute_run,
    parse_run_options,
)

if TYPE_CHECKING:
    from arazzo import RunResult
    from arazzo.runs import RunInfo

__all__ = ["register"]

#: the statuses of a run, for ``--status``
STATUSES = ("queued", "running", "stopped", "cancelled", "in-doubt", "error", "succeeded",
            "failed")

EXAMPLES = """\
examples:
  arazzo run flow.arazzo.yaml --inputs @inputs.json --run-id train-42
  arazzo runs list
  arazzo runs list --status running --format json
  arazzo runs show train-42
  arazzo runs cancel train-42
  arazzo runs resume train-42
  arazzo runs resume train-42 --resend
  arazzo runs submit flow.arazzo.yaml --inputs @inputs.json --run-id train-43
  arazzo runs worker --concurrency 4 --store postgresql://arazzo@db/arazzo

A durable run records every answer in its store: 'arazzo run --run-id ID' again (or 'runs
resume ID') goes on where the run stopped, sending nothing that was answered already.
--store URL: sqlite:///PATH or postgresql://... (default: $ARAZZO_STORE, else
sqlite:///.arazzo/runs.sqlite). Needs arazzo[durable].

exit status: 0 success, 1 the run failed (or was cancelled, or is in doubt), 2 usage or
input errors (an unknown run, a run busy in another process, a changed document)
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "runs", help="durable runs: list, show, resume, cancel, submit, worker",
        description="The durable runs of a store (started with 'arazzo run --run-id').",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    def command(name: str, help: str, description: str) -> argparse.ArgumentParser:
        sub: argparse.ArgumentParser = commands.add_parser(
            name, help=help, description=description,
            formatter_class=argparse.RawDescriptionHelpFormatter)
        return sub

    listing = command("list", "the runs of the store, newest first",
                      "List the runs of the store, newest first.")
    add_store_option(listing)
    listing.add_argument("--status", choices=STATUSES, help="only the runs with this status")
    _add_format(listing)
    listing.set_defaults(handler=list_runs)

    showing = command("show", "one run: where it stands, its outputs",
                      "Show one run: status, current step and poll, steps done, the request "
                      "in flight, error, outputs, answers recorded per step.")
    showing.add_argument("run_id", metavar="RUN_ID")
    add_store_option(showing)
    _add_format(showing)
    showing.set_defaults(handler=show_run)

    resuming = command("resume", "go on with a run where it stopped",
                       "Resume a run (stopped, cancelled, in doubt) in this process, with "
                       "its document, inputs and servers as stored (the options here "
                       "override them), and print its result as 'arazzo run' does. A "
                       "finished run's result is printed without sending anything.")
    resuming.add_argument("run_id", metavar="RUN_ID")
    add_store_option(resuming)
    add_resume_options(resuming)
    add_run_options(resuming)
    resuming.set_defaults(handler=resume_run)

    cancelling = command("cancel", "cancel a run",
                         "Cancel a run: the process running it stops before its next "
                         "request (or within a second of a wait); a queued run is not "
                         "started. 'arazzo runs resume' takes it up again.")
    cancelling.add_argument("run_id", metavar="RUN_ID")
    add_store_option(cancelling)
    cancelling.set_defaults(handler=cancel_run)

    submitting = command("submit", "queue a run for the workers",
                         "Queue a run for 'arazzo runs worker' instead of running it here. "
                         "The workers read the document where it is (a path they can read, "
                         "a URL); the inputs must not be secret (the store keeps no "
                         "secrets: the workers take credentials from their environment).")
    submitting.add_argument("file", metavar="FILE", help="Arazzo document (YAML/JSON)")
    submitting.add_argument("--workflow", "-w", metavar="ID",
                            help="workflowId to run (optional when there is only one)")
    submitting.add_argument("--run-id", metavar="ID", required=True, help="the run's id")
    submitting.add_argument("--inputs", metavar="@FILE|JSON",
                            help="inputs as a JSON object, or @file.json")
    submitting.add_argument("--input", action="append", default=[], metavar="KEY=VALUE",
                            help="one input (repeatable; overrides --inputs)")
    submitting.add_argument("--server", action="append", default=[], metavar="NAME=URL",
                            help="base URL for a source description (repeatable)")
    add_store_option(submitting)
    _add_format(submitting)
    from arazzo.cli import add_access_options

    add_access_options(submitting)
    submitting.set_defaults(handler=submit_run, header=[], auth=[], report=[], criterion_type=[])

    working = command("worker", "work on the queued runs until stopped",
                      "Work on the runs queued by 'arazzo runs submit' (and on those whose "
                      "process died) until SIGTERM or SIGINT, printing a line per event. "
                      "Credentials come from this process's environment.")
    add_store_option(working)
    working.add_argument("--concurrency", type=int, default=1, metavar="N",
                         help="runs at once in this worker (default 1)")
    working.add_argument("--global-concurrency", type=int, metavar="N",
                         help="runs at once across all the workers of the store")
    working.set_defaults(handler=work)

    for name, sub in commands.choices.items():
        sub.set_defaults(command_name=f"runs {name}")
    parser.set_defaults(handler=lambda _: _usage(parser))


def _add_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="text (default) or JSON on stdout")


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


# ------------------------------------------------------------------------------------------
# list, show


def _when(stamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(stamp))


def _step(info: RunInfo) -> str:
    """The current step, without the workflow when it is the run's own."""
    if info.step is None:
        return "-"
    workflow, _, step = info.step.rpartition("/")
    return step if workflow == info.workflow_id else info.step


def list_runs(args: argparse.Namespace) -> int:
    import arazzo.runs

    found = arazzo.runs.list(args.store, status=args.status)
    if args.format == "json":
        items = []
        for info in found:
            item = info.to_dict()
            del item["steps"], item["logEntries"]  # shown by 'runs show' only
            items.append(item)
        sys.stdout.write(json.dumps({"runs": items}, indent=2, ensure_ascii=False) + "\n")
        return 0
    if not found:
        which = f" {args.status}" if args.status else ""
        print(f"no{which} runs in the store", file=sys.stderr)
        return 0
    header = ("RUN ID", "STATUS", "WORKFLOW", "STEP", "POLL", "REQUESTS", "UPDATED")
    rows = [(i.run_id, i.status, i.workflow_id, _step(i), str(i.poll), str(i.requests),
             _when(i.updated)) for i in found]
    widths = [max(len(r[n]) for r in (header, *rows)) for n in range(len(header))]
    right = {4, 5}  # numbers
    for row in (header, *rows):
        cells = [cell.rjust(widths[n]) if n in right else cell.ljust(widths[n])
                 for n, cell in enumerate(row)]
        sys.stdout.write("  ".join(cells).rstrip() + "\n")
    return 0


#: what a resume does with the request in flight, by its resend policy
_RESUME_DOES = {
    "idempotent": "a resume sends it again",
    "token": "a resume sends it again, with the same idempotency key",
    "resolve": "a resume sends it again and resolves an 'already exists' answer",
    "unsafe": "a resume stops unless given --resend (check the server first)",
}


def in_flight_line(in_flight: dict[str, Any]) -> str:
    """``GET https://... (why): what a resume does`` for the request in flight."""
    policy = str(in_flight.get("policy"))
    does = _RESUME_DOES.get(policy, f"resend policy {policy}")
    reason = in_flight.get("reason")
    why = f" ({reason})" if reason else ""
    return (f"{in_flight.get('method')} {in_flight.get('url')} at "
            f"{in_flight.get('step')}{why}: {does}")


def show_run(args: argparse.Namespace) -> int:
    import arazzo.runs

    info = arazzo.runs.show(args.run_id, args.store)
    if args.format == "json":
        sys.stdout.write(json.dumps(info.to_dict(), indent=2, ensure_ascii=False) + "\n")
        return 0
    out = sys.stdout
    fields: list[tuple[str, str]] = [
        ("status", info.status), ("workflow", info.workflow_id),
        ("document", info.document),
        ("step", f"{info.step}, poll {info.poll}" if info.step else "- (not started)"),
        ("steps done", str(info.steps_done)), ("requests", str(info.requests)),
    ]
    if info.in_flight is not None:
        fields.append(("in flight", in_flight_line(info.in_flight)))
    if info.error:
        fields.append(("error", info.error))
    if info.owner:
        fields.append(("process", info.owner))
    fields += [("created", _when(info.created)), ("updated", _when(info.updated))]
    width = max(len(name) for name, _ in fields) + 1
    out.write(f"run {info.run_id}\n")
    for name, value in fields:
        out.write(f"  {(name + ':').ljust(width)} {value}\n")
    if info.outputs is not None:
        out.write("outputs:\n")
        for key, value in info.outputs.items():
            out.write(f"  {key}: {json.dumps(value, ensure_ascii=False, default=str)}\n")
    if info.steps:
        out.write(f"answers recorded ({info.log_entries} log entries):\n")
        name_width = max(len(step) for step, _ in info.steps)
        for step, count in info.steps:
            out.write(f"  {step.ljust(name_width)}  {count}\n")
    return 0


# ------------------------------------------------------------------------------------------
# resume, cancel, submit


def resume_run(args: argparse.Namespace) -> int:
    import arazzo.runs

    setup = parse_run_options(args)
    info = arazzo.runs.show(args.run_id, args.store)
    if info.document == "<text>":
        raise UsageError(f"run {info.run_id!r} was given its document as text; resume it "
                         f"with 'arazzo run FILE --run-id {info.run_id}'")
    args.file = info.document
    document = load_document(args)
    given = bool(args.inputs or args.input)
    # without inputs the stored ones are used: they were checked when the run started
    failed = check_run(args, setup, document, info.workflow_id, check_inputs=given)
    if failed is not None:
        return failed

    def start(**options: Any) -> RunResult:
        return arazzo.runs.resume(info.run_id, args.store, spec=document,
                           inputs=setup.inputs if given else None, force=args.force,
                           resend_in_doubt=args.resend, **options)

    return execute_run(args, setup, document, start, document_name=info.document)


def cancel_run(args: argparse.Namespace) -> int:
    import arazzo.runs

    info = arazzo.runs.cancel(args.run_id, args.store)
    if info.status == "cancelled":
        print(f"cancelled run {info.run_id} (at {_step(info)}); 'arazzo runs resume "
              f"{info.run_id}' takes it up again")
    else:
        print(f"cancelling run {info.run_id}: its process ({info.owner}) stops before its "
              f"next request")
    return 0


def submit_run(args: argparse.Namespace) -> int:
    import arazzo.runs
    from arazzo.cli import choose_workflow

    setup = parse_run_options(args)
    document = load_document(args)
    workflow_id = choose_workflow(document, args.workflow)
    # the inputs are checked by submit; credentials are the workers' (their environment)
    check_run(args, setup, document, workflow_id, check_inputs=False)
    info = arazzo.runs.submit(document, workflow_id, setup.inputs, run_id=args.run_id,
                       store=args.store, servers=setup.servers or None)
    if args.format == "json":
        sys.stdout.write(json.dumps(info.to_dict(), indent=2, ensure_ascii=False) + "\n")
        return 0
    print(f"queued run {info.run_id} ({info.workflow_id}); a worker takes it: arazzo runs "
          f"worker (see it with: arazzo runs show {info.run_id})")
    return 0


# ------------------------------------------------------------------------------------------
# worker


def work(args: argparse.Namespace) -> int:
    import arazzo.runs

    if args.concurrency < 1:
        raise UsageError(f"--concurrency must be at least 1, got {args.concurrency}")
    if args.global_concurrency is not None and args.global_concurrency < 1:
        raise UsageError(f"--global-concurrency must be at least 1, got "
                         f"{args.global_concurrency}")
    stop = threading.Event()
    received: list[int] = []

    def on_signal(signum: int, _frame: Any) -> None:
        received.append(signum)
        stop.set()

    def tell(message: str) -> None:
        sys.stdout.write(f"{time.strftime('%H:%M:%S')} {message}\n")
        sys.stdout.flush()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        limit = "" if args.global_concurrency is None else \
            f", {args.global_concurrency} across all workers"
        tell(f"worker started: {args.concurrency} run(s) at once{limit}; stop it with "
             f"SIGTERM or Ctrl-C")
        arazzo.runs.worker(args.store, concurrency=args.concurrency,
                    global_concurrency=args.global_concurrency, stop=stop, on_event=tell)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    name = signal.Signals(received[0]).name if received else "stop"
    status = 130 if received and received[0] == signal.SIGINT else 0
    busy = [t for t in threading.enumerate()
            if t is not threading.main_thread() and not t.daemon and t.is_alive()]
    if not busy:
        tell(f"worker stopped ({name})")
        return status
    # Runs may be going on in the executor's threads, which the interpreter would wait for
    # (a poll can last hours): leave as a process that died does. The runs are the store's:
    # another worker takes them up at once on this host (the pid is gone), after the
    # heartbeat timeout elsewhere; 'arazzo runs resume' too.
    mine = f":{os.getpid()}:"  # the owner of a run is HOST:PID:...
    left = [i.run_id for i in arazzo.runs.list(args.store, status="running")
            if i.owner is not None and mine in i.owner]
    note = f"; left for another worker or 'arazzo runs resume': {', '.join(left)}" \
        if left else ""
    tell(f"worker stopped ({name}){note}")
    sys.stderr.flush()
    os._exit(status)
