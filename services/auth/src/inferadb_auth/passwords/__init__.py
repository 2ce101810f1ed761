"""Password reset by mail and password change."""
