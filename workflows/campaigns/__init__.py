"""The campaign workflow (the 百日攻坚 clock) and its activities and contracts."""
