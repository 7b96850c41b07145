"""The gateway benchmark: wrk straight to a fake upstream, then through the gateway.

    python bench/run.py [--duration 10] [--warmup 3] [--repeat 1]
                        [--regimes unloaded,saturation,realistic] [--streaming] [--baseline]
                        [--no-pin] [--profile DIR] [--json FILE] [--gateway-command CMD]

Three regimes, each measured direct (wrk → fake upstream) and through the gateway (wrk →
``governs serve --workers 1`` → fake upstream):

    unloaded     1 connection,  instant upstream: the latency the gateway adds
    saturation  16 connections, instant upstream: the most requests/s one worker serves
    realistic   64 connections, 50 ms upstream:   a model's latency; the gateway must keep up

The realistic regime is measured on warm connections: one wrk run of warm-up + duration in
which only requests sent after the warm-up count (bench/chat.lua's ``window=S``). A fresh wrk
run opens its 64 connections at once and sends 64 requests in the same instant, a burst that
the steady state never sees again; in an 8 s run that burst and the waves after it are about
the slowest 1 % of requests, so they, not the gateway's steady state, would be the p99. The
whole run's p99 (wrk's own histogram) is still reported beside it.

``--baseline`` adds a third target, bench/baseline_proxy.py: a bare aiohttp proxy, the floor of
what any gateway on aiohttp can reach on this machine.

Everything runs on 127.0.0.1 in a temporary directory (SQLite database, spool, config, logs).
By default the gateway is pinned to one CPU and wrk plus the fake upstreams to the other
(``taskset``), so the gateway has exactly one core, as one worker has on a 2-core machine.
Afterwards the gateway is stopped (gracefully: its writer flushes) and the benchmark checks
that it recorded one usage row per 2xx response wrk counted.

Needs ``wrk`` (``apt-get install wrk``) and the gateway installed in the venv this script runs
from (``governs`` next to ``sys.executable``, or on PATH). Installs nothing itself.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shlex
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
LUA_SCRIPT = BENCH_DIR / "chat.lua"
FAKE_UPSTREAM = BENCH_DIR / "fake_upstream.py"
BASELINE_PROXY = BENCH_DIR / "baseline_proxy.py"
API_KEY = "gai_bench-bootstrap-key-0123456789abcdefghijklmnop"
UPSTREAM_KEY = "sk-bench-upstream"
CHAT_PATH = "/v1/chat/completions"
START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 60.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

# The targets (2-core machine, one worker).
TARGET_ADDED_P50_MS = 0.5
TARGET_SATURATION_RPS = 2000.0
TARGET_REALISTIC_RATIO = 0.95
TARGET_REALISTIC_ADDED_P99_MS = 5.0

DIRECT, FLOOR, GATEWAY = "direct", "aiohttp floor", "gateway"


@dataclass(frozen=True)
class Regime:
    name: str
    connections: int
    delay_ms: int
    title: str
    steady: bool = False  # measured on warm connections, the warm-up in the same wrk run


REGIMES = {
    r.name: r
    for r in (
        Regime("unloaded", 1, 0, "1 connection, instant upstream"),
        Regime("saturation", 16, 0, "16 connections, instant upstream"),
        Regime("realistic", 64, 50, "64 connections, 50 ms upstream", steady=True),
    )
}


@dataclass
class Measurement:
    """One wrk run, from chat.lua's done() line, plus the CPU each process used meanwhile.

    For a steady regime the figures (requests, duration, percentiles) are the window's, after
    the warm-up; ``counted_requests`` and ``whole_run_p99_ms`` are the whole wrk run's."""

    regime: str
    target: str
    connections: int
    requests: int
    duration_s: float
    non_2xx: int
    socket_errors: int
    timeouts: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    p999_ms: float
    mean_ms: float
    counted_requests: int  # every response wrk counted, warm-up included: the database check
    whole_run_p99_ms: float
    # CPU-seconds per second of wall time: "server" is the process under test (the upstream
    # for direct), "other" everything on the machine that is not ours.
    cpu: dict[str, float] = field(default_factory=dict)
    # requests/s of every run of the figure (``--repeat``), this one included: the spread.
    runs_rps: list[float] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s

    @property
    def ok(self) -> int:
        return self.counted_requests - self.non_2xx

    @property
    def errors(self) -> int:
        return self.non_2xx + self.socket_errors + self.timeouts

    @property
    def server_cpu_us_per_request(self) -> float:
        return self.cpu.get("server", 0.0) / self.rps * 1e6 if self.requests else 0.0


# -- processes ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pinned(command: list[str], cpu: int | None) -> list[str]:
    return command if cpu is None else ["taskset", "-c", str(cpu), *command]


def _ticks(stat_line: str) -> float:
    fields = stat_line.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process (all its threads)."""
    try:
        return _ticks(Path(f"/proc/{pid}/stat").read_text())
    except OSError:
        return 0.0


def thread_cpu_seconds(pid: int) -> dict[int, float]:
    """CPU time of each thread of a running process, by thread id."""
    result = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            result[int(task.name)] = _ticks((task / "stat").read_text())
        except OSError:
            continue
    return result


def machine_cpu_seconds() -> dict[str, float]:
    """Since boot, all cores: process time (user+system), interrupts (mostly our loopback
    traffic) and steal (the hypervisor's other guests)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = values[:8]
    return {
        "processes": (user + nice + system) / CLOCK_TICKS,
        "irq": (irq + softirq) / CLOCK_TICKS,
        "steal": steal / CLOCK_TICKS,
    }


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def wait_until(check: Callable[[], bool], what: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{what} exited with {process.returncode}; its log:\n{tail(log)}")
        if check():
            return
        time.sleep(0.1)
    raise SystemExit(f"{what} did not start within {START_TIMEOUT_SECONDS:.0f} s:\n{tail(log)}")


def start_listener(
    name: str, command: list[str], cpu: int | None, workdir: Path
) -> tuple[subprocess.Popen, str]:
    """Start a helper that prints 'listening on URL' (fake upstream, baseline proxy)."""
    log = workdir / f"{name}.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            pinned([sys.executable, *command], cpu), stdout=out, stderr=subprocess.STDOUT
        )
    url: list[str] = []

    def listening() -> bool:
        for line in log.read_text().splitlines():
            if line.startswith("listening on "):
                url.append(line.removeprefix("listening on ").strip())
                return True
        return False

    wait_until(listening, name, process, log)
    return process, url[0]


def model_name(delay_ms: int) -> str:
    return "gpt-4o-mini" if delay_ms == 0 else f"gpt-4o-mini-{delay_ms}ms"


def gateway_config(workdir: Path, port: int, upstreams: dict[int, str]) -> dict:
    """One openai-kind provider and one priced model per fake upstream; writer defaults."""
    providers, models = [], []
    for delay_ms, url in sorted(upstreams.items()):
        provider = f"bench-{delay_ms}ms"
        providers.append(
            {"name": provider, "kind": "openai", "base_url": f"{url}/v1", "api_key": UPSTREAM_KEY}
        )
        models.append(
            {
                "name": model_name(delay_ms),
                "provider": provider,
                "upstream_model": "gpt-4o-mini",
                "input_cost_per_mtok": "0.15",
                "output_cost_per_mtok": "0.60",
            }
        )
    return {
        "server": {"host": "127.0.0.1", "port": port, "workers": 1},
        "database": {"url": f"sqlite+aiosqlite:///{workdir / 'governs.db'}"},
        "writer": {"spool_dir": str(workdir / "spool")},
        "providers": providers,
        "models": models,
    }


def governs_command() -> list[str]:
    beside = Path(sys.executable).with_name("governs")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("governs")
    if found is None:
        raise SystemExit("cannot find the 'governs' command; run this with the gateway's venv")
    return [found]


def start_gateway(
    config: dict, cpu: int | None, workdir: Path, command: list[str]
) -> tuple[subprocess.Popen, str]:
    config_file = workdir / "governs.yaml"
    config_file.write_text(json.dumps(config, indent=2))  # JSON is YAML
    log = workdir / "gateway.log"
    env = {**os.environ, "GOVERNS_BOOTSTRAP_KEY": API_KEY}
    env.pop("GOVERNS_CONFIG", None)
    with open(log, "w") as out:
        process = subprocess.Popen(
            pinned([*command, "serve", "--config", str(config_file), "--workers", "1"], cpu),
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    base_url = f"http://127.0.0.1:{config['server']['port']}"

    def healthy() -> bool:
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=1) as response:
                return response.status == 200
        except OSError:
            return False

    wait_until(healthy, "the gateway", process, log)
    return process, base_url


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> int | None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
    return process.returncode


def smoke_test(base_url: str, model: str, streaming: bool) -> None:
    """One request through the gateway before any load, so a broken setup fails loudly."""
    body: dict = {"model": model, "messages": [{"role": "user", "content": "hi"}]}
    if streaming:
        body |= {"stream": True, "stream_options": {"include_usage": True}}
    request = urllib.request.Request(
        base_url + CHAT_PATH,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
    except urllib.error.HTTPError as error:
        raise SystemExit(
            f"the gateway refused the smoke test: {error.code} {error.read()!r}"
        ) from None


# -- wrk ---------------------------------------------------------------------------------------


def run_wrk(
    url: str,
    regime: Regime,
    target: str,
    seconds: float,
    args: argparse.Namespace,
    watched: dict[str, int],
    window: float | None = None,
) -> Measurement:
    """One wrk run; ``watched`` names the pids whose CPU to measure ("server", "upstream").
    With ``window``, its first ``window`` seconds are a warm-up that the figures leave out."""
    command = pinned(
        [
            "wrk",
            "-t",
            str(args.threads),
            "-c",
            str(regime.connections),
            "-d",
            f"{seconds:g}s",
            "--timeout",
            "5s",
            "-s",
            str(LUA_SCRIPT),
            url + CHAT_PATH,
            "--",
            API_KEY if target == GATEWAY else UPSTREAM_KEY,
            model_name(regime.delay_ms),
            *(["stream"] if args.streaming else []),
            *([f"window={window:g}"] if window is not None else []),
        ],
        args.load_cpu,
    )
    pids = dict(watched)
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    wrk_before, machine_before = children_cpu_seconds(), machine_cpu_seconds()
    started = time.monotonic()
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    elapsed = time.monotonic() - started
    line = next((x for x in result.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if result.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    data = json.loads(line.removeprefix("BENCH_JSON "))
    figures = data
    if window is not None:
        figures = data["steady"]
        if not figures or not figures["timed"] or figures["unmatched"]:
            raise SystemExit(
                f"{target}: no steady-state figures (is X-Request-ID echoed?): {figures}"
            )
    cpu = {name: (cpu_seconds(pid) - before[name]) / elapsed for name, pid in pids.items()}
    cpu["wrk"] = (children_cpu_seconds() - wrk_before) / elapsed
    machine = {k: (v - machine_before[k]) / elapsed for k, v in machine_cpu_seconds().items()}
    cpu["other"] = max(0.0, machine["processes"] - sum(cpu.values()))
    cpu["irq"], cpu["steal"] = machine["irq"], machine["steal"]
    return Measurement(
        regime=regime.name,
        target=target,
        connections=regime.connections,
        requests=figures["requests"],
        duration_s=figures["duration_us"] / 1e6,
        non_2xx=data["non_2xx"],
        socket_errors=data["connect_errors"] + data["read_errors"] + data["write_errors"],
        timeouts=data["timeouts"],
        p50_ms=figures["p50_us"] / 1000,
        p90_ms=figures["p90_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        p999_ms=figures["p999_us"] / 1000,
        mean_ms=figures["mean_us"] / 1000,
        counted_requests=data["requests"],
        whole_run_p99_ms=data["p99_us"] / 1000,
        cpu={k: round(v, 3) for k, v in cpu.items()},
    )


@dataclass
class Ledger:
    """Every response the gateway may have recorded, to check the database afterwards."""

    ok: int = 0  # 2xx responses counted: wrk runs (warm-ups too) and the smoke test
    slack: int = 0  # requests in flight when wrk stopped, or timed out: served, never counted

    def add(self, m: Measurement) -> None:
        self.ok += m.ok
        self.slack += m.connections + m.timeouts


def wait_for_quiet(args: argparse.Namespace, own_pids: list[int]) -> float:
    """Wait (at most ``--quiet-wait`` s) until processes not in this benchmark have used less
    than ``--quiet-threshold`` cores for 2 s in a row; return the seconds waited.

    The benchmark machine may be shared (other people's test runs): a run they disturb
    measures them, not the gateway."""
    started = time.monotonic()
    quiet_since: float | None = None
    while time.monotonic() - started < args.quiet_wait:
        machine, own = machine_cpu_seconds()["processes"], sum(map(cpu_seconds, own_pids))
        time.sleep(0.5)
        other = (machine_cpu_seconds()["processes"] - machine) - (
            sum(map(cpu_seconds, own_pids)) - own
        )
        now = time.monotonic()
        if other / 0.5 >= args.quiet_threshold:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = now
        elif now - quiet_since >= 2.0:
            break
    return time.monotonic() - started


@dataclass(frozen=True)
class Target:
    """What wrk measures in a regime: the upstream direct, the floor, or the gateway."""

    name: str
    url: str
    watched: dict[str, int]  # whose CPU to measure ("server", "upstream")
    ledger: Ledger | None  # counts the gateway's 2xx responses for the database check


def measure(
    regime: Regime, targets: list[Target], args: argparse.Namespace
) -> dict[str, Measurement]:
    """Warm each target up, then measure them in turn ``--repeat`` times (direct, floor,
    gateway, direct, ...) and keep each target's run with the median requests/s.

    Taking turns, rather than all runs of one target then all of the next, makes a machine
    whose speed drifts during a figure (a shared host's does, by a fifth within half an hour)
    move every target alike, so the gateway's added latency and its share of direct stay fair.
    Each measured run starts on a quiet machine and is run again (``--retries`` times at
    most) if other processes used more than ``--quiet-threshold`` cores meanwhile."""
    runs: dict[str, list[Measurement]] = {target.name: [] for target in targets}
    for _ in range(args.repeat):
        for target in targets:
            runs[target.name].append(measure_once(regime, target, args, warm=not runs[target.name]))
    results = {}
    for name, measured in runs.items():
        median = sorted(measured, key=lambda m: m.rps)[(len(measured) - 1) // 2]
        median.runs_rps = sorted(m.rps for m in measured)
        results[name] = median
    return results


def measure_once(
    regime: Regime, target: Target, args: argparse.Namespace, *, warm: bool
) -> Measurement:
    def run(seconds: float, window: float | None = None) -> Measurement:
        m = run_wrk(target.url, regime, target.name, seconds, args, target.watched, window)
        if target.ledger is not None:
            target.ledger.add(m)
        return m

    own = list(target.watched.values())
    for attempt in range(args.retries + 1):
        wait_for_quiet(args, own)
        if regime.steady:  # fresh connections every run: every run warms up
            m = run(args.warmup + args.duration, window=args.warmup)
        else:
            if args.warmup > 0 and (attempt > 0 or warm):
                run(args.warmup)
            m = run(args.duration)
        if m.cpu["other"] < args.quiet_threshold:
            return m
        print(
            f"  {target.name}: disturbed by other processes ({m.cpu['other']:.2f} cores)"
            + (", again" if attempt < args.retries else ", keeping it"),
            flush=True,
        )
    return m


# -- profile -----------------------------------------------------------------------------------


@dataclass
class Profile:
    measurement: Measurement
    folded: Path
    thread_cpu: dict[int, float]  # CPU-seconds per second of each gateway thread


def profile_saturation(
    gateway_url: str,
    gateway_pid: int,
    args: argparse.Namespace,
    watched: dict[str, int],
    ledger: Ledger,
) -> Profile:
    """One extra saturation run with py-spy sampling the gateway.

    py-spy runs ``--nonblocking`` (it reads the gateway's memory without stopping it), so the
    gateway keeps nearly its full speed and idle threads are left out; a few stacks may come
    out torn. Per-thread CPU comes from /proc, exactly.
    """
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(py_spy).exists():
        raise SystemExit("--profile needs py-spy (pip install py-spy)")
    args.profile.mkdir(parents=True, exist_ok=True)
    output = args.profile / "saturation.folded"
    wait_for_quiet(args, list(watched.values()))
    sampler = subprocess.Popen(
        pinned(
            [
                py_spy,
                "record",
                "--pid",
                str(gateway_pid),
                "--rate",
                "500",
                "--duration",
                str(int(args.duration) + 2),
                "--format",
                "raw",
                "--nolineno",
                "--threads",
                "--nonblocking",
                "--output",
                str(output),
            ],
            args.load_cpu,
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1)  # py-spy attaches
    before, started = thread_cpu_seconds(gateway_pid), time.monotonic()
    measurement = run_wrk(gateway_url, REGIMES["saturation"], GATEWAY, args.duration, args, watched)
    after, elapsed = thread_cpu_seconds(gateway_pid), time.monotonic() - started
    ledger.add(measurement)
    try:
        _, errors = sampler.communicate(timeout=args.duration + 30)
    except subprocess.TimeoutExpired:
        sampler.kill()
        _, errors = sampler.communicate()
    if sampler.returncode != 0 or not output.exists():
        raise SystemExit(f"py-spy failed ({sampler.returncode}): {errors}")
    thread_cpu = {tid: (after[tid] - before.get(tid, 0.0)) / elapsed for tid in after}
    return Profile(measurement, output, thread_cpu)


def profile_report(profile: Profile) -> str:
    sys.path.insert(0, str(BENCH_DIR))
    from profile_summary import summarize, thread_names

    m = profile.measurement
    names = thread_names(profile.folded)
    main_tid = next((tid for tid, name in names.items() if name == "MainThread"), None)
    lines = [
        f"Profiled saturation run (py-spy attached): {m.rps:,.0f} requests/s, "
        f"p50 {m.p50_ms:.3f} ms, p99 {m.p99_ms:.3f} ms",
        "Gateway CPU by thread (from /proc; cores, and µs per request):",
    ]
    for tid, cores in sorted(profile.thread_cpu.items(), key=lambda item: -item[1]):
        if cores >= 0.005:
            lines.append(
                f"  {cores:5.2f}  {cores / m.rps * 1e6:7.1f} µs  {names.get(tid, 'thread')} ({tid})"
            )
    main_us = profile.thread_cpu.get(main_tid, 0.0) / m.rps * 1e6 if main_tid else None
    lines.append("")
    lines.append(summarize(profile.folded, requests=m.requests, cpu_per_request_us=main_us))
    return "\n".join(lines)


# -- the database check ------------------------------------------------------------------------


@dataclass
class RecordCheck:
    usage_rows: int
    decision_rows: int
    spooled_files: int
    expected_min: int
    expected_max: int

    @property
    def passed(self) -> bool:
        # Two decisions (precheck, postcheck) per usage row; a request wrk abandoned mid-way
        # (a stream cut when the run ended) may leave a decision without a usage row.
        slack = self.expected_max - self.expected_min
        return (
            self.expected_min <= self.usage_rows <= self.expected_max
            and 2 * self.usage_rows <= self.decision_rows <= 2 * self.usage_rows + slack
            and self.spooled_files == 0
        )


def check_records(workdir: Path, ledger: Ledger) -> RecordCheck:
    with sqlite3.connect(workdir / "governs.db") as db:
        usage = db.execute("SELECT count(*) FROM usage_records").fetchone()[0]
        decisions = db.execute("SELECT count(*) FROM decisions").fetchone()[0]
    spool = workdir / "spool"
    spooled = sum(1 for p in spool.rglob("*") if p.is_file()) if spool.exists() else 0
    return RecordCheck(usage, decisions, spooled, ledger.ok, ledger.ok + ledger.slack)


# -- report ------------------------------------------------------------------------------------


def machine_description(args: argparse.Namespace) -> list[str]:
    model = "unknown"
    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
    for line in lscpu.splitlines():
        if line.startswith("Model name:"):
            model = line.split(":", 1)[1].strip()
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False).stdout
    pinning = (
        f"gateway (and the aiohttp floor) pinned to CPU {args.gateway_cpu}, wrk and the fake "
        f"upstreams to CPU {args.load_cpu} (taskset)"
        if args.gateway_cpu is not None
        else "no CPU pinning (--no-pin)"
    )
    return [
        f"date: {time.strftime('%Y-%m-%d %H:%M %Z')}",
        f"machine: {model}, {os.cpu_count()} CPUs, Linux {platform.release()}",
        f"software: Python {platform.python_version()}, {wrk.split(' Copyright')[0].strip()}, "
        f"fake upstream impl {args.upstream_impl}",
        f"method: {pinning}; wrk -t{args.threads}; {args.warmup:g} s warm-up then "
        f"{args.repeat} x {args.duration:g} s per figure, the targets taking turns (median run "
        "by requests/s); the 50 ms regime's runs warm up on their own connections, in the same "
        "wrk run" + ("; streaming requests" if args.streaming else ""),
    ]


def table(results: list[dict[str, Measurement]]) -> list[str]:
    lines = [
        "| regime | target | requests/s | runs' range | p50 ms | p99 ms | added p50 ms "
        "| added p99 ms | vs direct | errors | server CPU | CPU µs/req | other load |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for by_target in results:
        direct = by_target[DIRECT]
        for i, m in enumerate(by_target.values()):
            title = REGIMES[m.regime].title if i == 0 else ""
            added = (
                f"| {m.p50_ms - direct.p50_ms:+.3f} | {m.p99_ms - direct.p99_ms:+.3f} "
                f"| {m.rps / direct.rps:.1%} "
                if m is not direct
                else "| | | "
            )
            spread = f"{m.runs_rps[0]:,.0f}-{m.runs_rps[-1]:,.0f}" if len(m.runs_rps) > 1 else ""
            lines.append(
                f"| {title} | {m.target} | {m.rps:,.0f} | {spread} | {m.p50_ms:.3f} "
                f"| {m.p99_ms:.3f} " + added + f"| {m.errors} | {m.cpu.get('server', 0):.2f} "
                f"| {m.server_cpu_us_per_request:.0f} | {m.cpu.get('other', 0):.2f} |"
            )
    return lines


def whole_run_lines(results: list[dict[str, Measurement]]) -> list[str]:
    """For steady regimes: the p99 of the whole wrk runs, the connections' start included."""
    lines = []
    for by_target in results:
        direct = by_target[DIRECT]
        regime = REGIMES[direct.regime]
        if not regime.steady:
            continue
        figures = ", ".join(
            f"{m.target} {m.whole_run_p99_ms:.3f} ms"
            + ("" if m is direct else f" ({m.whole_run_p99_ms - direct.whole_run_p99_ms:+.3f})")
            for m in by_target.values()
        )
        lines.append(
            f"{regime.title}: the figures above leave out each run's warm-up; p99 of the "
            f"whole runs, the connections' start included: {figures}"
        )
    return lines


def verdicts(results: list[dict[str, Measurement]]) -> list[str]:
    by_regime = {r[DIRECT].regime: (r[DIRECT], r[GATEWAY]) for r in results}
    lines = []

    def verdict(ok: bool) -> str:
        return "MET" if ok else "NOT MET"

    if "unloaded" in by_regime:
        d, g = by_regime["unloaded"]
        added = g.p50_ms - d.p50_ms
        lines.append(
            f"- unloaded: added p50 {added:.3f} ms (target ≤ {TARGET_ADDED_P50_MS} ms): "
            f"{verdict(added <= TARGET_ADDED_P50_MS)}"
        )
    if "saturation" in by_regime:
        _, g = by_regime["saturation"]
        lines.append(
            f"- saturation: {g.rps:,.0f} requests/s (target ≥ {TARGET_SATURATION_RPS:,.0f}): "
            f"{verdict(g.rps >= TARGET_SATURATION_RPS)}"
        )
    if "realistic" in by_regime:
        d, g = by_regime["realistic"]
        ratio, added = g.rps / d.rps, g.p99_ms - d.p99_ms
        lines.append(
            f"- 50 ms upstream: throughput {ratio:.1%} of direct (target ≥ "
            f"{TARGET_REALISTIC_RATIO:.0%}): {verdict(ratio >= TARGET_REALISTIC_RATIO)}"
        )
        lines.append(
            f"- 50 ms upstream: p99 {added:+.3f} ms vs direct (target ≤ "
            f"+{TARGET_REALISTIC_ADDED_P99_MS} ms): "
            f"{verdict(added <= TARGET_REALISTIC_ADDED_P99_MS)}"
        )
    return lines


# -- main --------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark the gateway against a fake upstream with wrk."
    )
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of warm-up per figure")
    parser.add_argument("--repeat", type=int, default=1, help="runs per figure; the median wins")
    parser.add_argument(
        "--regimes", default=",".join(REGIMES), help=f"comma-separated: {','.join(REGIMES)}"
    )
    parser.add_argument("--streaming", action="store_true", help="stream every response (SSE)")
    parser.add_argument(
        "--baseline", action="store_true", help="also measure a bare aiohttp proxy (the floor)"
    )
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1)")
    parser.add_argument("--gateway-cpu", type=int, default=1, help="CPU for the gateway")
    parser.add_argument("--load-cpu", type=int, default=0, help="CPU for wrk and the upstreams")
    parser.add_argument("--no-pin", action="store_true", help="let the kernel place processes")
    parser.add_argument("--upstream-impl", choices=("raw", "aiohttp"), default="raw")
    parser.add_argument(
        "--gateway-command",
        metavar="CMD",
        help="start the gateway with CMD instead of 'governs' (a patched build, for A/B); "
        "'serve --config F --workers 1' is appended",
    )
    parser.add_argument(
        "--profile", type=Path, metavar="DIR", help="also profile saturation with py-spy into DIR"
    )
    parser.add_argument(
        "--quiet-threshold",
        type=float,
        default=0.15,
        help="cores other processes may use during a measurement (default 0.15)",
    )
    parser.add_argument(
        "--quiet-wait", type=float, default=120.0, help="longest wait for a quiet machine, s"
    )
    parser.add_argument(
        "--retries", type=int, default=3, help="re-runs of a disturbed measurement (default 3)"
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the figures as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    if args.no_pin:
        args.gateway_cpu = args.load_cpu = None
    unknown = set(args.regimes.split(",")) - set(REGIMES)
    if unknown:
        parser.error(f"unknown regimes: {sorted(unknown)}")
    if not (0 < args.duration <= 600 and 0 <= args.warmup <= 60 and 1 <= args.repeat <= 10):
        parser.error("keep --duration in (0, 600], --warmup in [0, 60], --repeat in [1, 10]")
    if not (0 <= args.quiet_wait <= 600 and 0 <= args.retries <= 10):
        parser.error("keep --quiet-wait in [0, 600] and --retries in [0, 10]")
    if args.profile and "saturation" not in args.regimes.split(","):
        parser.error("--profile profiles the saturation regime; include it in --regimes")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        sys.stderr.write("wrk is not installed: apt-get install wrk\n")
        return 2
    if args.gateway_cpu is not None and shutil.which("taskset") is None:
        sys.stderr.write("taskset is not installed (util-linux); or pass --no-pin\n")
        return 2
    regimes = [REGIMES[name] for name in args.regimes.split(",")]
    # Stopped from outside (timeout, kill): still stop the processes started below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = Path(tempfile.mkdtemp(prefix="governs-bench-"))
    processes: list[subprocess.Popen] = []

    def started(pair: tuple[subprocess.Popen, str]) -> tuple[subprocess.Popen, str]:
        processes.append(pair[0])
        return pair

    try:
        for line in machine_description(args):
            print(line)
        print(f"work dir: {workdir}", flush=True)
        upstreams: dict[int, tuple[subprocess.Popen, str]] = {}
        floors: dict[int, tuple[subprocess.Popen, str]] = {}
        for delay_ms in sorted({r.delay_ms for r in regimes}):
            upstreams[delay_ms] = upstream, upstream_url = started(
                start_listener(
                    f"upstream-{delay_ms}ms",
                    [str(FAKE_UPSTREAM), "--delay-ms", str(delay_ms), "--impl", args.upstream_impl],
                    args.load_cpu,
                    workdir,
                )
            )
            if args.baseline:
                floors[delay_ms] = started(
                    start_listener(
                        f"floor-{delay_ms}ms",
                        [str(BASELINE_PROXY), "--upstream", upstream_url],
                        args.gateway_cpu,
                        workdir,
                    )
                )
        command = shlex.split(args.gateway_command) if args.gateway_command else governs_command()
        config = gateway_config(
            workdir, free_port(), {delay: url for delay, (_, url) in upstreams.items()}
        )
        gateway, gateway_url = started(start_gateway(config, args.gateway_cpu, workdir, command))
        ledger = Ledger()
        smoke_test(gateway_url, model_name(regimes[0].delay_ms), args.streaming)
        ledger.ok += 1

        results: list[dict[str, Measurement]] = []
        profile: Profile | None = None
        for regime in regimes:
            upstream, upstream_url = upstreams[regime.delay_ms]
            print(f"measuring {regime.name}: {regime.title} ...", flush=True)
            targets = [Target(DIRECT, upstream_url, {"server": upstream.pid}, None)]
            if args.baseline:
                floor, floor_url = floors[regime.delay_ms]
                targets.append(
                    Target(FLOOR, floor_url, {"server": floor.pid, "upstream": upstream.pid}, None)
                )
            watched = {"server": gateway.pid, "upstream": upstream.pid}
            targets.append(Target(GATEWAY, gateway_url, watched, ledger))
            results.append(measure(regime, targets, args))
            if regime.name == "saturation" and args.profile:
                print("profiling saturation with py-spy ...", flush=True)
                profile = profile_saturation(gateway_url, gateway.pid, args, watched, ledger)

        exit_code = stop(gateway, signal.SIGINT)
        check = check_records(workdir, ledger)

        print()
        print("\n".join(table(results)))
        for line in whole_run_lines(results):
            print(line)
        print()
        print(
            "server CPU: cores used by the process under test (the fake upstream for direct; "
            "1.00 = one core busy); CPU µs/req: the same per request; other load: cores used "
            "by processes not in this benchmark, which disturb the figures."
        )
        print()
        print("Targets (2-core machine, one worker):")
        print("\n".join(verdicts(results)))
        print()
        print(
            f"Records: {check.usage_rows} usage_records rows for {check.expected_min} 2xx "
            f"responses counted (wrk warm-ups and the smoke test included; at most "
            f"{check.expected_max} allowed: requests in flight when wrk stopped are served but "
            f"not counted), {check.decision_rows} decisions (2 per usage row expected, plus at "
            f"most one per abandoned request), "
            f"{check.spooled_files} spooled files, gateway exit code {exit_code}: "
            f"{'PASS' if check.passed else 'FAIL'}"
        )
        if profile is not None:
            print()
            print(profile_report(profile))
        if args.json:
            args.json.write_text(
                json.dumps(
                    {
                        "machine": machine_description(args),
                        "command": sys.argv,
                        "results": [
                            {**asdict(m), "rps": m.rps} for r in results for m in r.values()
                        ],
                        "records": asdict(check),
                    },
                    indent=2,
                )
            )
        return 0 if check.passed else 1
    finally:
        for process in reversed(processes):
            stop(process)
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
