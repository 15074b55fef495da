"""Imports every module that declares tables, so that their tables are in `Base.metadata` (Alembic compares the models with the migrations through it)."""

import store.alerts
import store.audit
import store.confirmations
import store.idempotency
import store.jobs
import store.outbox
import store.prefs
import store.proposals
import store.replay
import store.snapshots
import store.subscriptions
import store.trailing  # noqa: F401
