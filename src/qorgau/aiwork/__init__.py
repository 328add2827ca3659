"""AI at work: exposure of jobs to generative AI (ILO 2025 index), scenarios and reskilling pathways.

Phase A modules (plain functions over pandas/numpy, no database):
`reference` (shipped data), `gradients` (the ILO 2025 rule), `employment` (input validation and
splitting of ISCO codes), `exposure` (aggregation), `lenses` (US-based alternative indices),
`scenarios` (adoption speed), `reskilling` (target occupations and skill gaps), `synthetic` (demo data).
"""
