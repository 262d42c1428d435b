"""Checkpoints, verification and exports (the key that signs them is configuration: ``workflows.kernel.keys``)."""
