"""explore.md: an exploration as a report a methods appendix can cite.

The renderer takes the typed result of `sim.analysis.exploration` and writes what was varied
(inputs and ranges), how (design, replications, seed, version), what was measured, the ranked
indices with their intervals, the convergence check, the PRIM box and the feature scores.
"""

import pandas as pd

from sim.analysis.discovery import PrimBox
from sim.analysis.exploration import ExploreResult
from sim.core.errors import EscalationError
from sim.core.scenario_yaml import load_scenario
from sim.experiment.explore.plan import left_out_line

OUTCOME_WORDS = {
    "p_terminated": "P({notice} terminated)",
    "p_real": "P(the real outcome)",
    "peak_tension": "mean peak tension",
    "weeks_to_notice": "mean week of the notice (never = horizon)",
    "pressure_effect": "US-pressure effect on P(terminated) (common random numbers)",
    "y": "the test function's value",
}


def notice_label(manifest: dict) -> str:
    """What the explored case's notice threatens (its ``outcome.label``: GSOMIA).

    The manifest keeps it; one written before it did is read from its scenario.
    """
    if "notice" in manifest:
        return manifest["notice"] or "the agreement"
    try:
        rule = load_scenario(manifest["scenario"]).notice
    except EscalationError:
        rule = None
    return rule.label if rule is not None else "the agreement"


def outcome_words(outcome: str, manifest: dict) -> str:
    """An outcome in words, the case's notice named by its own label."""
    return OUTCOME_WORDS.get(outcome, outcome).format(notice=notice_label(manifest))


def constant_line(outcome: str, value: float) -> str:
    """Said of an outcome that takes one value at every design point, instead of indices."""
    return f"{outcome} is constant over the design ({value:.4g} at every point): no input moves it"


def focus_gone(result: ExploreResult) -> str | None:
    """Why the PRIM outcome has no box and no surface (left out, constant), or None."""
    focus = result.manifest["prim"]["outcome"]
    if why := result.manifest.get("left_out", {}).get(focus):
        other = [o for o in result.varying if o != focus]
        hint = f" (explore.prim.outcome={other[0]} peels on another)" if other else ""
        return f"{focus} is left out, as {why}{hint}"
    if focus in result.constant:
        return f"{focus} is constant over the design"
    return None


def analysis_notes(result: ExploreResult) -> list[str]:
    """Notes on what the analysis could not do.

    One line per outcome constant over the design, one on a missing surface and box, and one
    on a Sobol design too small to check that its indices have settled.
    """
    lines = [constant_line(o, v) for o, v in result.constant.items()]
    gone = focus_gone(result)
    m = result.manifest
    if m["method"] == "sobol" and m["n"] < 4:  # n/2 = 1 base point: nothing to compare
        lines.append(
            f"no convergence check: with n = {m['n']} the indices cannot be compared at n/2; "
            "raise explore.design.n to 4 or more before reading the ranking"
        )
    return lines + ([f"no surface and no PRIM box: {gone}"] if gone else [])


def _table(frame: pd.DataFrame) -> list[str]:
    header = "| " + " | ".join(frame.columns) + " |"
    rule = "| " + " | ".join("---" for _ in frame.columns) + " |"
    body = [
        "| " + " | ".join(_cell(v) for v in row) + " |" for row in frame.itertuples(index=False)
    ]
    return [header, rule, *body]


def fit_words(manifest: dict) -> str:
    """Which values the inputs left alone take: ``, fit NAME`` or the hand-set ones."""
    fit = manifest.get("fit")
    if fit is None:  # a test model's exploration
        return ""
    return ", the hand-set values" if fit == "none" else f", fit {fit}"


def slot_words(manifest: dict) -> str | None:
    """Which real side each slot of the inputs' names stands for, in a case other than 2019's.

    Inputs are named by slot (``seoul.*`` for a case's first side, ``tokyo.*`` for its second):
    in thaad_2016, tokyo.signal is Beijing's, which the names alone do not say.
    """
    from sim.core.errors import EscalationError
    from sim.core.scenario_yaml import load_scenario
    from sim.reports.labels import role_name

    if manifest.get("model") != "escalation":
        return None
    try:
        first, second = load_scenario(manifest["scenario"]).sides
    except (EscalationError, KeyError, ValueError):
        return None
    if (first, second) == ("seoul", "tokyo"):
        return None
    return (
        f"inputs are named by slot: `seoul.*` (and `payoffs.*.seoul`) are {role_name(first)}'s, "
        f"`tokyo.*` (and `payoffs.*.tokyo`) are {role_name(second)}'s"
    )


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):  # a categorical input's levels, "a | b": not a column rule
        return value.replace("|", "\\|")
    if isinstance(value, float):
        if pd.isna(value):
            return ""
        return f"{value:.1e}" if 0 < abs(value) < 0.001 else f"{value:.3f}"
    return str(value)


def _quasi_p(value: float | None) -> str:
    """A quasi-p-value as text: one that underflowed to 0 is below any printed precision."""
    if value is None or pd.isna(value):
        return ""
    return "< 1e-300" if value == 0 else _cell(float(value))


def _ranked(result: "ExploreResult", outcome: str, top: int = 10) -> pd.DataFrame:
    m, idx = result.manifest, result.indices
    method = m["method"]
    at = len(result.design) if method == "latin" else m["n"]
    kind = {"latin": "feature_scoring"}.get(method, method)
    rows = idx[(idx["outcome"] == outcome) & (idx["method"] == kind) & (idx["n"] == at)]
    rows = rows[rows["index"] != "S2"]  # pairs of inputs: `_pairs`
    value = rows.pivot(index="input", columns="index", values="value")
    conf = rows.pivot(index="input", columns="index", values="conf")
    names = {"sobol": ["S1", "ST"], "morris": ["mu_star", "sigma"], "feature_scoring": ["score"]}
    cols = {}
    for name in names[kind]:
        cols[name] = value[name]
        if conf[name].notna().any():
            cols[f"{name} ±"] = conf[name]
    table = pd.DataFrame(cols).sort_values(
        names[kind][-1 if kind == "sobol" else 0], ascending=False
    )
    return table.head(top).reset_index()


def _pairs(result: "ExploreResult", outcome: str, top: int = 10) -> pd.DataFrame:
    """The largest second-order Sobol indices of ``outcome`` (none without second order)."""
    idx, n = result.indices, result.manifest["n"]
    rows = idx[(idx["outcome"] == outcome) & (idx["index"] == "S2") & (idx["n"] == n)]
    table = rows.rename(columns={"input": "inputs", "value": "S2", "conf": "S2 ±"})
    return table.nlargest(top, "S2")[["inputs", "S2", "S2 ±"]]


def peeled_on(method: str) -> str:
    """Which design rows PRIM peels on (`sim.analysis.exploration.prim_rows`), in words."""
    rows = {
        "sobol": "the first half of the Saltelli design's A and B rows, drawn independently",
        "morris": "the first half of the Morris trajectories' first rows",
    }
    return rows.get(method, "the first half of the design's rows")


def held_out_text(box: PrimBox) -> str:
    """The box's coverage and density on the independent points it was not peeled on."""
    if box.held_out_points is None:
        return ""
    coverage, density = box.held_out_coverage, box.held_out_density
    shown = [
        f"coverage {coverage:.1%}" if coverage is not None else "no case of interest",
        f"density {density:.1%}" if density is not None else "no point in the box",
    ]
    return f" On the {box.held_out_points:,} points held out: {', '.join(shown)}."


def unsettled(convergence: list[dict]) -> str | None:
    """A warning when some outcome's most influential inputs differ between n/2 and n, or None.

    Then the indices have not settled: another seed or a larger design could rank the inputs
    otherwise.
    """
    names = [row["outcome"] for row in convergence if not row["top_inputs_same"]]
    if not names:
        return None
    return (
        f"the Sobol indices have not settled for {', '.join(names)}: their top inputs differ "
        "between n/2 and n; raise explore.design.n before reading the ranking"
    )


def render_explore(result: "ExploreResult", figures: list[str]) -> str:
    """The Markdown report of a finished exploration."""
    m = result.manifest
    lines = [
        f"# Exploration: {m['method']} design over {len(m['inputs'])} inputs",
        "",
        f"Command: `{m['command']}`  ",
        f"Model: {m['model']} (scenario {m['scenario']}{fit_words(m)}); seed {m['seed']}; "
        f"escalation-sim {m['version']}; config hash {m['config_hash']}.",
        "",
        *([f"**Sides:** {slots}.", ""] if (slots := slot_words(m)) else []),
        "## Design",
        "",
        f"{m['method']} design, base size n = {m['n']}: {m['points']:,} design points, "
        f"{m['replications']} replications each, in {m['chunks']} chunks. Intervals are "
        f"{m['confidence']:.0%} bootstrap intervals over {m['bootstrap']} resamples (SALib).",
        "",
        *_table(pd.DataFrame(m["inputs"])[["input", "kind", "range"]]),
        "",
        "## Outcomes per design point",
        "",
        *[f"- `{o}`: {outcome_words(o, m)}" for o in m["outcomes"]],
        "",
    ]
    left_out = left_out_line(m.get("left_out", {}))
    if notes := ([left_out] if left_out else []) + analysis_notes(result):
        lines += [*(f"**Note:** {line}.  " for line in notes), ""]
    summary = result.outcomes[m["outcomes"]].describe().T[["mean", "std", "min", "max"]]
    lines += _table(summary.reset_index().rename(columns={"index": "outcome"})) + [""]
    lines += ["## Which inputs matter", ""]
    for outcome in m["outcomes"]:
        lines += [f"### {outcome_words(outcome, m)} (`{outcome}`)", ""]
        if outcome in result.constant:
            lines += [f"No indices: {constant_line(outcome, result.constant[outcome])}.", ""]
            continue
        lines += _table(_ranked(result, outcome)) + [""]
        if len(pairs := _pairs(result, outcome)):
            lines += ["Second-order indices, the largest pairs:", "", *_table(pairs), ""]
    if result.convergence:
        lines += ["## Convergence: indices at n/2 and n", ""]
        conv = pd.DataFrame(result.convergence)
        lines += _table(conv) + [""]
        lines += [
            "`rank_correlation_st` is Spearman's correlation of the total indices computed on "
            "the first half of the base sample and on all of it, which contains it (so they "
            "agree in part whatever the model, even on pure noise); "
            "`rank_correlation_st_halves` compares the two halves, which share no run; "
            "`top_inputs_same` says whether the most influential inputs are the same set at "
            "both sizes; a blank correlation had fewer than three total indices to rank.",
            "",
        ]
        if warning := unsettled(result.convergence):
            lines += [f"**Not settled:** {warning}.", ""]
    lines += ["## Scenario discovery (PRIM)", ""]
    box = result.box
    if box is None and (gone := focus_gone(result)):
        lines += [f"No box: {gone}.", ""]
    elif box is None:
        lines += [f"No box: no design point (or every one) meets {m['prim']['outcome']}.", ""]
    else:
        lines += [
            f"Cases of interest: {box.rule}, {box.cases:,} of the {box.points:,} points peeled "
            f"on ({peeled_on(m['method'])}). Chosen box (step {box.chosen} of the peeling "
            f"trajectory, the densest with coverage >= {m['prim']['min_coverage']:.0%}): "
            f"coverage {box.coverage:.1%}, density {box.density:.1%}, mass {box.mass:.1%}, "
            f"{box.res_dim} input{'s' * (box.res_dim != 1)} restricted.{held_out_text(box)}",
            "",
        ]
        rows = [
            {
                "input": b.input,
                "kept": " | ".join(b.levels) if b.levels else f"{b.low:.4g} to {b.high:.4g}",
                "share of range kept": b.kept,
                "quasi-p": _quasi_p(b.quasi_p),
            }
            for b in box.limits
        ]
        if rows:
            lines += _table(pd.DataFrame(rows)) + [""]
            lines += [
                "Restrictions are listed from the tightest; one that keeps more than 90% of its "
                "input's range, or has a quasi-p above 0.05, is weak: the box barely depends "
                "on it.",
                "",
            ]
    lines += ["## Figures", "", *[f"- `{name}`" for name in figures], ""]
    return "\n".join(lines)
