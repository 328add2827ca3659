"""Registry logic: enterprises, sites, zones and the union tree, always through the policy."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session

from qorgau.core import audit, policy
from qorgau.core.errors import Conflict, NotFound, ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.core.tabular import ImportFailed, Problem
from qorgau.registry import access
from qorgau.registry.identifiers import bin_problem
from qorgau.registry.models import Enterprise, Occupation, Region, Sector, Site, UnionOrg, Zone
from qorgau.registry.schemas import EnterpriseIn, EnterpriseUpdate, SiteIn, UnionOrgIn, ZoneIn


def regions(*, session: Session) -> list[Region]:
    """All 20 first-level units, by KATO code."""
    return list(session.execute(select(Region).order_by(Region.kato)).scalars())


def sectors(*, session: Session) -> list[Sector]:
    """OKED sections A to U."""
    return list(session.execute(select(Sector).order_by(Sector.code)).scalars())


def occupations_query(*, q: str = "", level: int | None = None) -> Select:
    query = select(Occupation).order_by(Occupation.code)
    if level:
        query = query.where(Occupation.level == level)
    if q:
        like = f"%{q}%"
        query = query.where(or_(Occupation.code.startswith(q), Occupation.title_en.ilike(like),
                                Occupation.title_ru.ilike(like), Occupation.title_kk.ilike(like)))
    return query


def union_orgs(*, session: Session) -> list[UnionOrg]:
    """The whole union tree (its structure is public)."""
    return list(session.execute(select(UnionOrg).order_by(UnionOrg.kind, UnionOrg.id)).scalars())


def create_union_org(*, session: Session, actor: User, union_in: UnionOrgIn) -> UnionOrg:
    """Add a node to the union tree (administrators)."""
    policy.require(actor, "registry.admin")
    data = union_in.model_dump()
    if data["kind"] != "federation" and not data["parent_id"]:
        raise ValidationFailed("Only the federation has no parent organisation.", field="parent_id")
    if data["parent_id"] and session.get(UnionOrg, data["parent_id"]) is None:
        raise ValidationFailed("Unknown union organisation.", field="parent_id")
    _check_references(session, {k: v for k, v in data.items() if k in ("sector_code", "region_kato") and v})
    org = UnionOrg(**data)
    session.add(org)
    session.flush()
    return org


def enterprises_query(*, session: Session, actor: User, q: str = "", region_kato: str = "",
                      sector_code: str = "", has_union: bool | None = None) -> Select:
    """Enterprises in the actor's scope, searched by name, BIN or town."""
    policy.require(actor, "registry.read")
    query = select(Enterprise).where(access.enterprise_scope(session, actor)).order_by(Enterprise.name_ru, Enterprise.id)
    return _filtered(query, q=q, region_kato=region_kato, sector_code=sector_code, has_union=has_union)


def public_enterprise_search(*, session: Session, q: str, limit: int = 20) -> list[Enterprise]:
    """Name, BIN and town only: what an anonymous worker needs to pick their workplace."""
    if len(q.strip()) < 2:
        return []
    return list(session.execute(_filtered(select(Enterprise), q=q).order_by(Enterprise.name_ru).limit(limit)).scalars())


def _filtered(query: Select, *, q: str = "", region_kato: str = "", sector_code: str = "",
              has_union: bool | None = None) -> Select:
    q = q.strip()
    if q:
        like = f"%{q}%"
        query = query.where(or_(Enterprise.bin.startswith(q), Enterprise.name_ru.ilike(like),
                                Enterprise.name_kk.ilike(like), Enterprise.name_en.ilike(like),
                                Enterprise.town.ilike(like)))
    if region_kato:
        query = query.where(Enterprise.region_kato == region_kato)
    if sector_code:
        query = query.where(Enterprise.sector_code == sector_code)
    if has_union is not None:
        query = query.where(Enterprise.has_union.is_(has_union))
    return query


def enterprise_by_id(*, session: Session, enterprise_id: int | None) -> Enterprise | None:
    """An enterprise for display where the caller already checked access to what refers to it."""
    return session.get(Enterprise, enterprise_id) if enterprise_id else None


def enterprises_by_ids(*, session: Session, ids: list[int]) -> list[Enterprise]:
    """Enterprises for display (names), where the caller already checked access."""
    if not ids:
        return []
    return list(session.execute(select(Enterprise).where(Enterprise.id.in_(set(ids)))).scalars())


# The blocks capability packages put on an enterprise's card (equipment past its life, agreements covering it),
# in the order they registered. They register here, so the registry shows them without importing the packages
# above it.
_CARD_BLOCKS: dict[str, Callable[..., dict | None]] = {}


def show_on_enterprise_card(name: str, block: Callable[..., dict | None]) -> None:
    """Put `block(session=, actor=, enterprise=)` on every enterprise's card. The block answers None when it has
    nothing to show this reader, else a dict with the `template` that renders it (it reads the dict as `block`)."""
    _CARD_BLOCKS[name] = block


def enterprise_card_blocks(*, session: Session, actor: User, enterprise: Enterprise) -> list[dict]:
    """The registered blocks of an enterprise's card that have something to show."""
    shown = []
    for block in _CARD_BLOCKS.values():
        found = block(session=session, actor=actor, enterprise=enterprise)
        if found is not None:
            shown.append(found)
    return shown


def get_enterprise(*, session: Session, actor: User, enterprise_id: int) -> Enterprise:
    """One enterprise in the actor's scope, else NotFound."""
    access.require_enterprise(session, actor, "registry.read", enterprise_id)
    return session.get(Enterprise, enterprise_id)


def _check_references(session: Session, data: dict) -> None:
    if "region_kato" in data and session.get(Region, data["region_kato"]) is None:
        raise ValidationFailed("Unknown region KATO code.", field="region_kato")
    if "sector_code" in data and session.get(Sector, data["sector_code"]) is None:
        raise ValidationFailed("Unknown OKED section.", field="sector_code")
    if data.get("primary_union_id") and session.get(UnionOrg, data["primary_union_id"]) is None:
        raise ValidationFailed("Unknown union organisation.", field="primary_union_id")


def create_enterprise(*, session: Session, actor: User, enterprise_in: EnterpriseIn) -> Enterprise:
    """Register an enterprise (administrators and union officers of a national or union scope)."""
    policy.require(actor, "registry.write")
    if actor.scope_kind == "enterprise":
        raise NotFound("Not found.")
    data = enterprise_in.model_dump()
    _check_references(session, data)
    if session.execute(select(Enterprise.id).where(Enterprise.bin == data["bin"])).first():
        raise Conflict("An enterprise with this BIN is already registered.", field="bin")
    if not (data["name_ru"] or data["name_kk"] or data["name_en"]):
        raise ValidationFailed("Give the enterprise's name in at least one language.", field="name_ru")
    enterprise = Enterprise(**data)
    session.add(enterprise)
    session.flush()
    if not access.can_reach_enterprise(session, actor, enterprise.id):
        raise ValidationFailed("This enterprise would be outside your scope.", field="primary_union_id")
    return enterprise


def update_enterprise(*, session: Session, actor: User, enterprise_id: int, update: EnterpriseUpdate) -> Enterprise:
    access.require_enterprise(session, actor, "registry.write", enterprise_id)
    enterprise = session.get(Enterprise, enterprise_id)
    for key, value in update.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(enterprise, key, value)
    session.flush()
    return enterprise


def add_site(*, session: Session, actor: User, enterprise_id: int, site_in: SiteIn) -> Site:
    access.require_enterprise(session, actor, "registry.write", enterprise_id)
    site = Site(enterprise_id=enterprise_id, **site_in.model_dump())
    session.add(site)
    session.flush()
    return site


def get_site(*, session: Session, actor: User, site_id: int, permission: str = "registry.read") -> Site:
    site = session.get(Site, site_id)
    if site is None:
        raise NotFound("Not found.")
    access.require_enterprise(session, actor, permission, site.enterprise_id)
    return site


def add_zone(*, session: Session, actor: User, site_id: int, zone_in: ZoneIn) -> Zone:
    site = get_site(session=session, actor=actor, site_id=site_id, permission="registry.write")
    zone = Zone(site_id=site.id, **zone_in.model_dump())
    session.add(zone)
    session.flush()
    return zone


def get_zone(*, session: Session, actor: User, zone_id: int) -> Zone:
    zone = session.get(Zone, zone_id)
    if zone is None:
        raise NotFound("Not found.")
    access.require_enterprise(session, actor, "registry.read", zone.site.enterprise_id)
    return zone


def zones_of_enterprise(*, session: Session, enterprise_id: int) -> list[Zone]:
    """Zones of an enterprise (the caller has already checked access to it)."""
    return list(session.execute(select(Zone).join(Site).where(Site.enterprise_id == enterprise_id)
                                .order_by(Site.id, Zone.id)).scalars())


IMPORT_COLUMNS = ("bin", "name_ru", "name_kk", "name_en", "region_kato", "sector_code", "headcount", "town",
                  "has_union", "collective_agreement", "safety_committee")
# The same columns as Russian and Kazakh spreadsheets name them (compared in lower case, spaces as underscores).
IMPORT_COLUMN_NAMES = {
    "bin": ("бин", "бсн"),
    "name_ru": ("наименование", "наименование_на_русском", "название"),
    "name_kk": ("атауы", "атауы_қазақша", "наименование_на_казахском"),
    "name_en": ("name", "наименование_на_английском", "атауы_ағылшынша"),
    "region_kato": ("като", "код_като", "әакж", "әакж_коды"),
    "sector_code": ("окэд", "секция_окэд", "эқжж", "эқжж_секциясы"),
    "headcount": ("численность", "численность_работников", "жұмыскерлер_саны", "қызметкерлер_саны"),
    "town": ("город", "населённый_пункт", "населенный_пункт", "қала", "елді_мекен"),
    "has_union": ("профсоюз", "есть_профсоюз", "кәсіподақ", "кәсіподақ_бар"),
    "collective_agreement": ("коллективный_договор", "ұжымдық_шарт"),
    "safety_committee": ("комитет_по_охране_труда", "еңбекті_қорғау_комитеті"),
}


def _enterprise_format():
    """The enterprises file as a row model (cells parsed by the core parsers; a blank flag is no)."""
    from qorgau.core.imports.rows import Count, FileFormat, RowModel, Text, YesNo

    class EnterpriseRow(RowModel):
        """One row of an enterprises file."""

        bin: Text = None
        name_ru: Text = None
        name_kk: Text = None
        name_en: Text = None
        region_kato: Text = None
        sector_code: Text = None
        headcount: Count = None
        town: Text = None
        has_union: YesNo = None
        collective_agreement: YesNo = None
        safety_committee: YesNo = None

    return FileFormat(EnterpriseRow, {name: IMPORT_COLUMN_NAMES[name] for name in IMPORT_COLUMNS},
                      required=frozenset({"bin", "region_kato", "sector_code"}))


def _validated_enterprises(session: Session, data: bytes, filename: str) -> tuple[list[dict], list[Problem]]:
    """Every row of an enterprises file checked: the values to store, and every problem."""
    from qorgau.core.imports import FileProblems, read_table

    try:
        table = read_table(data, filename or "upload.csv")
    except FileProblems as unreadable:  # empty, not a table, too large: the file's problems, as for any row
        return [], list(unreadable.problems)
    file_format = _enterprise_format()
    mapping = file_format.mapping(table.header)  # field -> the file's column (en, ru or kk name)
    problems: list[Problem] = []
    missing = [c for c in ("bin", "region_kato", "sector_code") if c not in mapping]
    for column in missing:
        problems.append(Problem(1, column, N_("Required column is missing.")))
    if not (set(mapping) & {"name_ru", "name_kk", "name_en"}):
        problems.append(Problem(1, "name_ru", N_("Give at least one name column: name_ru, name_kk or name_en.")))
    if problems:
        return [], problems
    parsed = file_format.read(table, mapping)
    problems += parsed.problems
    flagged = {(p.row, p.column) for p in parsed.problems}
    region_codes = set(session.execute(select(Region.kato)).scalars())
    sector_codes = set(session.execute(select(Sector.code)).scalars())
    seen: dict[str, int] = {}
    cleaned = []
    for number, row in parsed.every():
        def bad(column: str, message: str, number: int = number, **params) -> None:
            column = mapping.get(column, column)
            if (number, column) not in flagged:
                problems.append(Problem(number, column, message, params))

        bin_value = (row.bin or "").replace(" ", "")
        problem = bin_problem(bin_value)
        if problem:
            bad("bin", problem)
        elif bin_value in seen:
            bad("bin", N_("Same BIN as row %(row)s."), row=seen[bin_value])
        else:
            seen[bin_value] = number
        if (row.region_kato or "") not in region_codes:
            bad("region_kato", N_("Unknown region KATO code."))
        sector = (row.sector_code or "").upper()
        if sector not in sector_codes:
            bad("sector_code", N_("Unknown OKED section (A-U)."))
        names = {k: (getattr(row, k) or "")[:300] for k in ("name_ru", "name_kk", "name_en")}
        if not any(names.values()):
            bad("name_ru", N_("The enterprise has no name."))
        if row.headcount is not None and row.headcount > 1_000_000:
            bad("headcount", N_("Headcount must be a whole number from 0 to 1,000,000."))
        flags = {c: bool(getattr(row, c)) for c in ("has_union", "collective_agreement", "safety_committee")}
        cleaned.append({"bin": bin_value, **names, "region_kato": row.region_kato or "", "sector_code": sector,
                        "headcount": row.headcount or 0, "town": (row.town or "")[:120], **flags})
    return cleaned, problems


def check_enterprises(*, session: Session, actor: User, data: bytes, filename: str, options: dict):
    """Dry run for the staged import page: how many enterprises would be created and updated, every problem."""
    from qorgau.core.imports.flow import Checked

    policy.require(actor, "registry.admin")
    try:
        cleaned, problems = _validated_enterprises(session, data, filename)
    except ImportFailed as failed:
        cleaned, problems = [], failed.problems
    known = set(session.execute(select(Enterprise.bin).where(
        Enterprise.bin.in_([c["bin"] for c in cleaned]))).scalars()) if cleaned else set()
    return Checked(rows=cleaned[:10], counts={"created": sum(c["bin"] not in known for c in cleaned),
                                              "updated": sum(c["bin"] in known for c in cleaned)},
                   problems=list(problems))


def _write_enterprises(*, session: Session, actor: User, data: bytes, filename: str, options: dict) -> dict:
    return import_enterprises(session=session, actor=actor, data=data, filename=filename)


def enterprises_importer():
    """The enterprises upload on the core staged import flow."""
    from qorgau.core.imports.flow import Importer

    return Importer("registry.enterprises", "registry.admin", check_enterprises, _write_enterprises)


def import_enterprises(*, session: Session, actor: User, data: bytes, filename: str) -> dict[str, int]:
    """Create or update enterprises by BIN from CSV/XLSX. Any bad row: nothing is written."""
    policy.require(actor, "registry.admin")
    cleaned, problems = _validated_enterprises(session, data, filename)
    if problems:
        raise ImportFailed(problems)
    existing = {e.bin: e for e in session.execute(
        select(Enterprise).where(Enterprise.bin.in_([c["bin"] for c in cleaned]))).scalars()}
    created = updated = 0
    for values in cleaned:
        enterprise = existing.get(values["bin"])
        if enterprise is None:
            session.add(Enterprise(**values))
            created += 1
        else:
            for key, value in values.items():
                setattr(enterprise, key, value)
            updated += 1
    session.flush()
    return {"created": created, "updated": updated}


# The enterprise fields a change history shows, with the labels of the enterprise form.
HISTORY_FIELDS = {
    "bin": N_("BIN"), "name_kk": N_("Name in Kazakh"), "name_ru": N_("Name in Russian"),
    "name_en": N_("Name in English"), "region_kato": N_("Region"), "town": N_("Town"), "sector_code": N_("Sector"),
    "headcount": N_("Headcount"), "has_union": N_("Primary union organisation present"),
    "primary_union_id": N_("Union"), "collective_agreement": N_("Collective agreement in force"),
    "safety_committee": N_("Safety committee (production council) in place"),
}
HISTORY_ACTIONS = {"create": N_("registered"), "update": N_("changed"), "delete": N_("deleted")}


def enterprise_history(*, session: Session, actor: User, enterprise_id: int, limit: int = 10) -> list[dict]:
    """The latest changes of an enterprise's record for those who may read the audit log, newest first:
    who, what was done and the values of the shown fields after it (message ids to translate)."""
    if not policy.allowed(actor, "audit.read"):
        return []
    rows = []
    for entry in audit.history(session, object_type="registry_enterprise", object_id=enterprise_id, limit=limit):
        after = entry.after or {}
        person = entry.actor.startswith("user:")
        rows.append({"at": entry.at, "actor": entry.actor.removeprefix("user:") if person else N_("system"),
                     "actor_is_person": person,
                     "action": HISTORY_ACTIONS.get(entry.action, entry.action),
                     "changes": [(label, after[name]) for name, label in HISTORY_FIELDS.items() if name in after]})
    return rows


def enterprise_choices(*, session: Session, actor: User, limit: int = 300) -> list[Enterprise]:
    """Enterprises in the actor's scope for a form's choice list, by name."""
    return list(session.execute(enterprises_query(session=session, actor=actor).limit(limit)).scalars())


def places_of_enterprise(*, session: Session, enterprise_id: int | None) -> tuple[list[Site], list[tuple[Zone, str]]]:
    """An enterprise's sites and its zones with their site's name, by name (the caller checked access)."""
    if not enterprise_id:
        return [], []
    sites = list(session.execute(select(Site).where(Site.enterprise_id == enterprise_id).order_by(Site.name)).scalars())
    zones = [(zone, site_name) for zone, site_name in session.execute(
        select(Zone, Site.name).join(Site).where(Site.enterprise_id == enterprise_id).order_by(Site.name, Zone.name))]
    return sites, zones


def site_by_id(*, session: Session, site_id: int | None) -> Site | None:
    """A site for display where the caller already checked access to what refers to it."""
    return session.get(Site, site_id) if site_id else None


def zone_by_id(*, session: Session, zone_id: int | None) -> Zone | None:
    """A zone for display where the caller already checked access to what refers to it."""
    return session.get(Zone, zone_id) if zone_id else None


def sites_by_ids(*, session: Session, ids: list[int]) -> list[Site]:
    """Sites for display (names), where the caller already checked access."""
    if not ids:
        return []
    return list(session.execute(select(Site).where(Site.id.in_(set(ids)))).scalars())
def scope_summary(*, session: Session, actor: User) -> tuple[int, int]:
    """How many enterprises the actor's scope holds, and how many of them have a union."""
    total, with_union = session.execute(select(func.count(), func.sum(case((Enterprise.has_union, 1), else_=0)))
                                        .where(access.enterprise_scope(session, actor))).one()
    return total, with_union or 0


def enterprise_counts_by_union(*, session: Session) -> dict[int | None, int]:
    """Enterprises per primary union organisation (for the union tree)."""
    return dict(session.execute(select(Enterprise.primary_union_id, func.count())
                                .group_by(Enterprise.primary_union_id)).all())
