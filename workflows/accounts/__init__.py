"""User accounts: the use cases the API and the command line share (``service``)."""
