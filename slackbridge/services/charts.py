"""The stats report as a PNG: new cases per day by category, and X reads per day against the budget."""

from __future__ import annotations

import io
import threading

import matplotlib

matplotlib.use("Agg")  # no display on a server; must be chosen before pyplot is imported

import matplotlib.pyplot as plt

from slackbridge.services.stats import Report

_LOCK = threading.Lock()  # pyplot keeps global state: one figure at a time


def render_report(report: Report) -> bytes:
    days = list(report.volume)
    labels = [d.strftime("%d %b") for d in days]
    with _LOCK:
        fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 6.5), sharex=True, constrained_layout=True)
        try:
            base = [0] * len(days)
            for category in report.categories or ["uncategorised"]:
                counts = [report.volume[d][category] for d in days]
                top.bar(labels, counts, bottom=base, label=category)
                base = [b + c for b, c in zip(base, counts, strict=True)]
            top.set_title(f"New cases per day, last {report.days} days")
            top.set_ylabel("cases")
            if report.categories:
                top.legend(loc="upper left", fontsize="small", ncols=min(3, len(report.categories)))
            reads = [report.reads_by_day.get(d, 0) for d in days]
            bottom.bar(labels, reads, color="#7a8ca3", label="posts read on X")
            bottom.axhline(report.read_budget, color="#c0392b", linestyle="--", label="daily read budget")
            bottom.set_title("X reads per day")
            bottom.set_ylabel("reads")
            bottom.legend(loc="upper left", fontsize="small")
            bottom.tick_params(axis="x", labelrotation=45 if len(days) > 10 else 0, labelsize="small")
            out = io.BytesIO()
            fig.savefig(out, format="png", dpi=110)
        finally:
            plt.close(fig)
    return out.getvalue()
