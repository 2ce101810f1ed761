"""The user directory: what orgs knows about users, learnt from auth's events."""
