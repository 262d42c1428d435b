"""``python -m worker.cli``: the ``dixian`` command (the stack's supervisor starts its processes this way)."""

from worker.cli import main

if __name__ == "__main__":  # run as a program only: importing this module starts nothing
    main()
