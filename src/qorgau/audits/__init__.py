"""Social audits of working conditions: a versioned questionnaire (Labour Code and ILO conventions), audits of
an enterprise with its parties, offline fieldwork, confidential worker interviews, findings, the employer's
reply and corrective plan, scores by area, and a published summary beside the employer's reply."""
