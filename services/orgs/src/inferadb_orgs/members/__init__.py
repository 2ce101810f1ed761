"""Organization members: listing, role changes, removal, leaving, ownership transfer."""
