"""Auth service: users, emails, passwords, sessions, verification and reset tokens, CLI login."""
