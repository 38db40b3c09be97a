"""Playing, recording and audio export from the window."""
