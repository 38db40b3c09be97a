"""The README a user reads first: short, its test command the one CI runs, no tracker numbers."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_readme_is_short_and_its_test_command_is_what_ci_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 150
    fence = readme.index("```bash\n", readme.index("## Install"))
    start, test = readme[fence:].splitlines()[1:3]
    assert "pip install -e ." in start and "pip install -e '.[test]'" in test and test.endswith("-m pytest")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1]
    assert ci == test


def test_the_readme_names_no_issue_and_links_only_files_that_are_there():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert not re.search(r"\bissues? #?\d", readme, re.IGNORECASE)
    for link in re.findall(r"\]\(([^)#]+)\)", readme):
        assert (ROOT / link).exists(), link
