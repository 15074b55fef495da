"""Schema migrations of the app database (Alembic; scripts in `versions/`).

`upgrade_to_head(engine)` runs on every start (`store.db.Database.open`);
`python -m store.migrations revision -m "…"` writes the next script (docs/database.md)."""

from store.migrations.backup import backup_path, backup_sqlite, sqlite_file
from store.migrations.runner import (
    BASELINE_REVISION,
    MigrationError,
    MigrationResult,
    SchemaTooNewError,
    UnrecognisedSchemaError,
    alembic_config,
    current_revision,
    head_revision,
    upgrade_to_head,
)

__all__ = [
    "BASELINE_REVISION",
    "MigrationError",
    "MigrationResult",
    "SchemaTooNewError",
    "UnrecognisedSchemaError",
    "alembic_config",
    "backup_path",
    "backup_sqlite",
    "current_revision",
    "head_revision",
    "sqlite_file",
    "upgrade_to_head",
]
