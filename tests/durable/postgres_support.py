"""A real, throwaway PostgreSQL server for the durable-run tests (standard library only).

``temporary_postgres()`` initdb's a cluster in a fresh temporary directory, starts it on a free
loopback port (127.0.0.1 only; its unix socket stays in that directory) with password
(scram-sha-256) authentication, creates a database and yields its URL; on exit it stops the
server (``pg_ctl stop -m immediate``) and removes the directory. initdb and postgres refuse to
run as root, so as root they run as the system user ``arazzo-pg`` (created when missing).

Run as a script it prints the server binaries' directory, or exits 1 when there is none
(.ci/run uses that to decide whether to install Debian's ``postgresql``).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import urllib.parse
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

#: the system user the server runs as when the tests run as root
PG_SYSTEM_USER = "arazzo-pg"
#: the database role the URLs name (the cluster's superuser)
PG_ROLE = "arazzo"
#: the database ``temporary_postgres()`` creates and names in its URL
PG_DATABASE = "arazzo"

_START_ATTEMPTS = 3  # a free port can be taken between choosing it and the server binding it


class PostgresStartError(RuntimeError):
    """The binaries exist but the server could not be set up; carries their output."""


def _has_server(bin_dir: Path) -> bool:
    return all(os.access(bin_dir / name, os.X_OK) for name in ("initdb", "pg_ctl"))


def _version_key(bin_dir: Path) -> tuple[int, ...]:
    # /usr/lib/postgresql/<version>/bin: newest version first, numerically (15 > 9.6)
    return tuple(int(part) for part in re.findall(r"\d+", bin_dir.parent.name))


def find_postgres_bin() -> Path | None:
    """The directory holding the server binaries (initdb, pg_ctl), or None.

    The newest ``/usr/lib/postgresql/*/bin`` (Debian's layout) that has both, else
    ``pg_config --bindir``, else the directory of ``initdb`` on PATH.
    """
    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_version_key, reverse=True)
    for bin_dir in debian:
        if _has_server(bin_dir):
            return bin_dir
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True,
                                 check=True, timeout=30).stdout.strip()
            if out and _has_server(Path(out)):
                return Path(out)
    initdb = shutil.which("initdb")
    if initdb and _has_server(Path(initdb).parent):
        return Path(initdb).parent
    return None


def _skip_reason() -> str | None:
    if find_postgres_bin() is not None:
        return None
    return ("PostgreSQL not installed (no initdb/pg_ctl in /usr/lib/postgresql/*/bin, "
            "pg_config --bindir or PATH): apt-get install postgresql (see .ci/run)")


#: why the PostgreSQL tests cannot run here, or None when the server binaries are present
POSTGRES_SKIP_REASON: str | None = _skip_reason()


def find_psql(bin_dir: Path | None = None) -> Path:
    """``psql`` from the server's bin directory, else from PATH."""
    bin_dir = bin_dir or find_postgres_bin()
    if bin_dir is not None and os.access(bin_dir / "psql", os.X_OK):
        return bin_dir / "psql"
    found = shutil.which("psql")
    if found is None:
        raise FileNotFoundError("psql not found beside the server binaries nor on PATH")
    return Path(found)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _system_user() -> pwd.struct_passwd:
    """The unprivileged user the server runs as under root; created when missing."""
    try:
        return pwd.getpwnam(PG_SYSTEM_USER)
    except KeyError:
        pass
    result = subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
         PG_SYSTEM_USER],
        capture_output=True, text=True, check=False)
    try:  # another process may have created it meanwhile (useradd exits 9)
        return pwd.getpwnam(PG_SYSTEM_USER)
    except KeyError:
        raise PostgresStartError(
            f"could not create system user {PG_SYSTEM_USER!r} to run PostgreSQL as root: "
            f"useradd exited {result.returncode}: {result.stderr.strip()}") from None


def _as_user(user: pwd.struct_passwd | None) -> list[str]:
    if user is None:
        return []
    if shutil.which("runuser"):
        return ["runuser", "-u", user.pw_name, "--"]
    if shutil.which("setpriv"):
        return ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--init-groups",
                "--"]
    raise PostgresStartError("running as root, and neither runuser nor setpriv is available "
                             f"to run PostgreSQL as {PG_SYSTEM_USER!r}")


def _temp_parent(user: pwd.struct_passwd | None) -> str | None:
    """Where to make the temporary directory: the usual one, unless the server's user cannot
    reach it (a root-only TMPDIR), then /tmp."""
    if user is None:
        return None
    parent = Path(tempfile.gettempdir()).resolve()
    reachable = all(p.stat().st_mode & 0o001 for p in (parent, *parent.parents))
    return None if reachable else "/tmp"


def _run(argv: Sequence[str], *, what: str, cwd: Path, env: Mapping[str, str] | None = None,
         log: Path | None = None, timeout: float = 120) -> str:
    try:
        result = subprocess.run(list(argv), capture_output=True, text=True, cwd=cwd,
                                env=dict(env) if env is not None else None, check=False,
                                timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise PostgresStartError(f"{what} timed out after {timeout}s: {' '.join(argv)}\n"
                                 f"{_log_tail(log)}") from exc
    if result.returncode != 0:
        raise PostgresStartError(
            f"{what} exited {result.returncode}: {' '.join(argv)}\n"
            f"--- stdout ---\n{result.stdout}--- stderr ---\n{result.stderr}"
            f"{_log_tail(log)}")
    return result.stdout


def _log_tail(log: Path | None, lines: int = 40) -> str:
    if log is None or not log.exists():
        return ""
    tail = log.read_text(errors="replace").splitlines()[-lines:]
    return f"--- server log ({log}) ---\n" + "\n".join(tail) + "\n"


def _conf_value(value: object) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def psql(url: str, sql: str, *, bin_dir: Path | None = None, timeout: float = 60) -> str:
    """Run ``sql`` with psql against ``url`` (a ``postgresql://`` URL with a password);
    returns the unaligned, tuples-only output. Raises CalledProcessError with psql's stderr."""
    parts = urllib.parse.urlsplit(url)
    env = {**os.environ, "PGPASSWORD": urllib.parse.unquote(parts.password or ""),
           "PGCONNECT_TIMEOUT": "10"}
    argv = [str(find_psql(bin_dir)), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
            "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432),
            "-U", urllib.parse.unquote(parts.username or ""),
            "-d", urllib.parse.unquote(parts.path.lstrip("/")), "-c", sql]
    result = subprocess.run(argv, capture_output=True, text=True, env=env, check=False,
                            timeout=timeout)
    if result.returncode != 0:
        raise subprocess.CalledProcessError(result.returncode, argv, result.stdout,
                                            result.stderr)
    return result.stdout


def database_url(url: str, dbname: str) -> str:
    """``url`` naming database ``dbname`` instead."""
    return urllib.parse.urlsplit(url)._replace(path="/" + urllib.parse.quote(dbname)).geturl()


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def create_database(url: str, dbname: str) -> str:
    """Create database ``dbname`` on the server of ``url``; returns its URL."""
    psql(url, f"CREATE DATABASE {_ident(dbname)}")
    return database_url(url, dbname)


def drop_database(url: str, dbname: str) -> None:
    """Drop database ``dbname`` on the server of ``url``, disconnecting its sessions."""
    psql(url, f"DROP DATABASE IF EXISTS {_ident(dbname)} WITH (FORCE)")


@contextlib.contextmanager
def temporary_postgres(*, bin_dir: Path | None = None,
                       settings: Mapping[str, object] | None = None) -> Iterator[str]:
    """Start a throwaway PostgreSQL server; yield ``postgresql://USER:PASSWORD@127.0.0.1:PORT/DB``.

    ``bin_dir`` defaults to ``find_postgres_bin()``; ``settings`` are extra postgresql.conf
    entries (they override the defaults here). Raises PostgresStartError, with the output of
    initdb/pg_ctl and the server log, when the server cannot be set up.
    """
    bin_dir = bin_dir or find_postgres_bin()
    if bin_dir is None:
        raise FileNotFoundError(POSTGRES_SKIP_REASON or "PostgreSQL server binaries not found")
    user = _system_user() if os.geteuid() == 0 else None
    prefix = _as_user(user)
    password = secrets.token_hex(16)
    root = Path(tempfile.mkdtemp(prefix="arazzo-pg-", dir=_temp_parent(user)))
    data, log = root / "data", root / "server.log"
    pg_ctl = [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data)]
    try:
        if user is not None:
            os.chown(root, user.pw_uid, user.pw_gid)
        pwfile = root / "pwfile"
        pwfile.write_text(password + "\n")
        pwfile.chmod(0o600)
        if user is not None:
            os.chown(pwfile, user.pw_uid, user.pw_gid)
        _run([*prefix, str(bin_dir / "initdb"), "-D", str(data), "-U", PG_ROLE,
              f"--pwfile={pwfile}", "--auth=scram-sha-256", "--encoding=UTF8",
              "--locale=C", "--no-sync"],
             what="initdb", cwd=root, env={**os.environ, "LC_ALL": "C"})
        pwfile.unlink()
        conf = {
            "listen_addresses": "127.0.0.1",
            "unix_socket_directories": str(root),
            "fsync": False,
            "synchronous_commit": False,
            "full_page_writes": False,
            "max_connections": 200,
            "password_encryption": "scram-sha-256",
            **(settings or {}),
        }
        with (data / "postgresql.conf").open("a") as fh:
            fh.write("\n# tests/durable/postgres_support.py\n")
            fh.writelines(f"{key} = {_conf_value(value)}\n" for key, value in conf.items())
        port = 0
        for attempt in range(1, _START_ATTEMPTS + 1):
            port = _free_port()
            log.unlink(missing_ok=True)
            try:
                _run([*pg_ctl, "-l", str(log), "-w", "-t", "60", "-o", f"-p {port}", "start"],
                     what="pg_ctl start", cwd=root, log=log, timeout=90)
                break
            except PostgresStartError:
                in_use = log.exists() and "already in use" in log.read_text(errors="replace")
                if not in_use or attempt == _START_ATTEMPTS:
                    raise
        url = f"postgresql://{PG_ROLE}:{password}@127.0.0.1:{port}/{PG_DATABASE}"
        try:
            create_database(database_url(url, "postgres"), PG_DATABASE)
        except subprocess.CalledProcessError as exc:
            raise PostgresStartError(f"CREATE DATABASE {PG_DATABASE} failed: {exc.stderr}"
                                     f"{_log_tail(log)}") from exc
        yield url
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run([*pg_ctl, "stop", "-m", "immediate", "-w", "-t", "60"], cwd=root,
                           capture_output=True, check=False, timeout=90)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    found = find_postgres_bin()
    if found is None:
        print(POSTGRES_SKIP_REASON, file=sys.stderr)
        sys.exit(1)
    print(found)
