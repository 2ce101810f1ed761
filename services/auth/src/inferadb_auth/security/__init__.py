"""Password hashing and policy, random tokens."""
