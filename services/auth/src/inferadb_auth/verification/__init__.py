"""Email verification: confirming a token, resending the mail."""
