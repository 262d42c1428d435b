"""The statistical tables of the seed (附件3-1 to 3-4) and the village reports that carry them to the township."""
