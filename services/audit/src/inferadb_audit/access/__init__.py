"""Who may read an organization's audit log: the role projection fed by orgs' events, and the rule."""
