"""Run a command in this process and check that it failed the way a user should see it.

`refused` is `escalation ARGV` through `sim.cli.main`, the same code path as the installed
command, without an interpreter's start-up: a few tests per command still run it in a
subprocess, to check the whole process's output; the many bad-input cases run here.
"""

import sys

import pytest


def refused(capsys, *argv: str) -> str:
    """Run ``escalation ARGV``; return its one-line error after checking the exit and output.

    The exit status must be 2 and stderr must hold that one ``error: ...`` line and nothing
    else (no traceback, no warning, no usage block).
    """
    from sim.cli import main

    saved = sys.argv[:]  # the Hydra commands set sys.argv for Hydra to parse
    try:
        with pytest.raises(SystemExit) as stop:
            main(list(argv))
    finally:
        sys.argv = saved
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert stop.value.code == 2, err
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]
