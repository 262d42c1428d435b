"""``python -m worker.cli``: the ``dixian`` command (the stack's supervisor starts its processes this way)."""

from worker.cli import main

main()
