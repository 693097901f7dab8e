"""The ways a reader gets the book: the Pages workflow, Binder, Colab, `make`.

None of these can run here (no GitHub, no Binder), so their configuration is
checked against the project's own: the workflow must run the target CI runs and
publish what it builds, Binder must install the pinned stack and the library,
and every link points at the repository named in ``_config.yml``.
"""

from __future__ import annotations

import json
import pathlib
import re
import stat
import subprocess

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text())


def _workflow() -> dict:
    return yaml.safe_load((ROOT / ".github" / "workflows" / "pages.yml").read_text())


def _steps(job: dict) -> list[dict]:
    return job.get("steps", [])


def test_ci_entry_point_runs_make_test():
    lines = [ln.strip() for ln in (ROOT / ".ci" / "run").read_text().splitlines()
             if ln.strip() and not ln.lstrip().startswith("#")]
    assert lines[-1] == "exec make test"


def test_workflow_builds_with_the_ci_target_and_publishes_that_build():
    wf = _workflow()
    on = wf.get("on", wf.get(True))  # YAML 1.1 reads a bare `on` key as True
    assert on["push"]["branches"] == ["main"]
    build = wf["jobs"]["build"]
    runs = [s.get("run", "") for s in _steps(build)]
    assert "make test" in runs, "the workflow must build with the same target as .ci/run"
    python = [s for s in _steps(build) if s.get("uses", "").startswith("actions/setup-python")]
    assert python and python[0]["with"]["python-version"] == "3.11"
    upload = [s for s in _steps(build) if s.get("uses", "").startswith("actions/upload-pages-artifact")]
    assert upload and upload[0]["with"]["path"] == "_build/html"
    assert runs.index("make test") < _steps(build).index(upload[0])
    assert build["env"]["CI"] == "true", "a skipped browser test must fail in the workflow"
    deploy = wf["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert any(s.get("uses", "").startswith("actions/deploy-pages") for s in _steps(deploy))
    assert wf["permissions"]["pages"] == "write" and wf["permissions"]["id-token"] == "write"


#: The oldest major version of each action that runs on the runners' current Node (GitHub dropped Node 20
#: from its runners in 2026-09).
ACTION_MAJORS = {"actions/checkout": 6, "actions/setup-python": 6, "actions/setup-node": 6,
                 "actions/upload-artifact": 7, "actions/upload-pages-artifact": 5, "actions/deploy-pages": 5}


def test_the_workflow_uses_current_actions_and_never_cancels_a_deployment():
    wf = _workflow()
    used = [s["uses"] for job in wf["jobs"].values() for s in _steps(job) if "uses" in s]
    assert {u.split("@")[0] for u in used} == set(ACTION_MAJORS), used
    for u in used:
        name, version = u.split("@")
        assert int(version.lstrip("v").split(".")[0]) >= ACTION_MAJORS[name], f"{u}: use v{ACTION_MAJORS[name]}"
    cancel = str(wf["concurrency"]["cancel-in-progress"])
    assert cancel != "True" and "pull_request" in cancel, "a push to main must not cancel a deployment in progress"


def test_dependabot_keeps_actions_and_packages_current():
    config = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text())
    assert config["version"] == 2
    assert {u["package-ecosystem"] for u in config["updates"]} == {"github-actions", "pip"}


def test_make_test_builds_the_site_that_is_published():
    out = subprocess.run(["make", "-n", "test"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert "jupyter-book build . --path-output ." in out  # writes _build/html
    assert "-W -n --keep-going" in out
    assert "tests/browser" in out


def _pins(path: pathlib.Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;#]+)", line.strip())
        if m:
            pins[m.group(1).lower()] = m.group(2)
    return pins


def test_binder_installs_the_pinned_stack_with_cpu_torch_and_the_library():
    binder = ROOT / "binder"
    req = (binder / "requirements.txt").read_text().splitlines()
    assert "-r ../requirements.lock" in req
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in req
    assert _pins(ROOT / "requirements.lock")["torch"] == _pins(ROOT / "requirements.txt")["torch"] == "2.13.0"
    assert (binder / "runtime.txt").read_text().strip() == "python-3.11"
    post = binder / "postBuild"
    assert post.stat().st_mode & stat.S_IXUSR, "postBuild must be executable"
    assert "pip install --no-deps --editable ." in post.read_text()


def test_every_requirement_is_pinned():
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            assert re.match(r"^[A-Za-z0-9_.\-]+==\S+$", line), f"unpinned requirement: {line}"


def test_the_lockfile_pins_everything_and_agrees_with_requirements_txt():
    """requirements.lock (compiled from requirements.txt by `make lock`) pins every package of the environment,
    each requirement at the version requirements.txt names; make installs from it."""
    lock, wanted = _pins(ROOT / "requirements.lock"), _pins(ROOT / "requirements.txt")
    entries = [ln for ln in (ROOT / "requirements.lock").read_text().splitlines()
               if ln.strip() and not ln.lstrip().startswith("#")]
    assert all(re.match(r"^[A-Za-z0-9_.\-]+==[^\s+]+$", ln) for ln in entries), "every line of the lock is a pin"
    assert not [ln for ln in entries if ln.startswith("-")], "no machine-specific index or find-links lines"
    assert len(lock) > 3 * len(wanted), "the lock pins the whole environment, not only the direct requirements"
    mismatched = {name: (version, lock.get(name)) for name, version in wanted.items() if lock.get(name) != version}
    assert not mismatched, f"requirements.lock disagrees with requirements.txt (run `make lock`): {mismatched}"
    make = (ROOT / "Makefile").read_text()
    assert "pip install --quiet -r requirements.lock" in make and "\nlock:" in make


def test_launch_buttons_point_at_the_repository():
    cfg = _config()
    url = cfg["repository"]["url"]
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", url)
    assert cfg["launch_buttons"]["binderhub_url"] == "https://mybinder.org"
    assert cfg["launch_buttons"]["colab_url"] == "https://colab.research.google.com"
    assert cfg["launch_buttons"]["thebe"] is False, "thebe would load its code from a CDN"
    assert cfg["html"]["use_repository_button"] is True


SETUP_MARK = "# Colab or a fresh kernel without the book's library: install it"


def test_each_notebook_can_install_the_library_where_it_is_missing():
    """Colab opens a notebook alone: its first code cell installs ``convbook`` from the repository."""
    url = _config()["repository"]["url"]
    for nb_path in sorted((ROOT / "book").glob("*.ipynb")):
        nb = json.loads(nb_path.read_text())
        first = next(c for c in nb["cells"] if c["cell_type"] == "code")
        source = "".join(first["source"])
        assert source.startswith(SETUP_MARK), f"{nb_path.name}: the first code cell is not the setup cell"
        assert f"git+{url}" in source, f"{nb_path.name}: the setup cell installs from another repository"
        assert "remove-cell" in first["metadata"].get("tags", []), f"{nb_path.name}: setup cell shown on the site"


def test_the_book_can_be_reused_and_cited():
    """A licence for the code (MIT, as pyproject says), one for the text (CC BY-SA 4.0, in every page's footer),
    and a CITATION.cff and a BibTeX entry that agree with the package and the repository."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    licence = (ROOT / "LICENSE").read_text()
    assert project["license"] == "MIT" and licence.startswith("MIT License")
    assert "Creative Commons Attribution-ShareAlike 4.0" in (ROOT / "LICENSE-TEXT.md").read_text()
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0" and cff["license"] == project["license"]
    assert str(cff["version"]) == project["version"]
    assert cff["repository-code"] == _config()["repository"]["url"]
    assert cff["title"] == _config()["title"]
    footer = _config()["html"]["extra_footer"]
    assert "CC BY-SA 4.0" in footer and "MIT" in footer
    intro = (ROOT / "book" / "intro.md").read_text()
    entry = re.search(r"```bibtex\n(.*?)```", intro, re.S)
    assert entry, "the intro's How to cite has no BibTeX entry"
    assert _config()["repository"]["url"] in entry.group(1) and f"Version {project['version']}" in entry.group(1)


def test_the_tracked_conf_py_is_what_jupyter_book_generates(tmp_path):
    """conf.py (for building with sphinx-build directly) must follow _config.yml; regenerate it with
    `jupyter-book config sphinx .` after changing the configuration."""
    import shutil
    import sys

    for name in ("_config.yml", "_toc.yml"):
        shutil.copy(ROOT / name, tmp_path / name)
    jb = pathlib.Path(sys.executable).parent / "jupyter-book"
    subprocess.run([str(jb), "config", "sphinx", str(tmp_path)], check=True, capture_output=True)
    generated = (tmp_path / "conf.py").read_text().replace(str(tmp_path), ".")
    assert (ROOT / "conf.py").read_text() == generated, "conf.py is stale: run `jupyter-book config sphinx .`"


def test_the_documented_jupyterlab_command_starts_with_myst_rendering(tmp_path):
    """`.venv/bin/jupyter lab book/` (README, "Run it yourself"), started headless on 127.0.0.1: its API lists the
    chapters and the MyST extension that renders their markup is installed and enabled."""
    import json as json_
    import os
    import socket
    import sys
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = "convbook-test"
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), JUPYTER_CONFIG_DIR=str(tmp_path / "config"))
    jupyter = pathlib.Path(sys.executable).parent / "jupyter"
    proc = subprocess.Popen([str(jupyter), "lab", "book/", "--no-browser", "--ServerApp.ip=127.0.0.1",
                             f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
                             f"--IdentityProvider.token={token}"] + (["--allow-root"] if os.geteuid() == 0 else []),
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def get(path: str):
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}?token={token}", timeout=5) as response:
            return json_.loads(response.read())

    try:
        deadline, contents = time.monotonic() + 90, None
        while contents is None:
            if proc.poll() is not None:
                raise AssertionError(f"jupyter lab exited: {proc.stderr.read().decode()[-2000:]}")
            try:
                contents = get("/api/contents")  # `jupyter lab book/` serves book/ as its root
            except OSError:
                assert time.monotonic() < deadline, "jupyter lab did not answer within 90 s"
                time.sleep(0.5)
        names = {item["name"] for item in contents["content"]}
        assert {p.name for p in (ROOT / "book").glob("*.ipynb")} <= names
        extensions = {e["name"]: e for e in get("/lab/api/extensions")}
        myst = extensions.get("jupyterlab-myst")
        assert myst and myst["enabled"], sorted(extensions)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
