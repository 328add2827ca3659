"""User-facing names (English message ids, translated at display time) of bases, categories, causes and codes.

ESAW deviation and contact-mode groups are the Eurostat ESAW 2013 top-level codes verified in
shared/reference/kz-regulatory.md section 6.1; the material-agent groups there are marked "from memory,
check against the ESAW 2013 methodology", so they are kept here as labels only, never as validation rules.
"""

from __future__ import annotations

from qorgau.core.i18n_markers import N_

BASE_LABELS = {
    "per_1m_hours": N_("Frequency rate per 1,000,000 hours worked (ILO)"),
    "per_1000_workers": N_("Incidence per 1,000 workers (ILO; Kazakhstan's frequency coefficient)"),
    "per_100k_workers": N_("Incidence per 100,000 workers (SDG 8.8.1, ESAW)"),
    "per_200k_hours": N_("Cases per 200,000 hours worked (OSHA TRIR, DART)"),
}

SEVERITY_BASE_LABELS = {
    "per_1m_hours": N_("Days lost per 1,000,000 hours worked (ILO severity rate)"),
    "per_1000_workers": N_("Days lost per 1,000 workers"),
    "per_100k_workers": N_("Days lost per 100,000 workers"),
    "per_200k_hours": N_("Days lost per 200,000 hours worked"),
}

OUTCOMES = {
    "fatal": N_("fatal"),
    "serious": N_("serious"),
    "light": N_("light"),
}

SEVERITY_FILTERS = {
    "all": N_("all cases"),
    "fatal": N_("fatal cases"),
    "serious": N_("serious cases (not fatal)"),
    "serious_or_fatal": N_("serious and fatal cases"),
    "nonfatal": N_("non-fatal cases"),
}

CATEGORIES = {
    "light": N_("accident (investigated by the employer's commission)"),
    "group": N_("group accident (2 or more workers)"),
    "serious": N_("serious accident"),
    "fatal": N_("fatal accident"),
}

COMMISSION_LEVELS = {
    "employer": N_("employer's commission"),
    "territorial_inspector": N_("state labour inspector of the territorial unit"),
    "chief_regional_inspector": N_("chief state labour inspector of the region"),
    "ministry": N_("commission of the Ministry of Labour"),
    "government": N_("Government commission"),
}

CAUSES = {
    "worn_equipment": N_("worn-out or faulty equipment"),
    "employer_negligence": N_("employer negligence"),
    "unsafe_act": N_("unsafe act of the worker"),
    "organisation": N_("poor organisation of work"),
    "training": N_("inadequate training and instruction"),
    "ppe": N_("personal protective equipment not provided or not used"),
    "road_traffic": N_("road traffic accident"),
    "third_party": N_("act of a third party"),
    "other": N_("other cause"),
    "unknown": N_("cause not established"),
}

EMPLOYMENT_STATUS = {
    "employee": N_("employee"),
    "contractor": N_("contractor's worker"),
    "agency": N_("staffing-agency worker"),
}

SIZE_BANDS = {
    "micro": N_("micro (up to 15 workers)"),
    "small": N_("small (16-100 workers)"),
    "medium": N_("medium (101-250 workers)"),
    "large": N_("large (over 250 workers)"),
}

UNION_STATUS = {
    "union": N_("enterprise with a trade union"),
    "no_union": N_("enterprise without a trade union"),
}

ESAW_DEVIATION = {
    "00": N_("no information"),
    "10": N_("electrical problems, explosion, fire"),
    "20": N_("overflow, overturn, leak, flow, vaporisation, emission"),
    "30": N_("breakage, bursting, splitting, slipping, fall, collapse of the material agent"),
    "40": N_("loss of control of machine, means of transport, tool, object or animal"),
    "50": N_("slipping, stumbling and falling, fall of persons"),
    "60": N_("body movement without physical stress"),
    "70": N_("body movement under or with physical stress"),
    "80": N_("shock, fright, violence, aggression, threat, presence"),
    "99": N_("other deviation"),
}

ESAW_CONTACT = {
    "00": N_("no information"),
    "10": N_("contact with electrical voltage, temperature, hazardous substances"),
    "20": N_("drowned, buried, enveloped"),
    "30": N_("impact with or against a stationary object (victim in motion)"),
    "40": N_("struck by object in motion, collision"),
    "50": N_("contact with sharp, pointed, rough, coarse material agent"),
    "60": N_("trapped, crushed"),
    "70": N_("physical or mental stress"),
    "80": N_("bite, kick (animal or human)"),
    "99": N_("other contact"),
}

ESAW_MATERIAL_AGENT = {
    "00": N_("no material agent"),
    "01": N_("buildings, structures, surfaces at ground level"),
    "02": N_("buildings, structures, surfaces above ground level"),
    "03": N_("buildings, structures, surfaces below ground level"),
    "04": N_("supply and distribution systems, pipe networks"),
    "05": N_("motors, energy transmission and storage systems"),
    "06": N_("hand tools, not powered"),
    "07": N_("hand-held or hand-guided tools, mechanical"),
    "08": N_("hand tools, power unspecified"),
    "09": N_("machines and equipment, portable or mobile"),
    "10": N_("machines and equipment, fixed"),
    "11": N_("conveying, transport and storage systems"),
    "12": N_("land vehicles"),
    "13": N_("other transport vehicles"),
    "14": N_("materials, objects, products, machine parts, debris, dust"),
    "15": N_("chemical, explosive, radioactive, biological substances"),
    "16": N_("safety devices and equipment"),
    "17": N_("office equipment, personal equipment, sports equipment, weapons, domestic appliances"),
    "18": N_("living organisms and human beings"),
    "19": N_("bulk waste"),
    "20": N_("physical phenomena and natural elements"),
    "99": N_("other material agent"),
}

DEADLINE_STEPS = {
    "notify_authorities": N_("Notify the labour inspectorate and workers' representatives (within one day)"),
    "notify_insurer": N_("Notify the insurer (3 working days)"),
    "form_commission": N_("Form the investigation commission (24 hours after the severity conclusion)"),
    "investigation": N_("Complete the investigation (10 working days)"),
    "dissent": N_("Dissenting opinion (2 working days)"),
    "send_act": N_("Send the act to the Ministry electronically (3 working days)"),
    "issue_copies": N_("Issue copies of the act (3 working days)"),
    "police_referral": N_("Send special-investigation materials to the police (7 working days)"),
}

DEADLINE_STATUS = {
    "done": N_("done on time"),
    "done_late": N_("done late"),
    "pending": N_("pending"),
    "overdue": N_("overdue"),
    "waiting": N_("waiting for an earlier step"),
}


def label(table: dict[str, str], code: str | None) -> str:
    """The English message id for a code, or the code itself when it has none."""
    if code is None:
        return ""
    return table.get(str(code), str(code))

HARMFUL_FACTORS = {
    "noise": N_("noise"),
    "vibration": N_("vibration"),
    "dust": N_("fibrogenic dust"),
    "chemical": N_("chemical substances"),
    "physical_load": N_("heavy physical work, strain"),
    "biological": N_("biological agents"),
    "radiation": N_("ionising radiation"),
    "microclimate": N_("heating or cooling microclimate"),
    "other": N_("other harmful factor"),
}

AGE_BANDS = ("15-24", "25-34", "35-44", "45-54", "55-64", "65+")
