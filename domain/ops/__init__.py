"""Operations: repairs by operations staff, recorded with who did them and why."""
