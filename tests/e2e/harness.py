"""Processes the end-to-end tests drive: a throwaway PostgreSQL 15, nectar, TLS files.

Everything listens on loopback ports picked free at start; everything lives in temp dirs
under /tmp and is removed at the end.
"""

import ctypes
import dataclasses
import os
import pathlib
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time

PG_BIN = pathlib.Path("/usr/lib/postgresql/15/bin")
REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
DEFAULT_NECTAR_BIN = REPO_ROOT / "build" / "release" / "proxy" / "nectar"

# Roles and database the data set lives in (see data.sql).
APP_DB = "app"
APP_USER = "nectar"
APP_PASSWORD = "nectar-e2e-pw"
ALICE_PASSWORD = "secret"

# Lines in nectar's stderr that mean a sanitizer caught something.
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


def direct_mode():
    """NECTAR_E2E_DIRECT=1: every nectar fixture hands out PostgreSQL's own address."""
    return os.environ.get("NECTAR_E2E_DIRECT", "") not in ("", "0")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, timeout, proc=None, what="server"):
    """Waits until 127.0.0.1:port accepts TCP; fails early if proc exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with code {proc.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on 127.0.0.1:{port} within {timeout}s")


@dataclasses.dataclass
class Endpoint:
    """Where a client connects, and as whom."""

    host: str
    port: int
    user: str = APP_USER
    password: str = APP_PASSWORD
    dbname: str = APP_DB
    sslmode: str = "prefer"
    label: str = "?"

    def with_(self, **changes):
        return dataclasses.replace(self, **changes)

    def params(self, **extra):
        """Keyword arguments for psycopg2.connect / libpq."""
        p = dict(host=self.host, port=self.port, user=self.user, password=self.password,
                 dbname=self.dbname, sslmode=self.sslmode, connect_timeout=10)
        p.update(extra)
        return p

    def dsn(self, **extra):
        def quote(v):
            v = str(v)
            return "'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'"

        return " ".join(f"{k}={quote(v)}" for k, v in self.params(**extra).items())

    def env(self):
        """Environment for psql and pgbench."""
        e = dict(os.environ)
        for k in list(e):
            if k.startswith("PG"):
                del e[k]
        e.update(PGHOST=self.host, PGPORT=str(self.port), PGUSER=self.user, PGPASSWORD=self.password,
                 PGDATABASE=self.dbname, PGSSLMODE=self.sslmode, PGCONNECT_TIMEOUT="10",
                 LC_ALL="C.UTF-8", LANG="C.UTF-8", PGTZ="UTC", PSQLRC="/dev/null")
        return e

    def jdbc_url(self):
        ssl = "disable" if self.sslmode == "disable" else "prefer"
        return f"jdbc:postgresql://{self.host}:{self.port}/{self.dbname}?sslmode={ssl}"


def _run(cmd, **kw):
    kw.setdefault("check", True)
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.PIPE)
    kw.setdefault("text", True)
    kw.setdefault("timeout", 120)
    try:
        return subprocess.run(cmd, **kw)
    except subprocess.CalledProcessError as e:
        raise RuntimeError(f"{cmd[0]} failed ({e.returncode}):\n{e.stdout}\n{e.stderr}") from None


def _as_postgres(cmd):
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--"] + cmd
    return cmd


def _watchdog(cleanup_shell):
    """A detached shell that runs cleanup_shell once this Python process is gone, so that a
    test run killed half-way (pytest-timeout, Ctrl-C twice) leaves no server behind. Kill it
    (it is our child) when cleaning up normally."""
    script = f"while kill -0 {os.getpid()} 2>/dev/null; do sleep 1; done; {cleanup_shell}"
    return subprocess.Popen(["/bin/sh", "-c", script + " >/dev/null 2>&1"], start_new_session=True,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _die_with_parent():
    """preexec_fn: the child gets SIGKILL when the test process dies (PR_SET_PDEATHSIG)."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)


def _chown_postgres(path):
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")


class TlsFiles:
    """A throwaway CA, a server certificate for 127.0.0.1/localhost signed by it, and an
    unrelated second CA (to prove verification really happens)."""

    def __init__(self, directory):
        d = pathlib.Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        self.dir = d
        self.ca_cert = d / "ca.crt"
        self.ca_key = d / "ca.key"
        self.server_cert = d / "server.crt"
        self.server_key = d / "server.key"
        self.other_ca_cert = d / "other-ca.crt"
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        ca_ext = ["-addext", "basicConstraints=critical,CA:TRUE",
                  "-addext", "keyUsage=critical,keyCertSign,cRLSign"]
        _run(["openssl", "req", "-x509", *ec, "-keyout", str(self.ca_key), "-out", str(self.ca_cert),
              "-days", "3", "-subj", "/CN=Nectar e2e test CA", "-sha256", *ca_ext])
        _run(["openssl", "req", "-x509", *ec, "-keyout", str(d / "other-ca.key"),
              "-out", str(self.other_ca_cert), "-days", "3", "-subj", "/CN=Unrelated CA", "-sha256",
              *ca_ext])
        csr = d / "server.csr"
        _run(["openssl", "req", "-new", *ec, "-keyout", str(self.server_key), "-out", str(csr),
              "-subj", "/CN=127.0.0.1"])
        ext = d / "server.ext"
        ext.write_text("basicConstraints=critical,CA:FALSE\n"
                       "keyUsage=critical,digitalSignature,keyEncipherment\n"
                       "extendedKeyUsage=serverAuth\n"
                       "subjectAltName=IP:127.0.0.1,DNS:localhost\n")
        _run(["openssl", "x509", "-req", "-in", str(csr), "-CA", str(self.ca_cert), "-CAkey",
              str(self.ca_key), "-CAcreateserial", "-out", str(self.server_cert), "-days", "3",
              "-sha256", "-extfile", str(ext)])
        os.chmod(self.server_key, 0o600)


class PgServer:
    """A PostgreSQL 15 cluster in a temp dir: SCRAM for TCP, trust on its private unix socket."""

    def __init__(self, tls=None, name="pg"):
        self.tmp = pathlib.Path(tempfile.mkdtemp(prefix=f"nectar-e2e-{name}-", dir="/tmp"))
        os.chmod(self.tmp, 0o755)
        _chown_postgres(self.tmp)
        self.data = self.tmp / "data"
        self.log = self.tmp / "postgres.log"
        self.port = free_port()
        self.tls = tls
        self.running = False
        self.watchdog = None

    def start_fresh(self):
        _run(_as_postgres([str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres",
                           "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8",
                           "--no-locale", "--no-sync"]))
        conf = [
            "listen_addresses = '127.0.0.1'",
            f"port = {self.port}",
            f"unix_socket_directories = '{self.tmp}'",
            "fsync = off",
            "synchronous_commit = off",
            "full_page_writes = off",
            "max_connections = 200",
            "shared_buffers = 64MB",
            "timezone = 'UTC'",
            "log_timezone = 'UTC'",
            "lc_messages = 'C'",
            "password_encryption = 'scram-sha-256'",
            "log_min_messages = warning",
        ]
        if self.tls is not None:
            for src, dst in ((self.tls.server_cert, "server.crt"), (self.tls.server_key, "server.key"),
                             (self.tls.ca_cert, "ca.crt")):
                shutil.copy(src, self.data / dst)
                _chown_postgres(self.data / dst)
            os.chmod(self.data / "server.key", 0o600)
            conf += ["ssl = on", "ssl_cert_file = 'server.crt'", "ssl_key_file = 'server.key'"]
        with open(self.data / "postgresql.conf", "a") as f:
            f.write("\n# nectar e2e\n" + "\n".join(conf) + "\n")
        self.start()

    def start(self):
        if self.watchdog is None:
            stop = _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"])
            self.watchdog = _watchdog(f"{shlex.join(stop)}; rm -rf {shlex.quote(str(self.tmp))}")
        _run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w",
                           "-t", "60", "start"]))
        self.running = True

    def restart(self):
        _run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w",
                           "-t", "60", "-m", "fast", "restart"]))

    def stop(self):
        if self.running:
            _run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-w", "-m", "immediate",
                               "stop"]), check=False)
            self.running = False

    def cleanup(self):
        self.stop()
        if self.watchdog is not None:
            self.watchdog.kill()
            self.watchdog.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def psql_admin(self, sql, db="postgres"):
        """Runs SQL as the superuser over the private unix socket; returns stdout."""
        cmd = _as_postgres([str(PG_BIN / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", str(self.tmp),
                            "-p", str(self.port), "-U", "postgres", "-d", db, "-f", "-"])
        return _run(cmd, input=sql, env=dict(os.environ, LC_ALL="C.UTF-8")).stdout

    def enable_logical_replication(self):
        """wal_level = logical (and room for slots), for Nectar's native change capture; restarts."""
        with open(self.data / "postgresql.conf", "a") as f:
            f.write("wal_level = logical\nmax_replication_slots = 10\nmax_wal_senders = 10\n")
        self.restart()

    def create_app(self, replication=False, sql="", admin_sql=""):
        """The app role (with REPLICATION when asked) owning the app database; `admin_sql` runs
        next as the superuser, then `sql` in the app database as the app role."""
        role = "LOGIN REPLICATION" if replication else "LOGIN"
        self.psql_admin(f"CREATE ROLE {APP_USER} {role} PASSWORD '{APP_PASSWORD}';"
                        f"CREATE DATABASE {APP_DB} OWNER {APP_USER};{admin_sql}")
        if sql:
            self.psql_admin(f"SET ROLE {APP_USER}; {sql};", db=APP_DB)

    def app_query(self, sql, params=None):
        """Runs one statement straight on this server as the app role (autocommit, not through
        Nectar); its rows, or None for a statement without any."""
        import psycopg2  # only the suites that reach the backend directly need it
        conn = psycopg2.connect(host="127.0.0.1", port=self.port, user=APP_USER, password=APP_PASSWORD,
                                dbname=APP_DB)
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(sql, params)
                return cur.fetchall() if cur.description else None
        finally:
            conn.close()

    def endpoint(self, **kw):
        return Endpoint(host="127.0.0.1", port=self.port, label="direct", **kw)

    def service_url(self, db=APP_DB):
        return f"postgresql://{APP_USER}:{APP_PASSWORD}@127.0.0.1:{self.port}/{db}"


class Nectar:
    """One nectar process, its stderr in a file; stop() sends SIGTERM and returns the exit code."""

    def __init__(self, binary, args, name="nectar"):
        self.binary = pathlib.Path(binary)
        self.tmp = pathlib.Path(tempfile.mkdtemp(prefix=f"nectar-e2e-{name}-", dir="/tmp"))
        self.port = free_port()
        self.http_port = free_port()
        self.args = [str(self.binary), "--pg-listen", f"127.0.0.1:{self.port}",
                     "--http-listen", f"127.0.0.1:{self.http_port}", "--data-dir", str(self.tmp / "data"),
                     "--threads", "2", "--log-level", os.environ.get("NECTAR_LOG_LEVEL", "info"), *args]
        self.stderr_path = self.tmp / "stderr.log"
        self.proc = None
        self.result = None
        self.watchdog = None

    def start(self, timeout=30):
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
        env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
        self._stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(self.args, stdin=subprocess.DEVNULL, stdout=self._stderr,
                                     stderr=self._stderr, env=env, preexec_fn=_die_with_parent)
        self.watchdog = _watchdog(f"rm -rf {shlex.quote(str(self.tmp))}")
        try:
            wait_for_port(self.port, timeout, self.proc, what="nectar")
        except RuntimeError as e:
            self.kill()
            command = " ".join(self.args)
            raise RuntimeError(f"{e}\ncommand: {command}\nstderr:\n{self.stderr_tail()}") from None
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stderr_text(self):
        try:
            return self.stderr_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def stderr_tail(self, n=60):
        return "\n".join(self.stderr_text().splitlines()[-n:])

    def sanitizer_reports(self):
        text = self.stderr_text()
        return [line for line in text.splitlines() if any(m in line for m in SANITIZER_MARKERS)]

    def stop(self, timeout=20):
        """SIGTERM, wait; returns the exit code (None if it had to be killed)."""
        if self.result is not None:
            return self.result
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
                self.result = self.proc.returncode
            except subprocess.TimeoutExpired:
                self.kill()
                self.result = None
        else:
            self.result = self.proc.returncode
        self._stderr.close()
        return self.result

    def stop_cleanly(self):
        """Stops it and asserts a clean exit: code 0 and no sanitizer report."""
        code = self.stop()
        assert code == 0, self.stderr_tail()
        assert not self.sanitizer_reports()

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def cleanup(self):
        self.kill()
        if self.watchdog is not None:
            self.watchdog.kill()
            self.watchdog.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def endpoint(self, **kw):
        return Endpoint(host="127.0.0.1", port=self.port, label="nectar", **kw)
