"""The rules of a case: identification, deadlines, assistance and elimination."""
