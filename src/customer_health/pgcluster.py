"""A throwaway PostgreSQL cluster for the test suite and the benchmark: initdb + pg_ctl in a
temp dir, on a free port, stopped and removed afterwards. Missing binaries fail loudly."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

INSTALL_HINT = (
    "PostgreSQL server binaries (initdb, pg_ctl) were not found. Install them with "
    "`apt-get install postgresql` (Debian/Ubuntu) and run the tests again."
)


def find_binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    return candidates[0] if candidates else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


BASE_PREFIX = "customer-health-pg-"


@dataclass
class PgCluster:
    base: Path
    port: int
    pg_ctl: str
    run_as: list[str]
    user: str = "postgres"
    host: str = "127.0.0.1"

    @property
    def data_dir(self) -> Path:
        return self.base / "data"

    @classmethod
    def start(cls, parent: Path | None = None) -> PgCluster:
        """initdb and start a server in a new temp dir (under ``parent`` if given: whoever
        owns ``parent`` can stop it with :meth:`stop_under`, even if this process dies before
        it returns)."""
        initdb, pg_ctl = find_binary("initdb"), find_binary("pg_ctl")
        if not initdb or not pg_ctl:
            raise RuntimeError(INSTALL_HINT)
        base = Path(tempfile.mkdtemp(prefix=BASE_PREFIX, dir=parent))
        os.chmod(base, 0o755)
        run_as: list[str] = []
        if os.geteuid() == 0:  # initdb refuses to run as root: use the postgres system user
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError as exc:
                raise RuntimeError(
                    "running as root but there is no 'postgres' system user; " + INSTALL_HINT
                ) from exc
            os.chown(base, pw.pw_uid, pw.pw_gid)
            run_as = ["runuser", "-u", "postgres", "--"]
        cluster = cls(base=base, port=free_port(), pg_ctl=pg_ctl, run_as=run_as)
        subprocess.run(
            [
                *run_as,
                initdb,
                "-D",
                str(cluster.data_dir),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
                "--locale=C",
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        # the port was free when picked; another process may take it before the server
        # binds it: then pick another, a bounded number of times
        for attempt in range(3):
            proc = cluster._pg_ctl_start()
            if proc.returncode == 0:
                break
            log = (base / "postgres.log").read_text() if (base / "postgres.log").exists() else ""
            if attempt == 2 or "could not bind" not in log:
                raise RuntimeError(f"pg_ctl start failed: {proc.stderr}\n{log}")
            cluster.port = free_port()
        cluster._wait()
        return cluster

    def _pg_ctl_start(self) -> subprocess.CompletedProcess[str]:
        options = (
            f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100 "
            "-c shared_buffers=256MB -c work_mem=64MB"
        )
        return subprocess.run(
            [
                *self.run_as,
                self.pg_ctl,
                "-D",
                str(self.data_dir),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "-l",
                str(self.base / "postgres.log"),
                "start",
            ],
            capture_output=True,
            text=True,
        )

    def _wait(self) -> None:
        import psycopg2

        deadline = time.monotonic() + 30
        while True:
            try:
                psycopg2.connect(
                    host=self.host, port=self.port, user=self.user, dbname="postgres"
                ).close()
                return
            except psycopg2.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def create_database(self, name: str, template: str | None = None) -> None:
        """Create (or recreate) database ``name``, empty or as a copy of ``template``; a copy
        needs the template to have no open connection."""
        import psycopg2

        con = psycopg2.connect(host=self.host, port=self.port, user=self.user, dbname="postgres")
        con.autocommit = True
        with con.cursor() as cur:
            cur.execute(f'drop database if exists "{name}"')
            copy = f' template "{template}"' if template else ""
            cur.execute(f'create database "{name}"{copy}')
        con.close()

    @classmethod
    def stop_under(cls, parent: Path) -> int:
        """Stop every server started under ``parent`` (:meth:`start`) and still running; return
        how many were."""
        pg_ctl = find_binary("pg_ctl")
        stopped = 0
        for pid_file in sorted(parent.glob(f"{BASE_PREFIX}*/data/postmaster.pid")):
            base = pid_file.parent.parent
            run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
            if pg_ctl:
                cls(base=base, port=0, pg_ctl=pg_ctl, run_as=run_as).stop()
                stopped += 1
        return stopped

    def stop(self) -> None:
        subprocess.run(
            [*self.run_as, self.pg_ctl, "-D", str(self.data_dir), "-m", "fast", "-w", "stop"],
            capture_output=True,
            text=True,
        )
        shutil.rmtree(self.base, ignore_errors=True)
