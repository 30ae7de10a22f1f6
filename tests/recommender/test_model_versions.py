"""Model versions on disk (recommender/serving/model_versions.py): the flat layout of older builds
keeps working, a version is pointed at only when sealed, corruption is caught, rollback goes
back one version."""

from __future__ import annotations

import json

import pytest

from recommender.serving.model_versions import FLAT, ModelVersions, VersionError


def publish(versions: ModelVersions, weights: str) -> str:
    staging = versions.staging()
    (staging / "mmoe.pt").write_text(weights)
    (staging / "checkpoints").mkdir()
    (staging / "checkpoints" / "epoch1.pt").write_text("not sealed")
    return versions.publish(staging)


def test_without_a_pointer_the_flat_folder_is_the_model(tmp_path):
    (tmp_path / "mmoe.pt").write_text("old build")
    versions = ModelVersions(tmp_path)
    assert versions.current_id() == FLAT and versions.current_folder() == tmp_path
    assert versions.stamp() is None and versions.verify(FLAT, ("mmoe.pt",)) == tmp_path
    with pytest.raises(VersionError, match="missing sasrec.pt"):
        versions.verify(FLAT, ("sasrec.pt",))
    assert ModelVersions(tmp_path / "none").current_id() is None


def test_publish_points_at_the_new_version_and_rollback_goes_back(tmp_path):
    (tmp_path / "mmoe.pt").write_text("old build")
    versions = ModelVersions(tmp_path)
    first = publish(versions, "one")
    stamp = versions.stamp()
    second = publish(versions, "two")
    assert versions.stamp() != stamp  # what a server polls
    assert versions.current_id() == second
    assert (versions.current_folder() / "mmoe.pt").read_text() == "two"
    assert versions.pointer() == {"current": second, "history": [FLAT, first]}
    manifest = json.loads((versions.folder(second) / "MANIFEST.json").read_text())
    assert list(manifest["files"]) == ["mmoe.pt"]  # checkpoints are not part of a version
    assert versions.rollback() == first and versions.current_id() == first
    assert versions.rollback() == FLAT and versions.current_folder() == tmp_path
    with pytest.raises(VersionError, match="no earlier"):
        versions.rollback()


def test_a_corrupt_or_half_written_version_fails_verification(tmp_path):
    versions = ModelVersions(tmp_path)
    good = publish(versions, "weights")
    assert versions.verify(good, ("mmoe.pt",)) == versions.folder(good)
    (versions.folder(good) / "mmoe.pt").write_text("weightz")  # same size, other bytes
    with pytest.raises(VersionError, match="differs from its manifest"):
        versions.verify(good)
    staging = versions.staging()
    (staging / "mmoe.pt").write_text("half")
    half = staging.name.removeprefix(".staging-")
    staging.rename(versions.folder(half))  # in place but never sealed
    with pytest.raises(VersionError, match="half-written"):
        versions.verify(half)
    with pytest.raises(VersionError, match="no folder"):
        versions.verify("20990101-000000-000000-ffff")


def test_old_versions_are_pruned_but_the_history_kept(tmp_path):
    versions = ModelVersions(tmp_path, keep=2)
    ids = [publish(versions, str(n)) for n in range(5)]
    assert versions.versions() == ids[-2:]
    assert versions.current_id() == ids[-1]
