"""A fit of one's own, as `calibrate calibrate.fit=mine calibrate.conf_dir=DIR` writes it.

`own_fit` copies the shipped fit's preset and record under another name into ``DIR/fit/``, the
folder a run then finds through ``hydra.searchpath=[file://DIR]``.
"""

import shutil
from pathlib import Path

from sim.core.folders import CONF_DIR

SHIPPED = CONF_DIR / "fit" / "gsomia_2019"


def own_fit(folder: Path, name: str = "mine") -> Path:
    """Write the fit ``name`` (the shipped values) into ``folder/fit``; return that folder."""
    fits = folder / "fit"
    fits.mkdir(parents=True)
    text = SHIPPED.with_suffix(".yaml").read_text().replace("fit: gsomia_2019", f"fit: {name}")
    (fits / f"{name}.yaml").write_text(text)
    shutil.copy(SHIPPED.with_suffix(".json"), fits / f"{name}.json")
    return fits
