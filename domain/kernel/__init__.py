"""The shared kernel: what every context of the domain speaks of in the same words (areas, actors, errors, the hash
chain, stored names, time), and nothing that belongs to one context alone."""
