"""Equipment wear and re-equipment: the register of hazardous equipment per site and zone, its service life,
inspections and certificates, accidents caused by worn equipment, and the enterprises' re-equipment plans."""

from qorgau.equipment import service

# Registered when the package is loaded at all, so the registry's enterprise card shows the equipment past its
# service life wherever the card is rendered.
service.show_on_enterprise_card()
