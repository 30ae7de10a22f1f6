"""The onnx encoder's export: made once, kept while current, made again when stale, never half
written; a missing export or runtime says what to do instead of answering another way."""

from __future__ import annotations

import dataclasses
import json

import pytest

from bot import build
from bot.config import load_config
from nlu import encoder_export
from nlu.encoder import EncoderConfig, SentenceEncoder
from nlu.encoder_onnx import META_FILE, MODEL_FILE, TOKENIZER_FILE, OnnxEncoderError
from tests.support import ROOT


def fake_export(folder, fingerprint: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MODEL_FILE).write_bytes(b"graph")
    (folder / TOKENIZER_FILE).write_text("{}")
    (folder / META_FILE).write_text(json.dumps({"fingerprint": fingerprint}))


def test_without_its_export_the_onnx_encoder_says_to_run_convrec_train(tmp_path):
    encoder = SentenceEncoder(EncoderConfig(backend="onnx"), tmp_path / "encoder")
    with pytest.raises(OnnxEncoderError, match="run `convrec train` to export it"):
        encoder.encode(["something funny"])


def test_the_onnx_encoder_needs_the_folder_of_its_export():
    with pytest.raises(ValueError, match="needs the folder of its exported graph"):
        SentenceEncoder(EncoderConfig(backend="onnx"))


def test_an_export_is_current_only_for_this_package_and_these_settings(tmp_path):
    folder = tmp_path / "encoder"
    assert not encoder_export.is_current(folder)
    fake_export(folder, "an older export")
    assert not encoder_export.is_current(folder)
    fake_export(folder, encoder_export.fingerprint())
    assert encoder_export.is_current(folder)
    (folder / MODEL_FILE).unlink()
    assert not encoder_export.is_current(folder)


def test_a_current_export_is_not_made_again(tmp_path, monkeypatch):
    config = load_config(ROOT / "config.yml")
    config = dataclasses.replace(config, paths=dataclasses.replace(config.paths,
                                                                   artifacts=tmp_path))
    fake_export(config.models_dir / "encoder", encoder_export.fingerprint())
    exports = []
    monkeypatch.setattr(encoder_export, "export", lambda folder, log: exports.append(folder))
    encoder = build.ensure_encoder(config, log=lambda message: None)
    assert exports == [] and encoder.onnx_dir == config.models_dir / "encoder"

    fake_export(config.models_dir / "encoder", "an older export")
    build.ensure_encoder(config, log=lambda message: None)
    assert exports == [config.models_dir / "encoder"]


@pytest.mark.slow
def test_a_failed_export_leaves_the_previous_one_as_it_was(tmp_path, monkeypatch):
    folder = tmp_path / "encoder"
    fake_export(folder, "the previous export")

    def broken_trace(model, path):
        raise RuntimeError("unsupported operator")

    monkeypatch.setattr(encoder_export, "_trace", broken_trace)
    with pytest.raises(encoder_export.EncoderExportError,
                       match="torch.onnx.export failed: RuntimeError: unsupported operator"):
        encoder_export.export(folder, log=lambda message: None)
    assert (folder / MODEL_FILE).read_bytes() == b"graph"
    assert json.loads((folder / META_FILE).read_text()) == {"fingerprint": "the previous export"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["encoder"]  # no temporary folder left
