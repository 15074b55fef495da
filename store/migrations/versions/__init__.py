"""The revision scripts, oldest first by their four-digit ids (0001_first_build, …)."""
