"""Music itself: the note type and pure edits of a phrase, keys."""
