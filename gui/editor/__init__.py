"""The piano roll and the ways of editing it."""
