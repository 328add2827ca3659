"""The top floor: the web application, the demo and (beside it, `qorgau.cli`) the command line put the
capability packages together. Nothing below imports from here."""
