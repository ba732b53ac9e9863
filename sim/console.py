"""The command line's plumbing: safe standard streams, one-line errors and warnings, reports.

Standard output and error survive a reader that leaves early (`| head`, `2>&1 | head`);
argument parsers report their usage errors in one line, like every other error of the commands.
"""

import argparse
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn


def plain_when_piped() -> dict[str, str]:
    """``NO_COLOR=1`` when standard error is not a terminal, for the environment.

    Optuna's log lines colour themselves (through colorlog) whatever the stream, and left
    escape codes in every log file and pipe; colorlog honours ``NO_COLOR``.
    """
    return {} if sys.stderr.isatty() else {"NO_COLOR": "1"}


class PipeSafeOutput:
    """Standard output (or error) that goes quiet, without an error, once its reader has gone.

    ``escalation run | head -1`` closes the pipe while the command still has lines to print;
    the command finishes its work and keeps its result folder instead of failing on a print.
    The same for standard error: ``calibrate ... 2>&1 | head -1`` stopped at its second
    progress line with status 1, no message and no folder.
    """

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        if hasattr(stream, "reconfigure"):  # a line as it is printed, in a log or a pipe too
            stream.reconfigure(line_buffering=True)

    def write(self, text: str) -> int:
        """Write ``text``, or drop it once the reader has gone."""
        try:
            return self.stream.write(text)
        except BrokenPipeError:
            self._discard()
            return len(text)

    def flush(self) -> None:
        """Flush, or stop quietly once the reader has gone."""
        try:
            self.stream.flush()
        except BrokenPipeError:
            self._discard()

    def _discard(self) -> None:
        """Point the descriptor at /dev/null, so later writes and the final flush succeed."""
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, self.stream.fileno())
        os.close(devnull)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


class OneLineParser(argparse.ArgumentParser):
    """An argparse parser whose usage errors are one ``error:`` line and exit status 2.

    argparse prints its usage block before the error; every other bad input of the
    commands is one line saying what is wrong, so the options' list is pointed to instead.
    """

    def error(self, message: str) -> NoReturn:
        """Print ``message`` as one line and exit with status 2."""
        self.exit(2, f"error: {message}; `{self.prog} --help` lists the options\n")


#: The flags Hydra's own parser takes (``hydra._internal.utils.get_args_parser``).
HYDRA_FLAGS = frozenset(
    "--cfg --config-dir --config-name --config-path --experimental-rerun --help --hydra-help "
    "--info --multirun --package --resolve --run --shell-completion --version "
    "-c -cd -cn -cp -h -i -m -p -r -sc".split()
)


def unknown_flag(args: list[str], prog: str) -> str | None:
    """One error line for the first argument that looks like a flag Hydra does not take.

    Hydra's parser prints its whole usage block before such an error; this says it in one line.
    """
    flag = next((a for a in args if a.startswith("-") and a.split("=")[0] not in HYDRA_FLAGS), None)
    if flag is None:
        return None
    return f"unrecognized argument {flag}; `{prog} --help` lists the options"


def fail(message: str, status: int = 2) -> NoReturn:
    """Print an error the user can act on, without a traceback, and exit (status 2)."""
    print(f"error: {message}", file=sys.stderr)
    sys.exit(status)


class Terminated(BaseException):
    """SIGTERM arrived: unwind like Ctrl-C, so temporary files are removed on the way out."""


def terminate(signum: int, frame: object) -> None:
    """The SIGTERM handler of `escalation`."""
    raise Terminated


def end_interrupted(stop: BaseException, command: list[str]) -> NoReturn:
    """End an interrupted ``command`` in one line: 130 for Ctrl-C, 143 for SIGTERM."""
    kind = "an exploration" if command == ["explore"] else "a sweep"
    folder = getattr(stop, "__notes__", [None])[0]  # a sweep's, once it has one
    again = f" ({kind} resumes where it stopped when run again with hydra.sweep.dir={folder})"
    ctrl_c = isinstance(stop, KeyboardInterrupt)
    said, status = ("interrupted", 130) if ctrl_c else ("terminated", 143)
    fail(f"{said}; temporary files were removed{again if folder else ''}", status)


def interruption(problem: BaseException) -> BaseException | None:
    """The Ctrl-C or SIGTERM among the causes of ``problem``, if any.

    An interrupt while Hydra composed a sweep's config was once reported as a wrong key.
    """
    seen: set[int] = set()
    cause: BaseException | None = problem
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, (KeyboardInterrupt, Terminated)):
            return cause
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return None


@contextlib.contextmanager
def lost_interrupts_raised() -> Iterator[None]:
    """Raise again a Ctrl-C or SIGTERM that landed where Python cannot raise it.

    A signal that arrives while the garbage collector runs a weakref callback (a sweep frees
    each block's Mesa model) raises there; Python prints "Exception ignored" and drops it, and
    the sweep went on to its end with status 0. The hook sends the same signal to this thread
    again a moment later, from a timer (sent at once, it would be raised in the hook itself and
    dropped again), to be raised in the code that runs then. It is a real signal, so that
    `report` holds it back while a job prints its results, as it holds back a Ctrl-C.
    """
    previous, here, timers = sys.unraisablehook, threading.get_ident(), []

    def hook(unraisable: Any) -> None:
        lost = unraisable.exc_type
        if lost is not None and issubclass(lost, (KeyboardInterrupt, Terminated)):
            signum = signal.SIGINT if lost is KeyboardInterrupt else signal.SIGTERM
            timers.append(threading.Timer(0.01, signal.pthread_kill, args=(here, signum)))
            timers[-1].start()
        else:
            previous(unraisable)

    sys.unraisablehook = hook
    try:
        yield
    finally:
        sys.unraisablehook = previous
        for timer in timers:
            timer.cancel()


_warned: set[str] = set()


def show_warning(message: Any, category: Any, *args: Any, **kwargs: Any) -> None:
    """Warnings as one line each, ``warning: ...``, each said once (checks run twice)."""
    if str(message) not in _warned:
        _warned.add(str(message))
        print(f"warning: {message}", file=sys.stderr)


#: The folder of a single job that printed its report: the command's work is done, and an
#: interrupt after that (Ctrl-C as the results line appears) neither removes it nor fails.
reported: set[Path] = set()


def report(text: str, folder: Path) -> None:
    """Print a Hydra job's report, which ends with its ``results:`` line; a single job is done.

    Ctrl-C is held back while it prints and is recorded, so that an interrupt lands either
    before the report (the job failed, its folder is removed) or after it (the job is done).
    """
    from hydra.core.hydra_config import HydraConfig

    single = str(HydraConfig.get().mode) != "RunMode.MULTIRUN"  # not one cell of a sweep
    done = folder.resolve()
    with interrupt_held():
        print(text, flush=True)
        if single:
            reported.add(done)


@contextlib.contextmanager
def interrupt_held() -> Iterator[None]:
    """Run the block whole: a Ctrl-C that lands in it is raised once it has ended.

    The handler is swapped rather than the signal masked: a mask holds the signal back from
    this thread only, and the kernel gave it to another (a progress bar's, a library's), whose
    flag Python then raised here between the results line and its record, failing a finished run.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # Python runs its signal handlers in the main thread only
        return
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        yield  # started in the background: there is no Ctrl-C to hold
        return
    held: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: held.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler if previous is None else previous)
    if held:
        raise KeyboardInterrupt


def say(message: str) -> None:
    """Progress of a long command, on standard error so it stays out of the report."""
    print(message, file=sys.stderr, flush=True)


#: The resource trackers' "leaked semaphore objects to clean up" warnings, left unsaid.
QUIET_TRACKERS = "ignore:resource_tracker:UserWarning"


def set_worker_environment() -> None:
    """What the processes a command starts inherit, unless the user set it otherwise.

    Ray folds lines its workers print alike within seconds into one ("[repeated 2x across
    cluster]"): a sweep cell's report lost lines, and showed another's numbers. A parallel
    launcher's workers killed at an interrupt leave semaphores that the resource trackers
    (interpreters of their own) clean up, and say so in two lines after the command's one.
    """
    os.environ.setdefault("RAY_DEDUP_LOGS", "0")
    os.environ.setdefault("PYTHONWARNINGS", QUIET_TRACKERS)
