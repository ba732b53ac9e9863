import matplotlib
import pytest

matplotlib.use("Agg")


@pytest.fixture(scope="session")
def default():
    from sim.experiment.config import default_config

    return default_config(["run.progress=false"])
