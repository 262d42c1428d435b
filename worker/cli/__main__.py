"""``python -m worker.cli``: the ``dixian`` command (the stack's supervisor starts its processes this way)."""

from worker.cli import main

if __name__ == "__main__":  # not when a process started with "spawn" imports this module again (dixian import)
    main()
