"""APScheduler jobs (filled in by the reports issue)."""
