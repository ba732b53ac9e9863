"""Writing a fit into the config tree, where every run takes it as its default.

``conf/fit/<name>.yaml`` is a Hydra preset (package ``_global_``) of the fitted values, which
`sim.core.fitted` also reads for a bare model; ``<name>.json`` records the keys fitted, the
parameter count, the log-likelihood and the provenance; ``<name>.posterior.parquet`` holds the
posterior draws. Each file is written atomically.
"""

from pathlib import Path

import yaml

from sim.analysis.results import CalibrationReport
from sim.analysis.space import entry_text
from sim.core.fitted import DEFAULT_FIT
from sim.core.folders import CONF_DIR
from sim.experiment.config import CalibrateJobConfig
from sim.experiment.store import json_text, write_parquet, write_text


def _nested(values: dict[str, float]) -> dict:
    """Dotted keys as nested mappings, values rounded to six significant digits."""
    tree: dict = {}
    for key, value in sorted(values.items()):
        node = tree
        *parents, leaf = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = float(f"{value:.6g}")
    return tree


def fit_text(report: CalibrationReport, name: str) -> str:
    """``conf/fit/<name>.yaml``: the fitted values as a global Hydra preset."""
    values = report.ml.values()
    use = (
        "Every run uses\n# this fit unless told `fit=none` (the hand-set values)."
        if name == DEFAULT_FIT
        else f"Runs use this\n# fit when told `fit={name}`; the default fit is unchanged."
    )
    header = (
        "# @package _global_\n"
        f"# The model fitted to {report.events} ({report.weeks} weeks from {report.start}) by\n"
        f"# `{report.command}` on {report.date} (version {report.version}, seed {report.seed}).\n"
        "# Written by `escalation calibrate`: re-run it rather than edit by hand. "
        + use
        + " Method: docs/comparison.md.\n"
        f"# log-likelihood {report.ml.loglik:.3f} with {report.ml.parameters} parameters.\n"
    )
    body = yaml.safe_dump(_nested(values), sort_keys=False, default_flow_style=False)
    return header + f"fit: {name}\n" + body


def record(report: CalibrationReport) -> dict:
    """``conf/fit/<name>.json``: what was fitted, how well, and how."""
    return {
        "keys": list(report.ml.keys),
        "tied": dict(report.ml.tied),
        "params": [
            entry_text(
                k,
                *report.bounds[k],
                k in report.log_keys,
                tuple(t for t, of in report.ml.tied if of == k),
            )
            for k in report.ml.keys
        ],
        "conduct_keys": sorted(report.ml.conduct.values()),
        "parameters": report.ml.parameters,
        "loglik": report.ml.loglik,
        "rules": report.rules,
        "scenario": report.scenario,
        "events": report.events,
        "weeks": report.weeks,
        "seed": report.seed,
        "version": report.version,
        "date": report.date,
        "command": report.command,
        "margin_aic": report.in_sample.margin("aic"),
        "margin_bic": report.in_sample.margin("bic"),
        "ml_converged": bool(report.ml.converged),
        # null without a posterior; runs drawing from one that did not converge are warned
        "posterior_converged": None if report.posterior is None else report.posterior.converged,
    }


def fit_folder_of(c) -> Path:
    """Where ``calibrate`` settings ``c`` write the fit: ``<calibrate.conf_dir>/fit``."""
    return Path(c.conf_dir or CONF_DIR) / "fit"


def write_fit(report: CalibrationReport, config: CalibrateJobConfig) -> dict[str, Path]:
    """Write the fit's three files under ``calibrate.conf_dir`` (default: the shipped conf/).

    Without a posterior (``calibrate.posterior=false``) the fit has two files, and an earlier
    fit's posterior of the same name is removed.
    """
    folder = fit_folder_of(config.calibrate)
    name = config.calibrate.fit
    paths = {
        "preset": write_text(fit_text(report, name), folder / f"{name}.yaml"),
        "record": write_text(json_text(record(report), strict=False), folder / f"{name}.json"),
    }
    posterior = folder / f"{name}.posterior.parquet"
    if report.posterior is not None:
        paths["posterior"] = write_parquet(report.posterior.table(), posterior)
    else:  # an earlier fit's draws would pass for this fit's under run.posterior=true
        posterior.unlink(missing_ok=True)
    return paths
