"""Second factors: TOTP enrolment and removal, recovery codes, and the second step of a password sign-in."""
