"""The network and its self-describing folders."""
