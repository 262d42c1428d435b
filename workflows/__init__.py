"""Processes and use cases: the Temporal workflows and their activities, and the services the API and the workers
share, by context (see docs/architecture.md)."""
