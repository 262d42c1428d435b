"""The household registry: households and their members, staff, ID-number claims and each household's open cases."""
