"""Pure cluster-detection engines (no database): the space-time permutation scan statistic."""
