"""The stats report as an image: cases per day by category, the backlog and first responses within target,
X reads against the budget, replies by agent, and response, resolution and approval times."""

from __future__ import annotations

import io
import threading
from collections.abc import Mapping
from datetime import date, timedelta

import matplotlib

matplotlib.use("Agg")  # no display on a server; must be chosen before pyplot is imported

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from slackbridge.services.stats import Report

_LOCK = threading.Lock()  # pyplot keeps global state: one figure at a time
MAX_AGENTS = 12


def render_report(report: Report, names: Mapping[str, str] | None = None, *, fmt: str = "png") -> bytes:
    """One figure for `/tweetcare stats chart`; `names` maps Slack user ids to the names shown."""
    names = names or {}
    days = list(report.volume)
    labels = [d.strftime("%d %b") for d in days]
    with _LOCK, plt.rc_context({"svg.fonttype": "none"}):  # SVG keeps its words as text
        fig = plt.figure(figsize=(9, 12.5), constrained_layout=True)
        axes = fig.subplot_mosaic(
            [["volume", "volume"], ["service", "service"], ["reads", "reads"], ["agents", "times"]]
        )
        axes["service"].sharex(axes["volume"])
        axes["reads"].sharex(axes["volume"])  # the same days, labelled once under the reads
        try:
            _volume(axes["volume"], report, days, labels)
            _service(axes["service"], report, days, labels)
            _reads(axes["reads"], report, days, labels)
            _agents(axes["agents"], report, names)
            _times(axes["times"], report)
            out = io.BytesIO()
            fig.savefig(out, format=fmt, dpi=110)
        finally:
            plt.close(fig)
    return out.getvalue()


def _volume(ax: Axes, report: Report, days: list[date], labels: list[str]) -> None:
    base = [0] * len(days)
    for category in report.categories or ["uncategorised"]:
        counts = [report.volume[d][category] for d in days]
        ax.bar(labels, counts, bottom=base, label=category)
        base = [b + c for b, c in zip(base, counts, strict=True)]
    ax.set_title(f"New cases per day, {_period(report)}")
    ax.set_ylabel("cases")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    if report.categories:
        ax.legend(loc="upper left", fontsize="small", ncols=min(3, len(report.categories)))
    ax.tick_params(axis="x", labelbottom=False)


def _period(report: Report) -> str:
    label = report.label
    return label.lower() if report.period is None or report.period.relative else label


def _service(ax: Axes, report: Report, days: list[date], labels: list[str]) -> None:
    """The backlog at the end of each day (bars) and the share of first responses within target (line)."""
    ax.bar(labels, [report.backlog_by_day.get(d, 0) for d in days], color="#b8c4d6", label="unresolved cases")
    ax.set_title("Backlog at the end of each day, and first responses within target")
    ax.set_ylabel("cases")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.tick_params(axis="x", labelbottom=False)
    share = ax.twinx()
    known = [
        (label, report.within_target_by_day[d])
        for d, label in zip(days, labels, strict=True)
        if d in report.within_target_by_day
    ]
    if known:
        share.plot(
            [k for k, _ in known], [v for _, v in known], color="#8e44ad", marker="o", label="% within target"
        )
    share.set_ylim(0, 105)
    share.set_ylabel("% within target")
    handles = ax.get_legend_handles_labels()[0] + share.get_legend_handles_labels()[0]
    ax.legend(handles=handles, loc="upper left", fontsize="small")


def _reads(ax: Axes, report: Report, days: list[date], labels: list[str]) -> None:
    reads = [report.reads_by_day.get(d, 0) for d in days]
    ax.bar(labels, reads, color="#7a8ca3", label="posts read on X")
    ax.axhline(report.read_budget, color="#c0392b", linestyle="--", label="daily read budget")
    ax.set_title("X reads per day")
    ax.set_ylabel("reads")
    ax.legend(loc="upper left", fontsize="small")
    ax.tick_params(axis="x", labelrotation=45 if len(days) > 10 else 0, labelsize="small")


def _agents(ax: Axes, report: Report, names: Mapping[str, str]) -> None:
    top = report.replies_by_agent[:MAX_AGENTS][::-1]  # the busiest at the top
    ax.set_title("Replies sent, by writer")
    if not top:
        ax.text(0.5, 0.5, "no replies sent yet", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return
    ax.barh([names.get(agent, agent) for agent, _ in top], [n for _, n in top], color="#2e86de")
    ax.set_xlabel("replies")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.tick_params(axis="y", labelsize="small")


def _times(ax: Axes, report: Report) -> None:
    ax.set_title("Response and resolution times (minutes)")
    rows = [
        ("first response", report.first_response),
        ("resolution", report.resolution),
        ("approval", report.approval),
    ]
    shown = [(label, d) for label, d in rows if d.median is not None and d.p90 is not None]
    if not shown:
        ax.text(0.5, 0.5, "no replies sent yet", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return
    positions = range(len(shown))
    medians = [_minutes(d.median) for _, d in shown]
    p90s = [_minutes(d.p90) for _, d in shown]
    ax.bar([p - 0.2 for p in positions], medians, width=0.4, label="median", color="#27ae60")
    ax.bar([p + 0.2 for p in positions], p90s, width=0.4, label="90th percentile", color="#e67e22")
    ax.set_xticks(list(positions), [label for label, _ in shown])
    ax.legend(loc="best", fontsize="small")


def _minutes(value: timedelta | None) -> float:
    return value.total_seconds() / 60 if value is not None else 0.0
