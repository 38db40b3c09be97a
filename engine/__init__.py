"""Segue's engine: music as notes on a grid, tokens, the LSTM, training and generation.

Nothing in this package imports Qt; the GUI in ``gui/`` wraps it.
"""
