import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "convbook", deadline=None, max_examples=int(os.environ.get("CONVBOOK_EXAMPLES", "150")),
    suppress_health_check=[HealthCheck.too_slow], derandomize=True,
)
settings.load_profile("convbook")


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def recording(monkeypatch):
    """``recording(module, name)`` wraps ``module.name`` so that every call is recorded; returns the list of calls.

    The widget tests use it to see that moving a control redraws with the new value.
    """

    def wrap(module, name):
        calls = []
        original = getattr(module, name)

        def record(*args, **kwargs):
            calls.append((args, kwargs))
            return original(*args, **kwargs)

        monkeypatch.setattr(module, name, record)
        return calls

    return wrap
