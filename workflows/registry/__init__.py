"""The registry's use cases (roster import, households, staff) and roster files."""
