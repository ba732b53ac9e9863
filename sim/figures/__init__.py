"""Figures: `make_*_data` functions that compute, `plot_*` functions that only draw."""


def concise_dates(ax) -> None:
    """Date ticks that stay distinct over any span, from weeks to years.

    A fixed year-month format repeated the month on a 20-week case (two ticks a month);
    matplotlib's concise formatter labels each tick by what changed since the last.
    """
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
