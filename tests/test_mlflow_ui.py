"""The UI path as people use it (issue 13, item 10): an MLflow server on loopback over the store an
experiment wrote, the README's runs-table address opened in a real headless browser (Debian's
``chromium``, installed by ``.ci/run``), the parent and trial runs found in the page."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import TINY
from mlflow.tracking import MlflowClient
from servers import serve_mlflow

from sysfair.experiment.runner import run_experiment
from sysfair.experiment.tracking import runs_url

pytestmark = pytest.mark.xdist_group("cluster")  # one worker for every local cluster and server

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
DRIVER = shutil.which("chromedriver")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None or DRIVER is None,
    reason="no headless browser: install Debian's chromium and chromium-driver "
    "(`apt-get install -y chromium chromium-driver`, as .ci/run does)",
)


def test_readme_gives_the_runs_table_address() -> None:
    readme = (REPO / "README.md").read_text()
    assert runs_url("http://127.0.0.1:5000", "1") in readme
    assert runs_url("http://127.0.0.1:5000", "1") == "http://127.0.0.1:5000/#/experiments/1/runs"


@pytest.mark.slow
@needs_chromium
def test_runs_table_lists_parent_and_trials_in_a_headless_browser(compose_cfg, tmp_path: Path) -> None:
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium missing: pip install -e '.[dev]'")
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    result = run_experiment(compose_cfg(*TINY))
    assert result.experiment_id == "1"  # a fresh store: the README's address is this one
    client = MlflowClient(result.tracking_uri)
    names = [r.info.run_name for r in client.search_runs([result.experiment_id])]
    assert len(names) == 3
    # up to 120 s for the server to come up on a busy machine
    with serve_mlflow(result.tracking_uri, tmp_path, seconds=120) as base:
        # the README's address, with this server's port
        url = runs_url(base, result.experiment_id)
        parent = client.get_run(result.run_id).info.run_name
        children = sorted(n for n in names if n != parent)
        options = webdriver.ChromeOptions()
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
            options.add_argument(arg)
        options.binary_location = str(CHROMIUM)
        driver = webdriver.Chrome(options=options, service=Service(DRIVER))
        try:
            driver.get(url)
            WebDriverWait(driver, 120).until(lambda d: parent in d.page_source)
            assert not any(c in driver.page_source for c in children)  # nested: collapsed under the parent
            (expand,) = driver.find_elements(
                By.CSS_SELECTOR, "button[data-component-id*='runnamecellrenderer']"
            )
            expand.click()  # the "+" before the parent's name
            WebDriverWait(driver, 60).until(lambda d: all(c in d.page_source for c in children))
        finally:
            driver.quit()
