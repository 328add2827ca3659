"""Accidents and occupational diseases: rates with named bases, under-reporting, investigation deadlines.

Phase A modules (plain functions over pandas/numpy, no database):
`labels` (user-facing names of bases, categories, causes, ESAW codes), `intervals` (exact Poisson,
binomial and Fay-Feuer intervals), `rates` (rate bases, grouped rates over aggregated counts, pooling,
shares, severity, direct standardisation), `trend` (Poisson / negative-binomial trend test),
`capture_recapture` (Chapman, log-linear models), `linkage` (the same event across sources),
`form300a` (denominator import and hours estimate), `accident_import` (generic accident layout),
`calendar_kz` (working days and public holidays), `deadlines` (the Labour Code investigation clock).

On the database: `models`, `service` (recording, scope, rates, under-reporting), `workflow` (the investigation
of one accident), `diseases`, `denominators`, `trends`, `importer`, `views`, `api`, `cli`, `demo`.
"""
