"""What the benchmarks under tools/bench share: throwaway PostgreSQL, processes they start and
watch, /proc readings. Imported by tools/bench/pgbench and tools/bench/rest."""

import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parents[2]
DEFAULT_BIN = REPO / "build" / "release" / "proxy" / "nectar"
sys.path.insert(0, str(REPO / "tests" / "e2e"))
from harness import PG_BIN, free_port, wait_for_port  # noqa: E402,F401

DB = "app"
USER = "bench"
PASSWORD = "bench-pw"


class BenchError(Exception):
    """Something broke under the benchmark; the message says what, with the evidence."""


def as_postgres(cmd):
    return ["runuser", "-u", "postgres", "--"] + cmd if os.geteuid() == 0 else cmd


def run(cmd, **kw):
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.PIPE)
    kw.setdefault("text", True)
    kw.setdefault("timeout", 600)
    r = subprocess.run(cmd, **kw)
    if r.returncode != 0:
        raise BenchError(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    return r


def proc_status(pid):
    """VmRSS and VmHWM of a process, in KiB."""
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0])
    return fields


def cpu_seconds(pid):
    """User + system CPU time of a process (all its threads), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def mib(kib):
    return f"{kib / 1024:.1f} MiB"


class Postgres:
    def __init__(self, root):
        self.dir = root / "pg"
        self.dir.mkdir()
        os.chmod(self.dir, 0o755)
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self.data = self.dir / "data"
        self.port = free_port()
        self.running = False

    def start(self):
        run(as_postgres([str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth-local=trust",
                         "--auth-host=scram-sha-256", "-E", "UTF8", "--no-locale", "--no-sync"]))
        conf = ["listen_addresses = '127.0.0.1'", f"port = {self.port}",
                f"unix_socket_directories = '{self.dir}'", "fsync = off", "synchronous_commit = off",
                "full_page_writes = off", "max_connections = 300", "shared_buffers = 256MB",
                "lc_messages = 'C'", "log_min_messages = warning"]
        with open(self.data / "postgresql.conf", "a") as f:
            f.write("\n# tools/bench/pgbench\n" + "\n".join(conf) + "\n")
        run(as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "postgres.log"),
                         "-w", "-t", "60", "start"]))
        self.running = True
        sql = (f"create role {USER} login password '{PASSWORD}';\n"
               f"create database {DB} owner {USER};\n")
        run(as_postgres([str(PG_BIN / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", str(self.dir),
                         "-p", str(self.port), "-U", "postgres", "-d", "postgres", "-f", "-"]), input=sql)

    def stop(self):
        if self.running:
            subprocess.run(as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-w", "-m", "fast",
                                        "stop"]), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.running = False


class Server:
    """A proxy process we start (Nectar or PgBouncer); its output goes to a log file."""

    def __init__(self, name, root, cmd, port, clean_exit=(0, -signal.SIGTERM)):
        self.name = name
        self.clean_exit = clean_exit
        self.cmd = cmd
        self.port = port
        self.log_path = root / f"{re.sub(r'[^a-z0-9]+', '-', name)}.log"
        self.proc = None

    def start(self):
        self._log = open(self.log_path, "wb")
        # Own session: a Ctrl-C on the terminal reaches us, and we stop it after reading its log.
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log,
                                     start_new_session=True)
        try:
            wait_for_port(self.port, 30, self.proc, what=self.name)
        except RuntimeError as e:
            raise BenchError(f"{e}\ncommand: {' '.join(self.cmd)}\nlog:\n{self.log_tail()}") from None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, n=40):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except FileNotFoundError:
            return ""

    def check_alive(self, context):
        if not self.alive():
            raise BenchError(f"{self.name} exited with code {self.proc.returncode} {context}\n"
                             f"command: {' '.join(self.cmd)}\nlog:\n{self.log_tail()}")

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                print(f"{self.name} did not stop within 15 s of SIGTERM; killing it", file=sys.stderr)
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        if self.proc.returncode not in self.clean_exit:
            print(f"{self.name} exited with code {self.proc.returncode}; log:\n{self.log_tail()}",
                  file=sys.stderr)


def build(binary, skip):
    if skip:
        if not binary.exists():
            raise BenchError(f"{binary} does not exist (--no-build)")
        return
    if binary == DEFAULT_BIN and (REPO / "build" / "release" / "build.ninja").exists():
        run(["ninja", "-C", str(REPO / "build" / "release"), "-j", "2"], stdout=None, stderr=None,
            timeout=None)
    elif not binary.exists():
        run([str(REPO / "tools" / "build"), "release"], stdout=None, stderr=None, timeout=None)


def spread(values):
    return f"{min(values):,.0f}–{max(values):,.0f}"


