"""Shared fixtures: the astronaut portrait and the compliant reference made from it.

Everything model-based is computed once per session (the MediaPipe models are process
singletons anyway) so the whole suite stays fast.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from skimage import data as skdata

from sbk.photos.checker import check_photo
from sbk.photos.fix import fix_photo
from sbk.photos.verdict import Measurements, PhotoVerdict

from . import imaging


@dataclass(frozen=True)
class Reference:
    jpeg: bytes  # compliant photo made by the fixer from the astronaut
    rgb: np.ndarray
    verdict: PhotoVerdict
    landmarks: np.ndarray

    @property
    def m(self) -> Measurements:
        return self.verdict.measurements


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    return skdata.astronaut()


@pytest.fixture(scope="session")
def astronaut_png(astronaut) -> bytes:
    return imaging.to_png(astronaut)


@pytest.fixture(scope="session")
def reference(astronaut_png) -> Reference:
    from sbk.photos import inference as models

    result = fix_photo(astronaut_png)
    assert result.ok, [f.to_dict() for f in result.reasons]
    rgb = imaging.from_bytes(result.jpeg)
    verdict = check_photo(result.jpeg)
    assert verdict.ok
    pts = models.face_landmarks(rgb)
    assert pts is not None
    return Reference(jpeg=result.jpeg, rgb=rgb, verdict=verdict, landmarks=pts)


@pytest.fixture(scope="session")
def reference_mask(reference) -> np.ndarray:
    from sbk.photos import inference as models

    return models.segment_person(reference.rgb)


@pytest.fixture(scope="session")
def grace_fix():
    """The fixer on Grace Hopper's portrait (cap + uniform): refused; ``candidate`` is the
    geometrically compliant photo it would have made."""
    return fix_photo(imaging.to_png(imaging.grace_hopper()))


def pytest_configure(config):
    # MediaPipe triggers protobuf's deprecation warning on every inference
    config.addinivalue_line("filterwarnings", "ignore:SymbolDatabase.GetPrototype:UserWarning")


# The platform tests need Django; the pure runs (-p no:django) leave them out.
DJANGO_TESTS = {"test_platform.py", "test_web.py", "test_override.py", "test_pixel_budget.py"}


def pytest_ignore_collect(collection_path, config):
    if collection_path.name in DJANGO_TESTS and not config.pluginmanager.hasplugin("django"):
        return True
    return None
