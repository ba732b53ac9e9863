"""Figures: `make_*_data` functions that compute, `plot_*` functions that only draw."""


def concise_dates(ax, first=None, last=None) -> None:
    """Date ticks that stay distinct over any span, from weeks to years.

    A fixed year-month format repeated the month on a 20-week case (two ticks a month);
    matplotlib's concise formatter labels each tick by what changed since the last. Given the
    span's ``first`` and ``last`` weeks, the axis is labelled with both dates, years included,
    instead of the formatter's corner offset: a span of September 2010 to January 2011 showed
    only "2011-Jan" in the corner, and no 2010 anywhere.
    """
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(
        mdates.ConciseDateFormatter(locator, show_offset=first is None or last is None)
    )
    if first is not None and last is not None:
        ax.set_xlabel(f"week starting: {first:%d %b %Y} to {last:%d %b %Y}", fontsize=8)


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
