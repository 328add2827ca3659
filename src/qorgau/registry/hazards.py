"""The 14 hazard categories: one vocabulary for workers' reports, violations and the knowledge base."""

from qorgau.core.i18n_markers import N_

CATEGORIES = {
    "machinery_equipment": N_("Machinery and equipment"),
    "electrical": N_("Electrical"),
    "falls_heights": N_("Falls and work at height"),
    "chemical_gas_dust": N_("Chemicals, gas and dust"),
    "fire_explosion": N_("Fire and explosion"),
    "ppe": N_("Personal protective equipment"),
    "transport_vehicles": N_("Transport and vehicles"),
    "confined_space": N_("Confined spaces"),
    "physical_environment": N_("Noise, heat, light, vibration"),
    "ergonomics_workload": N_("Ergonomics and workload"),
    "biological": N_("Biological hazards"),
    "psychosocial_harassment": N_("Psychosocial risks and harassment"),
    "labor_rights": N_("Labour rights"),
    "other": N_("Other"),
}
