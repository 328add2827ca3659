"""`qorgau demo`: a realistic, deterministic national dataset (all names are invented).

The registry part lives here; each package adds its own data through `qorgau.<package>.demo.generate`,
called in the order of CAPABILITIES with the same DemoContext (a package that reads the others' demo data,
such as the Safety Index, runs last).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from rich.progress import Progress
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from qorgau.core import passwords, security
from qorgau.core.db import unit_of_work
from qorgau.core.models import User
from qorgau.core.plugins import modules
from qorgau.core.policy import Role
from qorgau.registry.identifiers import complete_with_check_digit
from qorgau.registry.models import Enterprise, Region, Site, UnionOrg, Zone

# Administrative centres and large towns per region (KATO prefix → towns).
TOWNS = {
    "10": ["Семей", "Аягоз", "Курчатов"], "11": ["Кокшетау", "Степногорск"], "15": ["Актобе", "Хромтау", "Кандыагаш"],
    "19": ["Конаев", "Талгар", "Каскелен"], "23": ["Атырау", "Кульсары"], "27": ["Уральск", "Аксай"],
    "31": ["Тараз", "Жанатас", "Каратау"], "33": ["Талдыкорган", "Текели"], "35": ["Караганда", "Темиртау", "Балхаш", "Шахтинск"],
    "39": ["Костанай", "Рудный", "Лисаковск"], "43": ["Кызылорда", "Байконыр"], "47": ["Актау", "Жанаозен"],
    "55": ["Павлодар", "Экибастуз", "Аксу"], "59": ["Петропавловск"], "61": ["Туркестан", "Кентау"],
    "62": ["Жезказган", "Сатпаев"], "63": ["Усть-Каменогорск", "Риддер", "Зыряновск"], "71": ["Астана"],
    "75": ["Алматы"], "79": ["Шымкент"],
}
# Share of enterprises by OKED section and the median headcount of a firm there.
SECTOR_MIX = {"A": (6, 40), "B": (4, 500), "C": (12, 150), "D": (3, 300), "E": (2, 80), "F": (12, 60),
              "G": (25, 12), "H": (8, 80), "I": (5, 15), "J": (3, 25), "K": (2, 200), "L": (2, 10), "M": (3, 15),
              "N": (3, 30), "O": (2, 150), "P": (4, 80), "Q": (4, 120), "R": (1, 20), "S": (1, 8)}
# Where heavy industry sits.
INDUSTRIAL_REGIONS = {"B": ["35", "62", "63", "15", "23", "47", "55", "39"], "C": ["35", "55", "63", "15", "39", "75", "79"],
                      "D": ["55", "35", "63"]}
ROOTS_RU = ["Алтын", "Дала", "Сарыарка", "Ертис", "Жайык", "Каспий", "Алатау", "Тениз", "Болат", "Темир", "Кен",
            "Нур", "Береке", "Шанырак", "Кайнар", "Ак Жол", "Достык", "Бирлик", "Самал", "Тулпар", "Арман", "Коктем"]
SECTOR_WORDS = {  # (ru, kk, en)
    "A": ("Агро", "Агро", "Agro"), "B": ("Кен", "Кен", "Mining"), "C": ("Завод", "Зауыты", "Works"),
    "D": ("Энерго", "Энерго", "Energy"), "E": ("Водоканал", "Су арнасы", "Water"), "F": ("Строй", "Құрылыс", "Construction"),
    "G": ("Маркет", "Маркет", "Market"), "H": ("Транс", "Транс", "Transport"), "I": ("Отель", "Қонақ үйі", "Hotel"),
    "J": ("Телеком", "Телеком", "Telecom"), "K": ("Финанс", "Қаржы", "Finance"), "L": ("Недвижимость", "Жылжымайтын мүлік", "Realty"),
    "M": ("Проект", "Жоба", "Design"), "N": ("Сервис", "Сервис", "Services"), "O": ("ГУ", "ММ", "Agency"),
    "P": ("Колледж", "Колледжі", "College"), "Q": ("Клиника", "Клиникасы", "Clinic"), "R": ("Арена", "Арена", "Arena"),
    "S": ("Быт", "Тұрмыс", "Services"),
}
ZONES_BY_SECTOR = {
    "B": [("Подземный участок", "обрушение, газ CH4, пыль"), ("Буровзрывной участок", "взрыв, шум"),
          ("Обогатительная фабрика", "пыль, шум, вращающиеся механизмы")],
    "C": [("Цех электролиза", "арсин, H2S, электрический ток"), ("Обжиговый цех", "SO2, пыль, тепловое излучение"),
          ("Литейный участок", "расплав металла, CO, шум")],
    "D": [("Котельный цех", "пар высокого давления, CO"), ("Распределительное устройство", "высокое напряжение")],
    "F": [("Монтаж на высоте", "падение с высоты"), ("Земляные работы", "обрушение грунта")],
    "H": [("Ремонтное депо", "подвижной состав, грузоподъёмные механизмы")],
    "A": [("Зерносклад", "пыль, замкнутое пространство")],
    "E": [("Канализационная насосная", "H2S, замкнутое пространство")],
}
GIANTS = [  # (ru, kk, en, sector, region prefix, headcount)
    ("АО «Ертисский медно-цинковый комбинат»", "«Ертіс мыс-мырыш комбинаты» АҚ", "Ertis Copper-Zinc Smelter JSC", "C", "63", 9800),
    ("АО «Сарыаркинский металлургический комбинат»", "«Сарыарқа металлургиялық комбинаты» АҚ", "Saryarka Steel Works JSC", "C", "35", 14500),
    ("ТОО «Улытау Кен»", "«Ұлытау Кен» ЖШС", "Ulytau Mining LLP", "B", "62", 7200),
    ("АО «Каспий Мунай Сервис»", "«Каспий Мұнай Сервис» АҚ", "Caspian Oil Services JSC", "B", "23", 5400),
    ("АО «Павлодарский алюминиевый завод»", "«Павлодар алюминий зауыты» АҚ", "Pavlodar Aluminium Plant JSC", "C", "55", 6100),
    ("АО «Экибастузская угольная компания»", "«Екібастұз көмір компаниясы» АҚ", "Ekibastuz Coal Company JSC", "B", "55", 8300),
]
DEMO_USERS = [  # username, role, password, full name
    ("admin", Role.ADMIN, "admin-demo-2026", "Администратор платформы"),
    ("officer", Role.UNION_OFFICER, "officer-demo-2026", "Айгүл Серікова"),
    ("federation", Role.UNION_OFFICER, "Ulytau-ledger-4417", "Сәуле Омарова"),
    ("inspector", Role.TECHNICAL_INSPECTOR, "inspector-demo-2026", "Ерлан Жақсыбеков"),
    ("employer", Role.EMPLOYER_SAFETY_MANAGER, "employer-demo-2026", "Ольга Ким"),
    ("state", Role.STATE_INSPECTOR, "state-demo-2026", "Нурлан Абенов"),
    ("analyst", Role.ANALYST, "analyst-demo-2026", "Дана Оспанова"),
]


@dataclass
class DemoContext:
    """What the registry part made, for the packages that add their own demo data."""

    seed: int
    enterprises: list[Enterprise] = field(default_factory=list)
    users: dict[str, User] = field(default_factory=dict)
    unions: dict[str, UnionOrg] = field(default_factory=dict)

    def rng(self, salt: str) -> random.Random:
        return random.Random(f"{self.seed}:{salt}")


def _bin(rng: random.Random, used: set[str]) -> str:
    while True:
        year, month = rng.randint(0, 23), rng.randint(1, 12)
        eleven = f"{year:02d}{month:02d}4{rng.choice('00001')}{rng.randint(0, 99999):05d}"
        number = complete_with_check_digit(eleven)
        if number and number not in used:
            used.add(number)
            return number


def _headcount(rng: random.Random, median: int) -> int:
    return max(1, int(round(math.exp(rng.gauss(math.log(median), 1.0)))))


def _union_tree(session: Session, ctx: DemoContext, regions: list[Region]) -> None:
    federation = UnionOrg(kind="federation", name_en="Federation of Trade Unions of Kazakhstan",
                          name_kk="Қазақстан Кәсіподақтар Федерациясы", name_ru="Федерация профсоюзов Республики Казахстан")
    session.add(federation)
    session.flush()
    ctx.unions["federation"] = federation
    sectoral = {"B": ("Mining and Metallurgy Workers' Union", "Тау-кен металлургия қызметкерлерінің кәсіподағы", "Профсоюз работников горно-металлургической отрасли"),
                "C": ("Industrial Workers' Union", "Өнеркәсіп қызметкерлерінің кәсіподағы", "Отраслевой профсоюз работников промышленности"),
                "D": ("Energy Workers' Union", "Энергетиктер кәсіподағы", "Профсоюз работников энергетики"),
                "F": ("Construction Workers' Union", "Құрылысшылар кәсіподағы", "Профсоюз строителей"),
                "H": ("Transport Workers' Union", "Көлік қызметкерлерінің кәсіподағы", "Профсоюз работников транспорта"),
                "P": ("Education and Science Workers' Union", "Білім және ғылым қызметкерлерінің кәсіподағы", "Профсоюз работников образования и науки"),
                "Q": ("Health Workers' Union", "Денсаулық сақтау қызметкерлерінің кәсіподағы", "Профсоюз работников здравоохранения"),
                "A": ("Agro-Industrial Workers' Union", "Агроөнеркәсіп кешені қызметкерлерінің кәсіподағы", "Профсоюз работников АПК")}
    for code, (en, kk, ru) in sectoral.items():
        org = UnionOrg(kind="sectoral", parent_id=federation.id, name_en=en, name_kk=kk, name_ru=ru, sector_code=code)
        session.add(org)
        ctx.unions[f"sector:{code}"] = org
    for region in regions:
        org = UnionOrg(kind="regional", parent_id=federation.id, region_kato=region.kato,
                       name_en=f"Trade union association of {region.name_en}",
                       name_kk=f"{region.name_kk} кәсіподақтар бірлестігі",
                       name_ru=f"Объединение профсоюзов: {region.name_ru}")
        session.add(org)
        ctx.unions[f"region:{region.kato}"] = org
    session.flush()


def _enterprise(session: Session, ctx: DemoContext, rng: random.Random, used: set[str], *, names, sector: str,
                region: Region, headcount: int) -> Enterprise:
    town = rng.choice(TOWNS[region.kato[:2]])
    union_chance = 0.12 if headcount < 50 else 0.35 if headcount < 250 else 0.8 if headcount < 1000 else 0.97
    has_union = rng.random() < union_chance
    enterprise = Enterprise(bin=_bin(rng, used), name_ru=names[0], name_kk=names[1], name_en=names[2],
                            region_kato=region.kato, town=town, sector_code=sector, headcount=headcount,
                            has_union=has_union, collective_agreement=has_union and rng.random() < 0.85,
                            safety_committee=headcount >= 100 and rng.random() < (0.9 if has_union else 0.4))
    if has_union:
        parent = ctx.unions.get(f"sector:{sector}") or ctx.unions[f"region:{region.kato}"]
        primary = UnionOrg(kind="primary", parent_id=parent.id, name_ru=f"Первичная профорганизация {names[0]}",
                           name_kk=f"{names[1]} бастауыш кәсіподақ ұйымы", name_en=f"Primary union at {names[2]}",
                           members=int(headcount * rng.uniform(0.5, 0.95)))
        session.add(primary)
        enterprise.primary_union = primary
    # Linked through relationships and written at the next flush, many rows per statement (no flush per row).
    session.add(enterprise)
    zones = ZONES_BY_SECTOR.get(sector, [])
    site_count = 1 if headcount < 500 else min(4, 1 + headcount // 2500)
    for number in range(site_count):
        site = Site(enterprise=enterprise, name=f"Площадка {number + 1}" if site_count > 1 else "Основная площадка",
                    address=town)
        session.add(site)
        session.add_all([Zone(site=site, name=zone_name, hazards=hazards,
                              max_headcount=max(2, headcount // (20 * site_count))) for zone_name, hazards in zones])
    return enterprise


def _demo_name(rng: random.Random, sector: str) -> tuple[str, str, str]:
    root = rng.choice(ROOTS_RU)
    ru, kk, en = SECTOR_WORDS[sector]
    form_ru, form_kk, form_en = ("АО", "АҚ", "JSC") if rng.random() < 0.15 else ("ТОО", "ЖШС", "LLP")
    translit = root.replace("Ж", "Zh").replace("Ш", "Sh").replace("Ы", "y").translate(str.maketrans(
        "АБВГДЕЗИЙКЛМНОПРСТУФХЦЧЪЫЬЭЮЯабвгдезийклмнопрстуфхцчъыьэюяж", "ABVGDEZIYKLMNOPRSTUFKhCCyyEYYabvgdeziyklmnoprstufhccyyeyyzh"))
    return f"{form_ru} «{root} {ru}»", f"«{root} {kk}» {form_kk}", f"{translit} {en} {form_en}"


COMMIT_EVERY = 500  # enterprises per transaction


def run_demo(url: str, *, seed: int = 7, enterprises: int = 1000) -> list[tuple[str, str, str]]:
    """Generate everything; returns (user name, password, role) of the demo sign-ins."""
    credentials = [(u, p, r) for u, r, p, _n in DEMO_USERS]
    with passwords.demo_hashing(), unit_of_work(url, actor="system:demo") as session:
        # Committed in batches (enterprises, then each package), so memory stays bounded at national size:
        # committed rows leave the session unless the demo context still holds them, which stay loaded.
        session.expire_on_commit = False
        if session.execute(select(func.count()).select_from(Enterprise)).scalar_one():
            print("Demo data is already present; nothing added.")
            return credentials
        ctx = DemoContext(seed=seed)
        rng = ctx.rng("registry")
        regions = list(session.execute(select(Region).order_by(Region.kato)).scalars())
        by_prefix = {r.kato[:2]: r for r in regions}
        _union_tree(session, ctx, regions)
        used: set[str] = set()
        weights = [w for w, _m in SECTOR_MIX.values()]
        population = {"75": 9, "71": 6, "79": 5, "35": 6, "63": 5, "55": 4, "19": 6, "61": 6, "31": 4, "15": 4, "23": 3}
        region_weights = [population.get(r.kato[:2], 2.5) for r in regions]
        # A package whose demo reads the others' data (the Safety Index reads nine sources) says so with
        # READS_OTHER_DEMOS and runs after them; the rest keep the order of CAPABILITIES.
        packages = sorted(modules("demo"), key=lambda found: bool(getattr(found[1], "READS_OTHER_DEMOS", False)))
        with Progress(transient=False) as progress:
            task = progress.add_task("Enterprises", total=enterprises)
            for giant in GIANTS[: max(1, min(len(GIANTS), enterprises // 20))]:
                ctx.enterprises.append(_enterprise(session, ctx, rng, used, names=giant[:3], sector=giant[3],
                                                   region=by_prefix[giant[4]], headcount=giant[5]))
                progress.advance(task)
            while len(ctx.enterprises) < enterprises:
                sector = rng.choices(list(SECTOR_MIX), weights)[0]
                if sector in INDUSTRIAL_REGIONS and rng.random() < 0.7:
                    region = by_prefix[rng.choice(INDUSTRIAL_REGIONS[sector])]
                else:
                    region = rng.choices(regions, region_weights)[0]
                ctx.enterprises.append(_enterprise(session, ctx, rng, used, names=_demo_name(rng, sector), sector=sector,
                                                   region=region, headcount=_headcount(rng, SECTOR_MIX[sector][1])))
                progress.advance(task)
                if len(ctx.enterprises) % COMMIT_EVERY == 0:
                    session.commit()
            session.flush()
            smelter = ctx.enterprises[0]
            scopes = {"admin": ("national", None), "officer": ("union", ctx.unions["sector:C"].id),
                      "federation": ("national", None),
                      "inspector": ("enterprise", smelter.id), "employer": ("enterprise", smelter.id),
                      "state": ("national", None), "analyst": ("national", None)}
            for username, role, password, full_name in DEMO_USERS:
                kind, scope_id = scopes[username]
                user = User(username=username, role=role, full_name=full_name, scope_kind=kind,
                            password_hash=security.hash_password(password), on_duty=username == "officer",
                            scope_union_id=scope_id if kind == "union" else None,
                            scope_enterprise_id=scope_id if kind == "enterprise" else None)
                session.add(user)
                ctx.users[username] = user
            session.flush()
            for package, module in packages:
                generate = getattr(module, "generate", None)
                if generate is not None:
                    task = progress.add_task(package.capitalize(), total=None)
                    generate(session, ctx)
                    session.commit()
                    progress.update(task, total=1, completed=1)
        if session.connection().dialect.name == "postgresql":
            # Planner statistics for the bulk-written tables: without them PostgreSQL plans the scope
            # subqueries as nested loops over a million violations (decision 0011).
            session.execute(text("ANALYZE"))
    return credentials
