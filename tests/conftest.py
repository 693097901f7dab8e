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
