"""The Trade Union Safety Index: methodology as data, composite scores, rank intervals, sensitivity."""
