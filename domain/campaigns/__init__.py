"""The screening campaign (百日攻坚): its scope and milestones, and the screenings (排查) of households in it."""
