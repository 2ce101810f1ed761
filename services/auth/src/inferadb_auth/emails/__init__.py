"""A user's email addresses: adding, verifying (claiming), making primary, removing, expiring."""
