"""`python main.py ARGS` (or another script of the project) run inside the test process: the
same entry (main.py as `__main__`, its one-line StoreError and exit codes), with the
environment, working directory, sys.path, stdin, stdout and stderr the subprocess would have had. A subprocess pays ~1.3 s of interpreter and imports; this
pays none. Tests where the process itself matters (signals, exit on a closed pipe, a start-up
that must not hang) keep a real subprocess; each command family keeps at least one.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import gc
import io
import logging
import os
import runpy
import subprocess
import sys
import threading
import traceback
from collections.abc import Iterator, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OURS = ("BOT_", "TELEGRAM_", "WECOM_")
# Loggers whose level bot.logs.configure sets, restored after each run.
CONFIGURED = ("", "httpx", "aiosqlite")
LINGER = 5.0  # seconds a thread the command started may take to end before it counts as a hang


def clean_env(**settings: str) -> dict[str, str]:
    """This process's environment without our settings, plus `settings`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(OURS)}
    return env | settings


def main_py(
    args: list[str], env: Mapping[str, str], stdin: str = "", *, alone: bool = True
) -> subprocess.CompletedProcess[str]:
    """`python main.py ARGS` in ROOT with `env` (see `script`)."""
    return script("main.py", args, env, stdin, alone=alone)


def script(
    path: str, args: list[str], env: Mapping[str, str], stdin: str = "", *, alone: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run `path` (relative to ROOT) with `args` as `python PATH ARGS` would in ROOT with
    `env`; never raises for what the script does (an uncaught exception is a traceback on
    stderr and exit code 1).
    `alone`: nothing else runs meanwhile, so a thread that appeared is the command's own, and
    one left running fails the test (it would keep a real process from exiting).

    Called inside a running loop, it blocks that loop as subprocess.run would (main.py runs
    its own loop, so in a thread of its own); use `main_py_async` when the test's loop must
    keep serving (a fake server the command talks to)."""
    if _in_loop():
        with concurrent.futures.ThreadPoolExecutor(1) as own:
            return own.submit(script, path, args, env, stdin, alone=alone).result()
    stdout, stderr = _text_stream(), _text_stream()
    before = set(threading.enumerate())
    with _process_state([path, *args], env, stdin, stdout, stderr, alone):
        try:
            runpy.run_path(str(ROOT / path), run_name="__main__")
            code = 0
        except SystemExit as exit_:
            code = _exit_code(exit_.code, stderr)
        except BaseException:  # the interpreter prints it and exits 1
            traceback.print_exc(file=stderr)
            code = 1
        if alone:  # as the interpreter's exit does: wait for the threads still running
            _no_lingering_threads(before, [path, *args])
    return subprocess.CompletedProcess([path, *args], code, _value(stdout), _value(stderr))


async def main_py_async(
    args: list[str], env: Mapping[str, str], stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """`main_py` from inside a running loop (main.py runs its own loop, so in a thread); the
    loop's own threads come and go meanwhile, so lingering threads are not looked for."""
    return await asyncio.to_thread(main_py, args, env, stdin, alone=False)


def _in_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _text_stream() -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="", write_through=True)


def _value(stream: io.TextIOWrapper) -> str:
    raw = stream.buffer
    assert isinstance(raw, io.BytesIO)
    return raw.getvalue().decode("utf-8")


def _exit_code(code: object, stderr: io.TextIOWrapper) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=stderr)  # sys.exit("message"), as the interpreter does
    return 1


@contextlib.contextmanager
def _process_state(
    argv: list[str],
    env: Mapping[str, str],
    stdin: str,
    stdout: io.TextIOWrapper,
    stderr: io.TextIOWrapper,
    alone: bool,
) -> Iterator[None]:
    """Everything a process owns that main.py reads or sets, put back afterwards. `alone`: an
    exception ending a thread is printed on this stderr, as a process prints its own."""
    saved_env = dict(os.environ)
    saved_cwd = os.getcwd()
    saved_argv = sys.argv
    saved_path = sys.path[:]
    saved_streams = sys.stdin, sys.stdout, sys.stderr
    loggers = [logging.getLogger(name) for name in CONFIGURED]
    saved_logging = [(lg, lg.handlers[:], lg.level) for lg in loggers]
    frozen = gc.get_freeze_count()
    saved_hook = threading.excepthook
    if alone:
        threading.excepthook = threading.__excepthook__  # prints to sys.stderr
    os.environ.clear()
    os.environ.update(env)
    os.chdir(ROOT)
    sys.argv = argv
    sys.path.insert(0, str((ROOT / argv[0]).parent))  # as `python PATH` puts its folder first
    sys.stdin = io.StringIO(stdin)
    sys.stdout, sys.stderr = stdout, stderr
    try:
        yield
    finally:
        threading.excepthook = saved_hook
        sys.stdin, sys.stdout, sys.stderr = saved_streams
        sys.argv = saved_argv
        sys.path[:] = saved_path
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        for lg, handlers, level in saved_logging:
            lg.handlers[:] = handlers
            lg.setLevel(level)
        if gc.get_freeze_count() > frozen:  # start-up froze its objects: a process would end
            gc.unfreeze()


def _no_lingering_threads(before: set[threading.Thread], args: list[str]) -> None:
    """A thread the command left running would keep a real process from exiting: a hang."""
    for thread in set(threading.enumerate()) - before:
        if not thread.daemon:
            thread.join(LINGER)
            if thread.is_alive():
                raise AssertionError(f"{' '.join(args)} left {thread!r} running")
