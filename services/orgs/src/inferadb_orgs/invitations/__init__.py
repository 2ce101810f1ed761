"""Invitations into an organization: sent by its admins, answered by the invitee."""
