"""Where the shared, read-only sample clips are: the folder named by FORMCHECK_SHARED_SAMPLES,
else ../shared/samples beside the repository (as on CI)."""

from __future__ import annotations

import os
from pathlib import Path

SHARED_SAMPLES = Path(
    os.environ.get("FORMCHECK_SHARED_SAMPLES") or Path(__file__).resolve().parents[2] / "shared" / "samples"
)
