"""Audit: signed checkpoints over the event log, verification of chains and checkpoints, the access log, and the
seed's inspection rules over a case's history."""
