"""The signed-in user: profile, password change, account deletion, emails."""
