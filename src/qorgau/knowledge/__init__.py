"""Best-practice database: practices with versions, two-step review and publication, adoptions, and a search that crosses languages."""
