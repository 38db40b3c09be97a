"""Building a network whose weights come from its file: without running torch's initialisers.

A new ``nn.Module`` fills its weights at random (``torch.nn.init``), work thrown away when the
weights are then read from a model's file; on the meta device (where a model folder is checked
before anything is allocated) those functions also load torch's compiler, ``torch._dynamo``, as
long again as importing torch. ``without_initialisers`` leaves the weights as allocated, the way
``transformers``' ``no_init_weights`` does: every weight of a network built inside it must then be
loaded (``load_state_dict`` checks that every one is there).
"""

from __future__ import annotations

import contextlib
import threading
from typing import Iterator

INITIALISERS = ("uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_", "eye_", "dirac_",
                "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_",
                "sparse_", "uniform", "normal", "constant", "xavier_uniform", "xavier_normal", "kaiming_uniform",
                "kaiming_normal", "orthogonal", "sparse")
_lock = threading.Lock()          # one building at a time: the functions are the module's, shared


def _left_as_allocated(tensor, *args, **kwargs):
    return tensor


@contextlib.contextmanager
def without_initialisers() -> Iterator[None]:
    """Networks built inside this block keep their weights as allocated (to be loaded next)."""
    import torch.nn.init as init
    with _lock:
        saved = {name: getattr(init, name) for name in INITIALISERS if hasattr(init, name)}
        for name in saved:
            setattr(init, name, _left_as_allocated)
        try:
            yield
        finally:
            for name, function in saved.items():
                setattr(init, name, function)
