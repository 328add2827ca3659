"""Starting the web app loads no heavy numerical library: scipy, statsmodels, lightgbm and scikit-learn are
imported inside the functions that use them, so the app (and every test worker) starts without them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HEAVY = ("scipy", "statsmodels", "lightgbm", "sklearn")
SRC = Path(__file__).resolve().parents[2] / "src"


def test_the_web_app_starts_without_the_heavy_numerical_libraries(tmp_path):
    script = f"""
import json, sys
from pathlib import Path
from qorgau.core.config import Settings
from qorgau.app.web import create_app

folder = Path(sys.argv[1])
create_app(Settings(database_url=f"sqlite:///{{folder / 'app.db'}}", data_dir=folder, secret_key="k", data_key="k"))
print(json.dumps(sorted(name for name in sys.modules if name.split(".")[0] in {HEAVY!r})))
"""
    env = os.environ | {"PYTHONPATH": os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded == [], f"imported at app start: {sorted({name.split('.')[0] for name in loaded})}"
