"""The shipped classifier of equipment types common at hazardous production facilities (mining, metallurgy,
oil and gas, chemicals, construction), with names in kk/ru/en.

A type carries a typical normative service life only where a public normative document states one, and then
that document as its source; for every other type the life is None (the item's passport gives it, or it is
unknown). An item's own passport value always comes first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class EquipmentType:
    code: str
    en: str
    ru: str
    kk: str
    life_years: int | None = None
    life_source: str = ""

    def name(self, locale: str) -> str:
        return getattr(self, locale if locale in ("en", "ru", "kk") else "ru")


LIFTS_SOURCE = ("Технический регламент Таможенного союза ТР ТС 011/2011 «Безопасность лифтов» "
                "(решение Комиссии Таможенного союза от 18.10.2011 № 824): назначенный срок службы лифта 25 лет")

TYPES: dict[str, EquipmentType] = {t.code: t for t in (
    EquipmentType("crane_overhead", "Overhead (bridge) crane", "Мостовой кран", "Көпірлі кран"),
    EquipmentType("crane_gantry", "Gantry crane", "Козловой кран", "Ешкілі кран"),
    EquipmentType("crane_tower", "Tower crane", "Башенный кран", "Мұнаралы кран"),
    EquipmentType("crane_mobile", "Mobile (truck) crane", "Автомобильный кран", "Автомобиль кран"),
    EquipmentType("hoist_electric", "Electric hoist", "Электроталь", "Электр тальі"),
    EquipmentType("aerial_platform", "Aerial work platform", "Подъёмник (вышка)", "Көтергіш (мұнара)"),
    EquipmentType("lift", "Lift (elevator)", "Лифт", "Лифт", 25, LIFTS_SOURCE),
    EquipmentType("mine_hoist", "Mine hoist", "Шахтная подъёмная установка", "Шахта көтеру қондырғысы"),
    EquipmentType("conveyor_belt", "Belt conveyor", "Ленточный конвейер", "Таспалы конвейер"),
    EquipmentType("pressure_vessel", "Pressure vessel", "Сосуд, работающий под давлением",
                  "Қысыммен жұмыс істейтін ыдыс"),
    EquipmentType("boiler_steam", "Steam boiler", "Паровой котёл", "Бу қазандығы"),
    EquipmentType("boiler_hot_water", "Hot-water boiler", "Водогрейный котёл", "Су жылыту қазандығы"),
    EquipmentType("pipeline_steam", "Steam and hot-water pipeline", "Трубопровод пара и горячей воды",
                  "Бу және ыстық су құбыры"),
    EquipmentType("gas_cylinder", "Gas cylinder bank", "Баллоны для газов (рампа)", "Газ баллондары (рампа)"),
    EquipmentType("compressor", "Compressor unit", "Компрессорная установка", "Компрессорлық қондырғы"),
    EquipmentType("electrical_substation", "Electrical installation (substation)",
                  "Электроустановка (подстанция)", "Электр қондырғысы (қосалқы станция)"),
    EquipmentType("switchgear", "Switchgear", "Распределительное устройство", "Тарату құрылғысы"),
    EquipmentType("drilling_rig", "Drilling rig", "Буровая установка", "Бұрғылау қондырғысы"),
    EquipmentType("pump_unit", "Pumping unit", "Насосная установка", "Сорғы қондырғысы"),
    EquipmentType("tank", "Storage tank", "Резервуар", "Резервуар"),
    EquipmentType("furnace", "Metallurgical furnace", "Металлургическая печь", "Металлургиялық пеш"),
    EquipmentType("ladle", "Ladle for molten metal", "Ковш для расплавленного металла",
                  "Балқытылған металға арналған шөміш"),
    EquipmentType("excavator", "Excavator", "Экскаватор", "Экскаватор"),
    EquipmentType("mine_truck", "Mining dump truck", "Карьерный самосвал", "Карьерлік өздігінен түсіргіш"),
    EquipmentType("mine_ventilation", "Main mine fan", "Вентилятор главного проветривания",
                  "Басты желдету желдеткіші"),
    EquipmentType("scaffold", "Scaffolding", "Строительные леса", "Құрылыс ормандары"),
    EquipmentType("other", "Other hazardous equipment", "Прочее опасное оборудование",
                  "Басқа қауіпті жабдық"),
)}


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", (text or "").strip().lower().replace("ё", "е"))


_LOOKUP = {_norm(n): t.code for t in TYPES.values() for n in (t.code, t.en, t.ru, t.kk)}


def find(text: str) -> EquipmentType | None:
    """The type named by its code or its name in any of the three languages."""
    code = _LOOKUP.get(_norm(text))
    return TYPES.get(code) if code else None
