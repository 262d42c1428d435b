"""The case workflow (one per monitoring case), its activities, contracts, search attributes and client."""
