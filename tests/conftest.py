import matplotlib
import pytest

matplotlib.use("Agg")


@pytest.fixture(scope="session")
def default():
    from sim.experiment.config import default_config

    return default_config(["run.progress=false"])


@pytest.fixture(scope="session")
def gsomia():
    """The 2019 case as its scenario folder describes it."""
    from sim.core.scenario_yaml import load_scenario

    return load_scenario("gsomia_2019")


@pytest.fixture(scope="session")
def gsomia_real(gsomia):
    """The real 2019 sequence on the weekly grid."""
    from sim.history import real_path

    return real_path(gsomia)


@pytest.fixture(scope="session")
def finished_run(gsomia):
    """A free run of the default model, 200 replications with trajectories kept (seed 2019).

    Shared by the metrics and recorder tests, which only read it.
    """
    from sim.core.model import EscalationModel

    return EscalationModel(gsomia, replications=200, rng=2019).run()


@pytest.fixture(scope="session")
def compare_default():
    """The default `escalation compare` configuration (the fitted model, 2018-2019)."""
    from sim.experiment.config import default_config

    return default_config(["run.progress=false"], "compare")


@pytest.fixture(scope="session")
def gsomia_case(compare_default):
    """The 2018-2019 case on its compared span: 61 weeks of Seoul's and Tokyo's acts."""
    from sim.analysis.case import build_case

    return build_case(compare_default)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the files that hold slow tests first, each file kept whole and in its order.

    The tests are spread over two workers; a long test collected last would run alone while
    the other worker idles. Started first, the long tests overlap each other and the many
    short ones fill the gaps at the end. Files stay whole so that their shared fixtures are
    built once per worker. This runs before `-m` deselects, so a file's end-to-end tests that
    `make test` keeps start first too, beside the slow ones it leaves out.
    """
    heavy = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in heavy)
