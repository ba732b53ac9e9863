"""Replications in blocks: bounded memory at any size, the same numbers on every machine.

A run of more than `BLOCK` replications is simulated as consecutive blocks of at most `BLOCK`,
each its own lockstep model; block ``i`` draws from ``SeedSequence(run.seed, spawn_key=(i,))``
(numpy's way to give independent streams to parallel work). A run of `BLOCK` replications or
fewer is one model seeded with ``run.seed`` itself, as it always was. The block size is a
constant, not a function of the machine, so the same command and seed give the same numbers
everywhere.

The tension fan (quantiles across all replications, week by week) cannot be merged from each
block's quantiles, so `TensionFan` merges each week's value counts; tension is a sum of measure
intensities and takes few distinct values, so the counts stay small.
"""

import dataclasses
import gc
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.core.model import EscalationModel
from sim.core.recorder import FAN_QUANTILES
from sim.core.scenario import Scenario
from sim.experiment.config import Config
from sim.experiment.factory import build_model, posterior_config

#: Replications per block (a run of more is simulated in blocks of this size).
BLOCK = 20_000


def block_spans(replications: int, block: int | None = None) -> list[tuple[int, int]]:
    """(first replication, size) of each block of at most ``block`` (default `BLOCK`)."""
    block = block or BLOCK
    return [(start, min(block, replications - start)) for start in range(0, replications, block)]


def block_rng(seed: int, index: int, blocks: int) -> int | np.random.Generator:
    """The seed of block ``index`` of ``blocks``: ``seed`` itself when there is one block."""
    if blocks == 1:
        return seed
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(index,)))


def _sliced(node: object, start: int, size: int, total: int) -> object:
    """``node`` with every per-replication array (shape (total,)) cut to the block."""
    changes = {}
    for f in dataclasses.fields(node):  # type: ignore[arg-type]
        value = getattr(node, f.name)
        if dataclasses.is_dataclass(value):
            changes[f.name] = _sliced(value, start, size, total)
        elif isinstance(value, np.ndarray) and value.shape[:1] == (total,):
            changes[f.name] = value[start : start + size]
    return dataclasses.replace(node, **changes) if changes else node  # type: ignore[type-var]


def block_config(config: Config, start: int, size: int) -> Config:
    """The config of one block: its size, and per-replication parameter arrays cut to it."""
    total = config.run.replications
    block = _sliced(config, start, size, total) if size < total else config
    assert isinstance(block, Config)
    return dataclasses.replace(block, run=dataclasses.replace(block.run, replications=size))


class TensionFan:
    """Tension's quantiles and mean across replications, week by week, merged over blocks."""

    def __init__(self, weeks: int) -> None:
        self.values: list[list[np.ndarray]] = [[] for _ in range(weeks)]
        self.counts: list[list[np.ndarray]] = [[] for _ in range(weeks)]
        self.sums = np.zeros(weeks)
        self.replications = 0

    def add(self, week: int, tension: np.ndarray) -> None:
        """Fold one block's tension of ``week`` (shape (R,)) in."""
        values, counts = np.unique(tension, return_counts=True)
        self.values[week].append(values)
        self.counts[week].append(counts)
        self.sums[week] += tension.sum()
        if week == 0:
            self.replications += len(tension)

    def week_quantiles(self, week: int) -> np.ndarray:
        """The `FAN_QUANTILES` of ``week``'s tension over every replication added."""
        values = np.concatenate(self.values[week])
        counts = np.concatenate(self.counts[week])
        order = np.argsort(values, kind="stable")
        return np.quantile(np.repeat(values[order], counts[order]), FAN_QUANTILES)

    def table(self, dates: list) -> pd.DataFrame:
        """One row per week: date, quantiles and mean (the columns of `Recorder.fan_table`)."""
        weeks = len(self.sums)
        fan = np.array([self.week_quantiles(w) for w in range(weeks)]).reshape(weeks, -1)
        table = pd.DataFrame(fan, columns=[f"q{int(q * 100):02d}" for q in FAN_QUANTILES])
        table.insert(0, "week", np.arange(weeks))
        table.insert(1, "date", pd.to_datetime(dates[:weeks]))
        table["mean"] = self.sums / self.replications
        return table


@dataclass
class Block:
    """One simulated block: its first replication's number and its finished model."""

    start: int
    model: EscalationModel


def simulate_blocks(
    config: Config, scenario: Scenario, fan: TensionFan, progress: object = None
) -> Iterator[Block]:
    """Run the blocks one after another, feeding ``fan``; yield each finished block.

    ``progress`` is a tqdm-like object whose ``update(1)`` is called after every week.
    """
    if config.run.posterior:
        config = posterior_config(config)  # once: every block slices the same draws
    spans = block_spans(config.run.replications)
    for index, (start, size) in enumerate(spans):
        rng = block_rng(config.run.seed, index, len(spans))
        model = build_model(block_config(config, start, size), scenario, rng=rng)
        for week in range(model.weeks):
            model.step()
            fan.add(week, model.tension)
            if progress is not None:
                progress.update(1)  # type: ignore[attr-defined]
        if config.run.follow:
            model.follow_notices()  # settles the censored runs in `outcome_settled`
        yield Block(start=start, model=model)
        del model  # a Mesa model and its agents refer to each other: only the cycle
        gc.collect()  # collector frees them, and a block's arrays must go before the next
