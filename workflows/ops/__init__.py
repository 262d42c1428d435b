"""Operations: late and stuck cases, repairs, lag, and replay of recorded histories."""
