"""Shared pytest configuration: hypothesis profiles and corpus locations.

``HYPOTHESIS_PROFILE=fast`` (CI default) keeps property tests quick; ``slow`` runs many more
examples (benches/nightly). No test touches the network.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from hypothesis import HealthCheck, settings

settings.register_profile("fast", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("slow", max_examples=2_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fast"))

# The oracle and peer helpers are plain modules beside the tests.
sys.path.insert(0, str(Path(__file__).parent))
