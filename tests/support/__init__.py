"""What the tests share: paths, the admin token, real servers (support/serving.py), Rasa
(support/rasa_support.py) and a signed Alexa certificate chain (support/alexa_certs.py)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "datasets"
ADMIN_TOKEN = "test-admin-token"
