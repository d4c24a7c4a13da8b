"""A real Celery worker for the fault tests, and a TCP proxy that plays a broker going down.

The worker is `celery -A config worker` in a process group of its own, on the
test database (a file on SQLite, `test_…` on PostgreSQL), with a broker of the
test's own: a fresh folder for the embedded file-system broker, or the Redis of
REDIS_URL with a queue name no other run uses. It writes its e-mails as files,
which the tests read back to count what really left.
"""

import contextlib
import email
import email.policy
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

BASE_DIR = Path(settings.BASE_DIR)
CELERY = Path(sys.executable).with_name("celery")


def wait_for(predicate, *, timeout: float, interval: float = 0.05, message: str = ""):
    """Poll until `predicate()` is true; its last value is returned."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s: {message}")
        time.sleep(interval)


def database_url() -> str:
    """The test database, as DATABASE_URL for another process."""
    s = connection.settings_dict
    if s["ENGINE"] == "django.db.backends.sqlite3":
        if connection.is_in_memory_db():
            raise RuntimeError("an in-memory SQLite database cannot be shared with a worker")
        return f"sqlite:///{Path(s['NAME']).resolve()}"
    user = quote(s.get("USER") or "", safe="")
    password = quote(s.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{quote(s['NAME'], safe='')}"


# --- The broker -------------------------------------------------------------------------


@dataclass
class Broker:
    """The broker a test's worker and the test process share."""

    root: Path
    queue: str = field(default_factory=lambda: f"mqt-test-{uuid.uuid4().hex[:12]}")
    redis_url: str = ""  # empty: the embedded file-system broker under root/broker

    @property
    def is_redis(self) -> bool:
        return bool(self.redis_url)

    @property
    def folder(self) -> Path:
        return self.root / "broker" / "queue"

    def url(self) -> str:
        return self.redis_url or "filesystem://"

    def transport_options(self) -> dict:
        """The settings' transport options, with the file-system broker's folders under root."""
        options = dict(settings.CELERY_BROKER_TRANSPORT_OPTIONS)
        if not self.is_redis:
            ours = str(self.root / "broker")
            for key, value in options.items():
                if key.endswith("_folder") or key.startswith("data_folder"):
                    options[key] = value.replace(str(settings.BROKER_DIR), ours)
        return options

    def worker_env(self) -> dict:
        """What the worker's settings read: VAR_DIR places the file-system broker's folders."""
        env = {"VAR_DIR": str(self.root), "CELERY_QUEUE": self.queue}
        if self.is_redis:
            env["CELERY_BROKER_URL"] = self.redis_url
        return env

    def purge(self) -> None:
        """Drop what the test left in Redis: its queue and the unacknowledged messages of a killed worker."""
        if not self.is_redis:
            return
        import json

        import redis

        client = redis.Redis.from_url(self.redis_url)
        try:
            # The queue, and kombu's bindings of the exchange named after it.
            for key in client.scan_iter(match=f"*{self.queue}*"):
                client.delete(key)
            for tag, raw in client.hscan_iter("unacked"):
                try:
                    routing_key = json.loads(raw)[2]
                except (ValueError, IndexError, TypeError):
                    continue
                if routing_key == self.queue:
                    client.hdel("unacked", tag)
                    client.zrem("unacked_index", tag)
        finally:
            client.close()


def point_app_at(broker_url: str, transport_options: dict, queue: str) -> None:
    """Make this process's Celery app publish to the given broker and queue, never eagerly."""
    from config.celery import app

    app.conf.update(
        broker_url=broker_url,
        broker_transport_options=transport_options,
        task_default_queue=queue,
        task_always_eager=False,
    )
    reset_app(app)


def reset_app(app) -> None:
    """Forget pooled connections, producers and routes, so the next publish reads the new conf."""
    from kombu import pools

    app._pool = None
    app.__dict__.pop("amqp", None)
    # kombu keeps its pools by broker address: drop them, or the next test gets a closed one.
    # Closing a connection to a dead broker may fail; it is dropped all the same.
    with contextlib.suppress(Exception):
        pools.reset()


def flush_publisher(timeout: float = 30) -> None:
    """Wait until contact.tasks' publishing thread has tried everything handed to it so far."""
    from contact import tasks

    done = threading.Event()

    class Marker:
        name = "flush-marker"

        def apply_async(self, args):
            done.set()

    if tasks._publisher is None or not tasks._publisher.is_alive():
        return
    tasks._outbox.put((Marker(), []))
    if not done.wait(timeout):
        raise AssertionError("the publishing thread did not get through its queue")


# --- The worker ------------------------------------------------------------------------


class Worker:
    """`celery -A config worker` on the test database and broker, killed with its children."""

    def __init__(self, broker: Broker, mail_dir: Path, *, concurrency: int = 2, name: str = "w"):
        self.broker = broker
        self.mail_dir = mail_dir
        self.concurrency = concurrency
        self.hostname = f"{name}-{uuid.uuid4().hex[:8]}@mqt-test"
        self.log_path = broker.root / f"{self.hostname.split('@')[0]}.log"
        self.process: subprocess.Popen | None = None

    def env(self) -> dict:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url(),
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.mail_dir),
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("CELERY_BROKER_URL", None)
        env.update(self.broker.worker_env())
        return env

    def start(self, timeout: float = 60) -> "Worker":
        self.mail_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                str(CELERY),
                "-A",
                "config",
                "worker",
                "--loglevel",
                "INFO",
                "--pool",
                "prefork",
                "--concurrency",
                str(self.concurrency),
                "--hostname",
                self.hostname,
                "--without-mingle",
                "--without-gossip",
                "--without-heartbeat",
            ],
            cwd=BASE_DIR,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: one signal reaches the children too
        )
        log.close()
        try:
            wait_for(
                lambda: "ready." in self.log() or self.process.poll() is not None,
                timeout=timeout,
                interval=0.1,
                message=f"worker {self.hostname} ready",
            )
        except AssertionError:
            self.kill()
            raise AssertionError(f"worker did not start:\n{self.log()[-3000:]}") from None
        if self.process.poll() is not None:
            raise AssertionError(f"worker exited at start:\n{self.log()[-3000:]}")
        return self

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def sweeps(self) -> int:
        """How many sweeps this worker finished (the first is its own, sent when it starts)."""
        return sum(
            "contact.sweep_due_items[" in line and "] succeeded" in line
            for line in self.log().splitlines()
        )

    def wait_sweeps(self, count: int, timeout: float = 90) -> None:
        wait_for(
            lambda: self.sweeps() >= count or self.process.poll() is not None,
            timeout=timeout,
            interval=0.1,
            message=f"{count} sweeps on {self.hostname}:\n{self.log()[-3000:]}",
        )
        assert self.sweeps() >= count, self.log()[-3000:]

    def succeeded(self, task_id: str) -> bool:
        return f"[{task_id}] succeeded" in self.log()

    def wait_succeeded(self, task_id: str, timeout: float = 60) -> None:
        wait_for(
            lambda: self.succeeded(task_id) or self.process.poll() is not None,
            timeout=timeout,
            interval=0.1,
            message=f"task {task_id} on {self.hostname}:\n{self.log()[-3000:]}",
        )
        assert self.succeeded(task_id), self.log()[-3000:]

    def kill(self) -> None:
        """SIGKILL to the whole group: the main process and every pool child die at once."""
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


# --- The e-mails the worker wrote -------------------------------------------------------

SEPARATOR = b"\n" + b"-" * 79 + b"\n"


def sent_emails(mail_dir: Path) -> list:
    """Every message the file-based e-mail backend wrote, parsed."""
    messages = []
    for path in sorted(mail_dir.glob("*.log")):
        for chunk in path.read_bytes().split(SEPARATOR):
            if chunk.strip():
                messages.append(email.message_from_bytes(chunk, policy=email.policy.default))
    return messages


def email_counter(messages) -> Counter:
    """(address, subject, link) of each message: how often each went out."""
    counter = Counter()
    for message in messages:
        body = message.get_content().strip()
        link = body.rsplit("\n", 1)[-1].strip()
        counter[(str(message["To"]), str(message["Subject"]), link)] += 1
    return counter


# --- A broker that goes down -------------------------------------------------------------


class TcpProxy:
    """127.0.0.1:<port> → target, in a thread; `down()` refuses, `hang()` accepts and never answers."""

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.mode = "up"
        self._listener: socket.socket | None = None
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self._listen()
        self._thread = threading.Thread(target=self._accept_forever, daemon=True)
        self._thread.start()

    def _listen(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(0.1)
        self._listener = listener

    def _accept_forever(self) -> None:
        while not self._stop.is_set():
            listener = self._listener
            if listener is None:
                time.sleep(0.05)
                continue
            try:
                client, _addr = listener.accept()
            except (TimeoutError, OSError):
                continue
            with self._lock:
                self._sockets.append(client)
            if self.mode == "hang":
                continue  # held open, never read, never answered
            try:
                upstream = socket.create_connection(self.target, timeout=2)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets.append(upstream)
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()

    def _pipe(self, a: socket.socket, b: socket.socket) -> None:
        try:
            while not self._stop.is_set():
                readable, _w, _x = select.select([a, b], [], [], 0.2)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    (b if sock is a else a).sendall(data)
        except OSError:
            return
        finally:
            a.close()
            b.close()

    def _drop_connections(self) -> None:
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def down(self) -> None:
        """The broker is gone: connections drop, new ones are refused."""
        self.mode = "down"
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        self._drop_connections()

    def hang(self) -> None:
        """The broker accepts connections and never answers (a half-dead server, a black hole)."""
        self._drop_connections()
        self.mode = "hang"
        if self._listener is None:
            self._listen()

    def up(self) -> None:
        self._drop_connections()
        self.mode = "up"
        if self._listener is None:
            self._listen()

    def close(self) -> None:
        self._stop.set()
        self.down()
        self._thread.join(timeout=2)
