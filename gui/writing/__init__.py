"""Continue, Fill and Re-roll from the window."""
