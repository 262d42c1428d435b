"""The report tables as documents and files, and the nightly report cycle."""
