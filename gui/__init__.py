"""Segue's window: the only part of Segue that imports Qt."""
