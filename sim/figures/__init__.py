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


def week_ticks(ax, weeks: int) -> None:
    """Ticks on Mondays, when a game's weeks begin and its steps change, each with its year.

    Matplotlib's own choice put a tick every four days, so no step met a tick; its concise
    labels ("29 Nov 05 09 ... Dec" with "2018-Dec" in the corner, or "2019-Jan" under a game
    of October to December) read as if the corner's month were the whole axis. Every label
    here is whole: "05 Nov 2018"; a game of more than 26 weeks is labelled by month.
    """
    import matplotlib.dates as mdates

    if weeks > 26:
        ax.xaxis.set_major_locator(mdates.MonthLocator(interval=weeks // 26))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))
        return
    ax.xaxis.set_major_locator(mdates.WeekdayLocator(byweekday=mdates.MO, interval=weeks // 9 + 1))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b\n%Y"))
    ax.xaxis.set_minor_locator(mdates.WeekdayLocator(byweekday=mdates.MO))
