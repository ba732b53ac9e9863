"""`python -m sim` is the `escalation` command."""

from sim.cli import main

if __name__ == "__main__":
    main()
