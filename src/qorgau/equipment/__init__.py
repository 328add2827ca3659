"""Equipment wear and re-equipment: the register of hazardous equipment per site and zone, its service life,
inspections and certificates, accidents caused by worn equipment, and the enterprises' re-equipment plans."""
