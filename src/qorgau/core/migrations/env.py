"""Alembic environment: all packages' tables; autogenerate limited to one package's tables."""

from alembic import context

from qorgau.core.db import Base, make_engine
from qorgau.core.plugins import load_all_models

load_all_models()
config = context.config
target_package = config.attributes.get("package")


def include_object(obj, name, type_, reflected, compare_to):
    if type_ == "table" and target_package:
        prefixes = ("core_", "registry_") if target_package == "core" else (f"{target_package}_",)
        return name.startswith(prefixes)
    # Never drop tables we do not know.
    return not (type_ == "table" and reflected and compare_to is None)


def run_migrations() -> None:
    url = config.get_main_option("sqlalchemy.url") or ""
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata, include_object=include_object,
                          render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
