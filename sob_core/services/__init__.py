"""Domain logic. Services take plain values and sessions; they never touch Flask's request."""
