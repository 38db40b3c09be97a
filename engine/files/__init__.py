"""Music and documents in and out: MIDI files, scores, .segue documents, the bundled seeds."""
