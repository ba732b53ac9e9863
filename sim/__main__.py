"""`python -m sim` is the `escalation` command."""

from sim.cli import entry

if __name__ == "__main__":
    entry()
