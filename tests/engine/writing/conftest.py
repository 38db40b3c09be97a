"""Shared set-up of the writing tests: the tasks Continue and Fill hand their writer."""

import pytest


@pytest.fixture
def writer_tasks(monkeypatch):
    """A function that makes ``module`` (continuation or fill) record each ``Task`` it gives its
    ``Writer`` (which still writes); returns the list the tasks go into."""
    def spy_on(module) -> list:
        tasks: list = []
        writer = module.Writer

        def spy(model, prompt, rows, task, *args, **kwargs):
            tasks.append(task)
            return writer(model, prompt, rows, task, *args, **kwargs)
        monkeypatch.setattr(module, "Writer", spy)
        return tasks
    return spy_on
