"""Imports every module that declares tables, so that `Database.create()` creates them all."""

import store.audit
import store.confirmations
import store.prefs
import store.snapshots
import store.subscriptions  # noqa: F401
