"""Start-up and fixed costs of the command line (issue 30, item 3).

    .venv/bin/python benchmarks/startup.py [--runs 5] [--rows 1000000] [--baseline-runs 3]
                                           [--dir DIR] [--no-baseline]

Targets: `batchops --help` within 0.3 s of `python -c pass` with the same interpreter; the
list commands within 0.5 s on an existing home; `batchops baseline` on a 1M-row churn CSV,
start included, at 50% or more of the fastest parse-alone rate of the same file (Arrow's or
polars' CSV reader, all threads, measured in the same run). Then where the baseline's fixed
seconds go: imports (`python -X importtime`, per top package), the job's phases (probe,
reading, merging the sketches, statistics, constraints, the JSON files) and the exit.

Commands run as a user runs them: the `batchops` script beside this interpreter, with their
bytecode cached (a warm-up run each, PYTHONDONTWRITEBYTECODE unset, as an installed package
has its .pyc files), in rounds that take every command once, so a change in the host's load
weighs on all of them alike. On a shared host every time moves with the load; the difference
to `python -c pass` and the share of parse-alone move less.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from _limits import threads_environment
from _monitoring import churn_file

HELP_TARGET = 0.3  # seconds more than `python -c pass`
LIST_TARGET = 0.5  # seconds
PARSE_SHARE_TARGET = 0.5

HELP_COMMANDS = [["--help"], ["registry", "--help"], ["transform", "--help"]]
LIST_COMMANDS = [
    ["execution", "list"],
    ["registry", "groups"],
    ["pipeline", "list"],
    ["registry", "versions", "customer-churn"],
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="Rounds of the commands.")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--baseline-runs", type=int, default=3)
    parser.add_argument("--dir", type=Path, help="Keep the generated data here (reused).")
    parser.add_argument("--no-baseline", action="store_true", help="Only the commands.")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as scratch:
        env = _command_environment(Path(scratch) / "home")
        subprocess.run([sys.executable, "-c", _PREPARE], env=env, check=True)
        python = _time_commands(env, arguments.runs)
        if not arguments.no_baseline:
            folder = arguments.dir or Path(scratch)
            folder.mkdir(parents=True, exist_ok=True)
            data = churn_file(folder, arguments.rows, seed=1)
            _baseline_share(data, Path(scratch), env, arguments.baseline_runs, python)


def _command_environment(home: Path) -> dict[str, str]:
    env = {**os.environ, "BATCHOPS_HOME": str(home)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed package has its .pyc files
    return env


def _batchops() -> str:
    return str(Path(sys.executable).with_name("batchops"))


def _wall(argv: list[str], env: dict[str, str]) -> float:
    return _run(argv, env)[0]


def _run(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time and CPU time (user and system, of the process and what it waited for)."""
    cpu = _children_cpu()
    started = time.perf_counter()
    subprocess.run(argv, env=env, capture_output=True, check=True)
    return time.perf_counter() - started, _children_cpu() - cpu


def _python(env: dict[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    """This interpreter run with `arguments`; its output as text."""
    return subprocess.run(
        [sys.executable, *arguments], env=env, capture_output=True, text=True, check=True
    )


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _time_commands(env: dict[str, str], runs: int) -> float:
    """Print each command's median wall time against `python -c pass`; return the latter.
    The CPU time is printed too: on a busy host a process waits for a core, and its wall time
    grows while its CPU time (what a quiet host's wall time comes close to) hardly does."""
    commands = {"python -c pass": [sys.executable, "-c", "pass"]}
    for command in HELP_COMMANDS + LIST_COMMANDS:
        commands["batchops " + " ".join(command)] = [_batchops(), *command]
    for argv in commands.values():  # warm-up: bytecode written, files in the page cache
        _wall(argv, env)
    times: dict[str, list[tuple[float, float]]] = {label: [] for label in commands}
    for _ in range(runs):
        for label, argv in commands.items():
            times[label].append(_run(argv, env))
    medians = {label: statistics.median(t for t, _ in values) for label, values in times.items()}
    cpu = {label: statistics.median(c for _, c in values) for label, values in times.items()}
    python = medians["python -c pass"]
    print(f"commands, median of {runs} rounds ({sys.executable}), wall and CPU time:")
    for label, median in medians.items():
        line = f"  {label:<42} {median:6.3f} s (CPU {cpu[label]:5.3f} s)"
        if label != "python -c pass":
            line += f"  {median - python:+6.3f} s, {median / python:5.1f}x python -c pass"
        if label.endswith("--help"):
            met = median - python <= HELP_TARGET
            line += f"  (target +{HELP_TARGET} s: {'met' if met else 'MISSED'})"
        elif label != "python -c pass":
            line += f"  (target {LIST_TARGET} s: {'met' if median <= LIST_TARGET else 'MISSED'})"
        print(line)
    return python


def _baseline_share(
    data: Path, scratch: Path, env: dict[str, str], runs: int, python: float
) -> None:
    """`batchops baseline` from the shell against the fastest parse-alone rate, taken in
    alternation so both meet the same load; then where its fixed seconds go."""
    out = scratch / "baseline-out"
    _wall([_batchops(), "baseline", str(data), "--out", str(out)], env)  # warm-up
    parses: list[dict[str, float]] = []
    cli: list[float] = []
    for run in range(runs):
        parses.append(_parse_alone(data, env))
        cli.append(_wall([_batchops(), "baseline", str(data), "--out", str(out / str(run))], env))
    rows = parses[0]["rows"]
    arrow = statistics.median(p["arrow"] for p in parses)
    polars = statistics.median(p["polars"] for p in parses)
    parse = min(arrow, polars)
    seconds = statistics.median(cli)
    size = data.stat().st_size / 2**20
    print(f"\nbatchops baseline on {rows:,.0f} rows ({size:,.0f} MiB), median of {runs} runs:")
    print(f"  parse alone, Arrow pyarrow.csv.read_csv (threads): {arrow:.3f} s")
    print(f"  parse alone, polars.read_csv (threads):            {polars:.3f} s")
    print(
        f"  batchops baseline from the shell: {seconds:.3f} s = {rows / seconds:,.0f} rows/s, "
        f"{seconds - python:+.3f} s over python -c pass"
    )
    share = parse / seconds
    verdict = "met" if share >= PARSE_SHARE_TARGET else "MISSED"
    print(
        f"  share of the fastest parse-alone rate: {share:.0%} "
        f"(target {PARSE_SHARE_TARGET:.0%}: {verdict}); fixed cost over parsing: "
        f"{seconds - parse:.2f} s"
    )
    _import_breakdown(data, scratch / "importtime-out", env)
    _phase_breakdown(data, scratch, env, python)


def _parse_alone(data: Path, env: dict[str, str]) -> dict[str, float]:
    here = str(Path(__file__).parent)
    threads = threads_environment(os.cpu_count() or 1)
    limits = {name: threads[name] for name in ("POLARS_MAX_THREADS", "OMP_NUM_THREADS")}
    done = _python({**env, **limits}, "-c", _PARSE, str(data), here)
    figures: dict[str, float] = json.loads(done.stdout)
    return figures


def _import_breakdown(data: Path, out: Path, env: dict[str, str], top: int = 12) -> None:
    """`python -X importtime` of the command: self time summed per top-level package."""
    command = ["-m", "batchops.cli.main", "baseline", str(data), "--out", str(out)]
    done = _python(env, "-X", "importtime", *command)
    per_package: Counter[str] = Counter()
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, _, name = line.removeprefix("import time:").split("|")
        per_package[name.strip().split(".")[0]] += int(own)
    total = sum(per_package.values()) / 1e6
    print(
        f"\nwhat `batchops baseline` imports: {total:.2f} s by python -X importtime "
        f"(which adds its own overhead), {len(per_package)} top-level packages; the largest:"
    )
    for package, micros in per_package.most_common(top):
        print(f"  {package:<24} {micros / 1e6:6.3f} s")


def _phase_breakdown(data: Path, scratch: Path, env: dict[str, str], python: float) -> None:
    """One `batchops baseline` run in a process whose steps are timed from the inside."""
    spawned = time.time()
    outputs = [str(scratch / "phases-out"), str(scratch / "phases-again")]
    done = _python(env, "-c", _PHASES, str(data), *outputs)
    ended = time.time()
    line = next(x for x in reversed(done.stdout.splitlines()) if x.startswith("FIGURES "))
    figures = json.loads(line.removeprefix("FIGURES "))
    exit_started = float(done.stderr.split("exit-at ")[-1].split()[0])
    job, again = figures["job"], figures["again"]
    print(
        f"\nwhere the {ended - spawned:.2f} s of one `batchops baseline` run go "
        "(timed inside its process):"
    )
    print(f"  {'interpreter start':<60} {figures['started'] - spawned:6.3f} s")
    print(f"  {'importing the CLI (typer, rich, the commands)':<60} {figures['cli_import']:6.3f} s")
    print(
        f"  {'importing the monitoring library (numpy, pyarrow, ...)':<60} "
        f"{figures['monitor_import']:6.3f} s"
    )
    around = figures["cli_run"] - job
    print(f"  {'the command line around the job (building, parsing, output)':<60} {around:6.3f} s")
    print(f"  {'the job: monitor.baseline()':<60} {job:6.3f} s   again, libraries loaded:")
    counted_first = counted_again = 0.0
    for label, first_seconds, again_seconds in figures["steps"]:
        print(f"    {label:<58} {first_seconds:6.3f} s   {again_seconds:6.3f} s")
        if not label.startswith(" "):  # a part of the step above is not counted twice
            counted_first += first_seconds
            counted_again += again_seconds
    rest = ("the rest of the job", job - counted_first, again - counted_again)
    print(f"    {rest[0]:<58} {rest[1]:6.3f} s   {rest[2]:6.3f} s")
    print(f"  {'interpreter exit':<60} {ended - exit_started:6.3f} s")
    print(f"  (python -c pass: {python:.3f} s in all)")
    imported = figures["imported_in_job"]
    print(
        f"  the first run imported {', '.join(imported) or 'nothing'}: "
        f"{_import_seconds(env, imported):.3f} s in a fresh process (the library loaded)"
    )


def _import_seconds(env: dict[str, str], packages: list[str]) -> float:
    """How long importing `packages` takes once the monitoring library is loaded."""
    script = (
        "import sys, time\nimport batchops.monitor\nstarted = time.perf_counter()\n"
        "for name in sys.argv[1:]:\n    __import__(name)\n"
        "print(time.perf_counter() - started)"
    )
    return float(_python(env, "-c", script, *packages).stdout)


# Registration loads the model, so the version the listings show is a real (tiny) booster.
_PREPARE = """
import os, tempfile
import numpy as np, xgboost as xgb
from batchops import registry
from batchops.models import pack_model
from batchops.runtime.pipelines import store_provided
store_provided()
rows = np.random.default_rng(0).random((32, 2))
booster = xgb.train({"objective": "binary:logistic"}, xgb.DMatrix(rows, label=rows[:, 0] > 0.5))
path = os.path.join(tempfile.mkdtemp(), "model.tar.gz")
with open(path, "wb") as handle:
    handle.write(pack_model({"xgboost-model": bytes(booster.save_raw("json"))}))
registry.register_version("customer-churn", model_data_uri=path)
"""

# The floor, the same as every benchmark's (`_limits.parse_seconds`): the whole file parsed by
# each reader with all threads, libraries loaded (a first read, untimed, loads them).
_PARSE = r"""
import json, os, sys
sys.path.insert(0, sys.argv[2])
from _limits import parse_seconds
threads = os.cpu_count() or 1
parse_seconds(sys.argv[1], threads, header=True)
print(json.dumps(parse_seconds(sys.argv[1], threads, header=True)))
"""

# `batchops baseline` run in this process through the CLI's entry point, with timing wrappers
# around the job's steps (set here, in the benchmark's own process), then the same job again
# with everything loaded. The exit's start is written last, by the first atexit handler.
_PHASES = r"""
import atexit, json, sys, time
started = time.time()
atexit.register(lambda: sys.stderr.write(f"exit-at {time.time()}\n"))
data, out, again_out = sys.argv[1:4]
spent = {}

def timed(owner, name, label):
    original = getattr(owner, name)
    def wrapper(*args, **kwargs):
        began = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[label] = spent.get(label, 0.0) + time.perf_counter() - began
    setattr(owner, name, wrapper)
    return label

began = time.perf_counter()
from batchops.cli.main import run
cli_import = time.perf_counter() - began
began = time.perf_counter()
import batchops.monitor
from batchops.monitor import jobs, profiling
monitor_import = time.perf_counter() - began
job = timed(batchops.monitor, "baseline", "job")  # what the command calls
steps = [
    timed(jobs, "probe_input", "probe: header and column types from the first rows"),
    timed(jobs, "_profile", "reading and profiling the rows (threads)"),
    timed(profiling.DatasetProfile, "merge", "  of which merging the parts' profiles"),
    timed(profiling.DatasetProfile, "statistics", "the sketches into statistics"),
    timed(jobs, "suggest_constraints", "suggesting the constraints"),
    timed(jobs, "dump_json", "the JSON text of statistics.json, constraints.json"),
    timed(jobs, "_write_output_set", "writing the files and their manifest"),
]
loaded = {name.split(".")[0] for name in sys.modules}
began = time.perf_counter()
try:
    run(["baseline", data, "--out", out])
except SystemExit as done:
    assert not done.code, done.code
cli_run = time.perf_counter() - began
imported = sorted({name.split(".")[0] for name in sys.modules} - loaded)
first = dict(spent)
spent.clear()
began = time.perf_counter()
jobs.baseline(data, again_out)
again = time.perf_counter() - began
print("FIGURES " + json.dumps({
    "started": started, "cli_import": cli_import, "monitor_import": monitor_import,
    "cli_run": cli_run, "job": first[job], "again": again,
    "steps": [(step, first.get(step, 0.0), spent.get(step, 0.0)) for step in steps],
    "imported_in_job": [name for name in imported if not name.startswith("_")],
}))
"""

if __name__ == "__main__":
    main()
