"""Sound and devices: the built-in piano, audio files, MIDI ports in and out."""
