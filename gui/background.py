"""Models for the jobs that run behind the user's back (ghost suggestions, the surprise view).

Continue and Fill step the models of the window's ``ModelCache``. A job that runs on its own,
after every edit, must never step the same network at the same moment (a torch module is not
to be run by two threads at once, and the network keeps lazily built tables of its own), so each
kind of background job gets its own copy of the cached network (a few megabytes), and its jobs
take turns on it: a job cancelled by the next edit is still finishing its step when the next
one starts.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from .workers import ModelCache


class PrivateModels:
    """Copies of the models of ``cache`` for one kind of background job, used by one job at a time."""

    def __init__(self, cache: ModelCache):
        self.cache = cache
        self._copies: dict[int, tuple[object, object]] = {}    # id of the cached model -> (it, its copy)
        self._turn = threading.Lock()

    @contextmanager
    def using(self, name_or_path) -> Iterator:
        """The copy of the model ``name_or_path`` (loaded by the cache if it is not yet), held by this
        job until the ``with`` block ends; raises what the cache raises (``ModelError``)."""
        with self._turn:
            shared = self.cache.get(name_or_path)
            found = self._copies.get(id(shared))
            if found is None or found[0] is not shared:
                own = copy.copy(shared)
                if hasattr(shared, "model"):
                    own.model = copy.deepcopy(shared.model)
                found = self._copies[id(shared)] = (shared, own)
            yield found[1]
