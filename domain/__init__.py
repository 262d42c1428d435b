"""The domain: pure rules, aggregates and their events, by context (see docs/architecture.md)."""
