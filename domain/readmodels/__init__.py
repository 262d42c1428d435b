"""Read models: tables folded from the event store by projections (exactly once, tracked). The only part of the
domain that speaks SQL; what an event means is decided in its context, the read models only store it."""
