"""Collective agreements and their safety clauses: parties, dates, clauses by kind, model clauses, coverage."""
