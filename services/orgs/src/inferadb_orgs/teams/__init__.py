"""Teams of an organization, their members and their ``ORG_PERM_*`` permissions."""
