import matplotlib
import pytest

matplotlib.use("Agg")


@pytest.fixture(scope="session")
def default():
    from sim.experiment.config import default_config

    return default_config(["run.progress=false"])


@pytest.fixture(scope="session")
def compare_default():
    """The default `escalation compare` configuration (the fitted model, 2018-2019)."""
    from sim.experiment.config import default_config

    return default_config(["run.progress=false"], "compare")


@pytest.fixture(scope="session")
def gsomia(compare_default):
    """The 2018-2019 case on its compared span: 61 weeks of Seoul's and Tokyo's acts."""
    from sim.analysis.case import build_case

    return build_case(compare_default)
