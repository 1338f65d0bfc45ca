# Layer: Python checks (tooling). Checks that the shared `chromium` fixture drives Debian's
# headless Chromium offline; touches a temporary HTML page and artifacts/.
"""The browser the JupyterLab checks rely on runs JavaScript and takes screenshots offline."""

from pathlib import Path

from PIL import Image
from selenium.webdriver.common.by import By


def test_chromium_runs_script_of_a_local_page_and_saves_a_screenshot(chromium, artifacts_dir: Path, tmp_path: Path):
    page = tmp_path / "page.html"
    page.write_text(
        "<html><body><p id='greeting'>waiting</p>"
        "<script>document.getElementById('greeting').textContent = 'ran ' + (6 * 7);</script>"
        "</body></html>"
    )
    chromium.get(page.as_uri())

    assert chromium.find_element(By.ID, "greeting").text == "ran 42"
    assert chromium.capabilities["browserName"] == "chrome"
    browser_major = chromium.capabilities["browserVersion"].split(".")[0]
    driver_major = chromium.capabilities["chrome"]["chromedriverVersion"].split(".")[0]
    assert browser_major == driver_major

    viewport = chromium.execute_script(
        "return [window.innerWidth * devicePixelRatio, window.innerHeight * devicePixelRatio]")
    screenshot = artifacts_dir / "browser-environment.png"
    assert chromium.save_screenshot(str(screenshot))
    with Image.open(screenshot) as image:
        assert image.format == "PNG"
        assert list(image.size) == [round(side) for side in viewport]
