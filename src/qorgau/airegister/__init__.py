"""AI at work, part 2: the register of employers' AI deployments, their classification, approval by
worker representatives, job safeguards and tracked conditions (decision 0004)."""
