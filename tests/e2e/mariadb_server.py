"""A throwaway MariaDB server for the tests: its own data dir, a free loopback port, binlog on.

    server = MariaServer()          # or MariaServer(root_dir) to put the temp dir under root_dir
    server.start()
    server.execute("CREATE TABLE t (a int)")
    server.url                      # mysql://nectar:...@127.0.0.1:port/app
    server.stop()

The server keeps MariaDB's default collation (utf8mb4_general_ci, case-insensitive) on purpose:
real deployments have it, and the MySQL dialect must produce PostgreSQL's results regardless.
Row-based binlog with full metadata is on, so change-data-capture tests can read it;
`MariaServer(binlog=False)` leaves the binlog off (a server native capture must refuse), and
`extra_args` adds mariadbd options (["--binlog-row-image=MINIMAL"]).
"""

import os
import pathlib
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from harness import free_port, wait_for_port, _watchdog  # noqa: E402

MARIADBD = "/usr/sbin/mariadbd"
INSTALL_DB = "/usr/bin/mariadb-install-db"
CLIENT = "/usr/bin/mariadb"
ADMIN = "/usr/bin/mariadb-admin"

DB = "app"
USER = "nectar"
PASSWORD = "nectar-maria-pw"


def _as_mysql(cmd):
    if os.geteuid() == 0:
        return ["runuser", "-u", "mysql", "--"] + cmd
    return cmd


def _run(cmd, **kw):
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.PIPE)
    kw.setdefault("text", True)
    kw.setdefault("timeout", 120)
    done = subprocess.run(cmd, **kw)
    if done.returncode != 0:
        raise RuntimeError(f"{shlex.join(cmd)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done


def _unescape_field(field):
    """Batch mode prints NULL as NULL and escapes tab, newline, NUL and backslash (a string
    'NULL' reads back as None too: avoid it in test data)."""
    if field == "NULL":
        return None
    out, i = [], 0
    while i < len(field):
        c = field[i]
        if c == "\\" and i + 1 < len(field):
            out.append({"t": "\t", "n": "\n", "0": "\0", "\\": "\\"}.get(field[i + 1], field[i + 1]))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


class MariaServer:
    """mariadbd 10.11 in a temp dir; root reaches it over its unix socket, `USER` over TCP."""

    def __init__(self, root_dir=None, db=DB, user=USER, password=PASSWORD, binlog=True, extra_args=()):
        parent = str(root_dir) if root_dir is not None else "/tmp"
        self.tmp = pathlib.Path(tempfile.mkdtemp(prefix="nectar-mariadb-", dir=parent))
        os.chmod(self.tmp, 0o755)
        if os.geteuid() == 0:
            shutil.chown(self.tmp, "mysql", "mysql")
        self.data = self.tmp / "data"
        self.socket = self.tmp / "mysqld.sock"
        self.pid_file = self.tmp / "mysqld.pid"
        self.log = self.tmp / "error.log"
        self.db = db
        self.user = user
        self.password = password
        self.port = None
        self.proc = None
        self.watchdog = None
        self.binlog = binlog
        self.extra_args = list(extra_args)

    @property
    def url(self):
        return f"mysql://{self.user}:{self.password}@127.0.0.1:{self.port}/{self.db}"

    def start(self, timeout=60):
        """Initialises the data dir, starts mariadbd, creates the database and the user."""
        if not self.data.exists():
            _run(_as_mysql([INSTALL_DB, "--no-defaults", f"--datadir={self.data}", "--user=mysql",
                            "--auth-root-authentication-method=normal", "--skip-test-db",
                            "--skip-name-resolve", f"--tmpdir={self.tmp}"]))
            fresh = True
        else:
            fresh = False
        if self.port is None:
            self.port = free_port()  # kept across restart() so URLs stay valid
        if self.watchdog is None:
            # Whatever happens to this Python process, the server and the dir go with it.
            self.watchdog = _watchdog(f"kill -9 $(cat {shlex.quote(str(self.pid_file))}); sleep 1; "
                                      f"rm -rf {shlex.quote(str(self.tmp))}")
        self.proc = subprocess.Popen(_as_mysql(self._server_args()), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for_port(self.port, timeout, proc=self.proc, what="mariadbd")
            self._wait_for_socket(timeout)
        except RuntimeError as e:
            raise RuntimeError(f"{e}\n--- {self.log} ---\n{self.error_log()}") from None
        if fresh:
            self.execute(f"""
                CREATE DATABASE `{self.db}`;
                CREATE USER '{self.user}'@'%' IDENTIFIED BY '{self.password}';
                GRANT ALL PRIVILEGES ON *.* TO '{self.user}'@'%' WITH GRANT OPTION;
                GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO '{self.user}'@'%';
                FLUSH PRIVILEGES;
            """, db=None)
        return self

    def _server_args(self):
        binlog = [
            f"--log-bin={self.tmp / 'binlog'}",
            "--binlog-format=ROW",
            "--binlog-row-metadata=FULL",
        ] if self.binlog else []
        return [
            MARIADBD, "--no-defaults",
            f"--datadir={self.data}",
            f"--socket={self.socket}",
            f"--pid-file={self.pid_file}",
            f"--log-error={self.log}",
            # Its own temp dir: servers set up at the same time never clash over /tmp names.
            f"--tmpdir={self.tmp}",
            "--bind-address=127.0.0.1",
            f"--port={self.port}",
            "--skip-name-resolve",
            "--character-set-server=utf8mb4",
            *binlog,
            "--server-id=1",
            "--max-connections=300",
            # Throwaway data: trade durability for a fast start and fast tests.
            "--innodb-buffer-pool-size=64M",
            "--innodb-log-file-size=16M",
            "--innodb-flush-log-at-trx-commit=0",
            "--innodb-doublewrite=0",
            "--sync-binlog=0",
            "--log-warnings=1",
            *self.extra_args,
        ]

    def _wait_for_socket(self, timeout):
        # The TCP port opens a moment before the unix socket on some builds: wait for both.
        # The file also exists a moment before the server listens on it: connect to be sure.
        deadline = time.monotonic() + timeout
        while not self._socket_accepts():
            if time.monotonic() > deadline:
                raise RuntimeError(f"mariadbd socket {self.socket} did not accept within {timeout}s")
            if self.proc.poll() is not None:
                raise RuntimeError(f"mariadbd exited with code {self.proc.returncode}")
            time.sleep(0.05)

    def _socket_accepts(self):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            try:
                s.connect(str(self.socket))
                return True
            except OSError:
                return False

    def _client(self, extra, db):
        cmd = [CLIENT, "--no-defaults", f"--socket={self.socket}", "-u", "root",
               "--default-character-set=utf8mb4", "--batch"] + extra
        if db:
            cmd.append(db)
        return cmd

    def execute(self, sql, db="default"):
        """Runs SQL as root over the unix socket (batch mode); returns the client's stdout
        (tab-separated rows after a header line when the SQL returns rows). Raises on error."""
        db = self.db if db == "default" else db
        return _run(self._client([], db), input=sql).stdout

    def query(self, sql, db="default"):
        """Rows of one SELECT as lists of strings (None for NULL), without the header."""
        db = self.db if db == "default" else db
        out = _run(self._client(["--skip-column-names"], db), input=sql).stdout
        return [[_unescape_field(f) for f in line.split("\t")] for line in out.split("\n")[:-1]]

    def error_log(self):
        try:
            return self.log.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def restart(self, timeout=60):
        """Shuts the server down cleanly and starts it again on the same port with the same data."""
        self._shutdown()
        return self.start(timeout)

    def stop(self):
        """Shuts the server down, waits for it, removes the temp dir."""
        self._shutdown()
        if self.watchdog is not None:
            self.watchdog.kill()
            self.watchdog.wait()
            self.watchdog = None
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _shutdown(self):
        if self.proc is not None:
            if self.proc.poll() is None:
                subprocess.run([ADMIN, "--no-defaults", f"--socket={self.socket}", "-u", "root",
                                "shutdown"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               timeout=30)
                try:
                    self.proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
            self.proc = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


if __name__ == "__main__":
    # `python3 tests/e2e/mariadb_server.py` prints a URL and serves until Enter (or EOF/Ctrl-C):
    # handy for running the C++ tests with NECTAR_TEST_MYSQL_URL by hand.
    with MariaServer() as server:
        print(server.url, flush=True)
        try:
            sys.stdin.readline() if sys.stdin.isatty() else time.sleep(float(os.environ.get("HOLD", "3600")))
        except KeyboardInterrupt:
            pass
