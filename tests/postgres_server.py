"""A real PostgreSQL server for the store's tests: a cluster of its own in a temporary folder, started once per
test session on a free loopback port and removed at the end.

PostgreSQL refuses to run as root, so when the suite runs as root (as CI does) the server runs as the
``postgres`` user the server package creates, or else as ``nobody``. The administrator role authenticates with a
password over TCP (scram-sha-256), as sites would; each test gets a database of its own.

Absent server binaries skip the tests on a developer's machine; CI installs them (.ci/run), and there skips fail
(tests/skip_policy.py).
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

ADMIN, ADMIN_PASSWORD = "automation_admin", "admin-secret"


def server_bin() -> Path | None:
    """The folder of initdb/pg_ctl: the newest Debian-installed server, else whatever PATH has."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_as() -> tuple[list[str], str | None]:
    """The command prefix that runs the server as an unprivileged user when we are root, and that user."""
    if os.geteuid() != 0:
        return [], None
    for user in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(user)
            if shutil.which("runuser"):
                return ["runuser", "-u", user, "--"], user
            if shutil.which("setpriv"):
                entry = pwd.getpwnam(user)
                return ["setpriv", f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}", "--clear-groups"], user
    pytest.fail("running as root and no unprivileged user can run the PostgreSQL server")


@dataclass
class PostgresServer:
    port: int
    folder: Path
    _databases: itertools.count

    def url(self, database: str, user: str = ADMIN) -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def admin(self, database: str = "postgres"):  # noqa: ANN201 - a psycopg connection
        import psycopg

        return psycopg.connect(self.url(database), password=ADMIN_PASSWORD, autocommit=True)

    def new_database(self) -> str:
        name = f"store_{next(self._databases)}"
        with self.admin() as db:
            db.execute(f'CREATE DATABASE "{name}"')
        return name

    def new_role(self, name: str, password: str, *groups: str) -> None:
        """A login role (cluster-wide: names must differ between tests), member of ``groups``."""
        with self.admin() as db:
            db.execute(f"CREATE ROLE \"{name}\" LOGIN PASSWORD '{password}'")
            for group in groups:
                db.execute(f'GRANT "{group}" TO "{name}"')


def start_server() -> tuple[PostgresServer, callable]:  # type: ignore[valid-type]
    bindir = server_bin()
    if bindir is None:
        pytest.skip("no PostgreSQL server binaries (Debian: apt-get install postgresql)")
    prefix, user = _run_as()
    folder = Path(tempfile.mkdtemp(prefix="automation-pg-"))
    data, sockets = folder / "data", folder / "run"
    data.mkdir()
    sockets.mkdir()
    password_file = folder / "pw"
    password_file.write_text(ADMIN_PASSWORD + "\n", encoding="utf-8")
    if user is not None:
        os.chmod(folder, 0o755)
        for path in (data, sockets, password_file):
            shutil.chown(path, user)
    port = _free_port()
    env = dict(os.environ, LC_ALL="C", LANG="C")
    subprocess.run([*prefix, str(bindir / "initdb"), "-D", str(data), "-U", ADMIN, f"--pwfile={password_file}",
                    "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync"],
                   check=True, capture_output=True, env=env, cwd=folder)  # fmt: skip
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60"
    subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(sockets / "server.log"), "-o", options,
                    "-w", "-t", "60", "start"], check=True, capture_output=True, env=env, cwd=folder)  # fmt: skip

    def stop() -> None:
        subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                       check=False, capture_output=True, env=env, cwd=folder)  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)

    return PostgresServer(port=port, folder=folder, _databases=itertools.count(1)), stop
