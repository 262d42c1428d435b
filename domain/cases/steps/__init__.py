"""The commands of a monitoring case, by part of its life."""
