"""The server under test, the load clients, CPU sampling and latency figures."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .data import HERE, ROOT, account_for


@dataclass
class Scenario:
    key: str
    label: str
    method: str
    items: list
    cycle: bool = False


def loss_item(card_id: int) -> list:
    return ["POST", f"/api/cards/cards/{card_id}/loss", json.dumps({"kind": "formal"})]


def produce_item(app_id: int, serial: int) -> list:
    body = {"verified": True, "account_no": account_for("622202", 900_000_000 + serial)}
    return ["POST", f"/api/cards/applications/{app_id}/produce", json.dumps(body)]


# ----------------------------------------------------------------------------- server
@dataclass
class ServerConfig:
    spec: str
    workers: int
    threads: int
    conn_max_age: int

    @classmethod
    def parse(cls, spec: str) -> ServerConfig:
        text = spec.strip().lower()
        persistent = text.endswith("p")
        w, t = text.rstrip("p").split("x")
        return cls(spec, int(w), int(t), 300 if persistent else 0)

    def describe(self) -> str:
        conn = f"CONN_MAX_AGE={self.conn_max_age}"
        return f"`sbk serve --workers {self.workers} --threads {self.threads}`, {conn}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ping(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", "/api/ping", headers={"Host": "127.0.0.1"})
        ok = conn.getresponse().status == 200
        conn.close()
        return ok
    except OSError:
        return False


class Server:
    def __init__(self, cfg: ServerConfig, env: dict, log: Path):
        self.cfg, self.port, self.log_path = cfg, free_port(), log
        env = {**env, "CONN_MAX_AGE": str(cfg.conn_max_age)}
        self.log = log.open("wb")
        argv = [sys.executable, "-m", "sbk", "serve", "--bind", f"127.0.0.1:{self.port}"]
        argv += ["--workers", str(cfg.workers), "--threads", str(cfg.threads)]
        self.proc = subprocess.Popen(
            argv,
            env=env,
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while not ping(self.port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"server did not start; see {log}")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


# ----------------------------------------------------------------------------- observation
TICK = os.sysconf("SC_CLK_TCK")


def _proc_table() -> dict[int, tuple[int, float]]:
    """pid -> (ppid, CPU seconds including reaped children)."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        rest = raw[raw.rindex(")") + 2 :].split()
        cpu = sum(int(x) for x in rest[11:15]) / TICK
        table[int(entry)] = (int(rest[1]), cpu)
    return table


def tree_cpu(root: int | None, table: dict) -> float:
    if root is None or root not in table:
        return 0.0
    total, todo = 0.0, [root]
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    while todo:
        pid = todo.pop()
        total += table[pid][1]
        todo.extend(children.get(pid, []))
    return total


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    total = sum(fields[:8])
    return (total - idle) / TICK, total / TICK


def postmaster_pid(url: str) -> int | None:
    import psycopg

    try:
        with psycopg.connect(url) as conn:
            backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
            return _proc_table()[backend][0]
    except (OSError, KeyError, psycopg.Error):
        return None


class Sampler(threading.Thread):
    """During the measured window: what the server's database sessions are doing (sampled
    from pg_stat_activity every 50 ms) and CPU seconds per process tree."""

    def __init__(self, url: str, server_pid: int, pg_pid: int | None, warmup: float, span: float):
        super().__init__(daemon=True)
        self.url, self.server_pid, self.pg_pid = url, server_pid, pg_pid
        self.warmup, self.span = warmup, span
        self.states: dict[str, int] = {}
        self.lock_queries: dict[str, int] = {}
        self.n = 0
        self.cpu: dict[str, float] = {}

    def run(self) -> None:
        import psycopg

        time.sleep(self.warmup)
        t0 = _proc_table()
        m0 = machine_busy()
        w0 = time.monotonic()
        with psycopg.connect(self.url, autocommit=True) as conn:
            while time.monotonic() - w0 < self.span:
                rows = conn.execute(
                    "SELECT state, coalesce(wait_event_type, ''), left(query, 90) "
                    "FROM pg_stat_activity WHERE datname = current_database() "
                    "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
                ).fetchall()
                self.n += 1
                for state, wait, query in rows:
                    if state == "active":
                        key = {"": "running", "Lock": "waiting for a row lock"}.get(
                            wait, f"waiting ({wait})"
                        )
                        if wait == "Lock":
                            q = " ".join(query.split())
                            self.lock_queries[q] = self.lock_queries.get(q, 0) + 1
                    elif state == "idle in transaction":
                        key = "idle in transaction (Python working)"
                    else:
                        continue
                    self.states[key] = self.states.get(key, 0) + 1
                time.sleep(0.05)
        t1 = _proc_table()
        m1 = machine_busy()
        wall = time.monotonic() - w0
        self.cpu = {
            "wall": wall,
            "server": (tree_cpu(self.server_pid, t1) - tree_cpu(self.server_pid, t0)) / wall,
            "postgres": (tree_cpu(self.pg_pid, t1) - tree_cpu(self.pg_pid, t0)) / wall,
            "machine": (m1[0] - m0[0]) / wall,
        }

    def averages(self) -> dict[str, float]:
        return {
            k: v / max(self.n, 1) for k, v in sorted(self.states.items(), key=lambda kv: -kv[1])
        }


# ----------------------------------------------------------------------------- one run
@dataclass
class Result:
    server: ServerConfig
    scenario: Scenario
    requests: int = 0
    sent: int = 0
    window: float = 0.0
    rps: float = 0.0
    p50: float = 0.0
    p95: float = 0.0
    p99: float = 0.0
    max: float = 0.0
    errors: int = 0
    error_samples: list = field(default_factory=list)
    exhausted: bool = False
    client_cpu: float = 0.0
    cpu: dict = field(default_factory=dict)
    db_states: dict = field(default_factory=dict)
    lock_queries: dict = field(default_factory=dict)


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(q / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[k]


def run_scenario(server: Server, sc: Scenario, args, tokens, work: Path, pg_pid) -> Result:
    job = work / f"job-{server.cfg.spec}-{sc.key}.json"
    out = job.with_suffix(".out.json")
    job.write_text(
        json.dumps(
            {
                "host": "127.0.0.1",
                "port": server.port,
                "host_header": "127.0.0.1",
                "items": sc.items,
                "cycle": sc.cycle,
                "tokens": tokens,
                "clients": args.clients,
                "warmup": args.warmup,
                "duration": args.duration,
                "out": str(out),
            }
        )
    )
    sampler = Sampler(args.database_url, server.proc.pid, pg_pid, args.warmup, args.duration)
    script = HERE / "bench_cards.py"  # the client half lives in the script itself
    client = subprocess.Popen([sys.executable, str(script), "--client-job", str(job)])
    sampler.start()
    if client.wait() != 0:
        raise RuntimeError(f"load client failed for {sc.key}")
    sampler.join()
    data = json.loads(out.read_text())
    measured = [s for s in data["samples"] if s[0] >= args.warmup]
    ok = sorted(s[1] * 1000 for s in measured)
    last_end = max((s[0] + s[1] for s in measured), default=args.warmup)
    window = min(args.duration, last_end - args.warmup) if measured else 0.0
    errors = sum(1 for s in measured if s[2] == 0 or s[2] >= 400)
    return Result(
        server=server.cfg,
        scenario=sc,
        requests=len(measured),
        sent=len(data["samples"]),
        window=window,
        rps=len(measured) / window if window else 0.0,
        p50=percentile(ok, 50),
        p95=percentile(ok, 95),
        p99=percentile(ok, 99),
        max=ok[-1] if ok else float("nan"),
        errors=errors,
        error_samples=data["errors"],
        exhausted=data["exhausted"],
        client_cpu=data["cpu"] / max(data["elapsed"], args.duration),
        cpu=sampler.cpu,
        db_states=sampler.averages(),
        lock_queries=sampler.lock_queries,
    )


# ----------------------------------------------------------------------------- profile
