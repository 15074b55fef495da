"""Imports every module that declares tables, so that `Database.create()` creates them all."""

# Each store module registers its tables on store.db.Base when imported.
import importlib

for _name in ("confirmations", "audit", "prefs", "subscriptions", "snapshots"):
    try:
        importlib.import_module(f"store.{_name}")
    except ModuleNotFoundError as exc:  # a module not written yet
        if exc.name != f"store.{_name}":
            raise
