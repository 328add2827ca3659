"""Accidents and occupational diseases: rates with named bases, under-reporting, investigation deadlines.

`engine/` holds the plain functions over pandas/numpy (no database session): `intervals` (exact Poisson,
binomial and Fay-Feuer intervals), `rates` (rate bases, grouped rates over aggregated counts, pooling,
shares, severity, direct standardisation), `trend_test` (Poisson / negative-binomial trend test),
`capture_recapture` (Chapman, log-linear models), `linkage` (the same event across sources),
`form300a` (denominator files and hours estimate), `accident_file` (the generic accident layout), `formats`
(row models of the file layouts), `tables` (rows of a file), `exposure` (hours from headcount, size bands),
`targets` (national targets), `calendar_kz` (working days and public holidays), `deadlines` (the Labour Code
investigation clock).

Beside them, on the database: `models`, `states`, `service` (recording, scope, rates, under-reporting),
`workflow` (the investigation of one accident), `diseases`, `denominators`, `rate_tables` (yearly rates with
the trend test, league tables), `file_import` (accident and denominator files into the registry), `public`,
`act`, `views`, `api`, `cli`, `demo`; `labels` names bases, categories, causes and codes for both.
"""
