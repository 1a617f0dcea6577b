"""`flask moderation ...`: term lists, screening CSV files, learning and evaluation."""
from __future__ import annotations

import csv
import json
import sys
from dataclasses import replace
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from tqdm import tqdm

from .moderation.types import Mode

moderation_cli = AppGroup("moderation", help="The screening engine.")

BATCH = 2000


def _post_moderation_screener():
    """The site's screener (its terms and model) as post-moderation would run it."""
    from .moderation.pipeline import Screener
    from .services.screening import get_screener

    site = get_screener()
    return Screener(site.index, site.scorer, replace(site.settings, mode=Mode.POST))


def _read_rows(path: str) -> tuple[list[str], list[dict[str, str]]]:
    csv.field_size_limit(sys.maxsize)
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or "text" not in reader.fieldnames:
            raise click.ClickException(f"{path}: no column named 'text'")
        return list(reader.fieldnames), list(reader)


def _screen_all(screener, texts: list[str], label: str):
    verdicts = []
    with tqdm(total=len(texts), desc=label, unit=" comments", file=sys.stderr, disable=None) as bar:
        for start in range(0, len(texts), BATCH):
            chunk = texts[start:start + BATCH]
            verdicts.extend(screener.screen_many(chunk))
            bar.update(len(chunk))
    return verdicts


@moderation_cli.command("load-terms")
def load_terms() -> None:
    """Load the project's starter term lists into the database (admins' edits are kept)."""
    from .services.screening import load_shipped_terms_into_db

    added, kept = load_shipped_terms_into_db()
    click.echo(f"{added} terms added, {kept} already present")


@moderation_cli.command("screen")
@click.argument("in_csv", type=click.Path(exists=True, dir_okay=False))
@click.argument("out_csv", type=click.Path(dir_okay=False, writable=True))
def screen(in_csv: str, out_csv: str) -> None:
    """Screen the `text` column of IN_CSV; write it with action, rules and score to OUT_CSV."""
    fields, rows = _read_rows(in_csv)
    screener = _post_moderation_screener()
    verdicts = _screen_all(screener, [row.get("text") or "" for row in rows], "screening")
    extra = [name for name in ("action", "rules", "score") if name not in fields]
    with open(out_csv, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields + extra)
        writer.writeheader()
        for row, verdict in zip(rows, verdicts):
            row.update(action=verdict.action.value, rules=",".join(verdict.rules), score=f"{verdict.score:.4f}")
            writer.writerow(row)
    counts = {a: sum(v.action.value == a for v in verdicts) for a in ("publish", "hold", "reject")}
    click.echo(f"{len(rows)} comments screened: " + ", ".join(f"{k} {v}" for k, v in counts.items()), err=True)


@moderation_cli.command("learn")
@click.option("--csv", "csv_files", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Imported history: a CSV with columns text,offensive[,rule]. Repeatable.")
def learn(csv_files: tuple[str, ...]) -> None:
    """Train the learned score on the site's decisions plus the given CSV files."""
    from .services.learning import retrain

    try:
        model = retrain(csv_files, progress=lambda message: click.echo(message, err=True))
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    meta = model.metadata
    click.echo(f"model saved to {current_app.config['MODEL_PATH']}")
    click.echo(json.dumps({k: meta.get(k) for k in ("trained_at", "examples", "publish_threshold",
                                                      "holdout", "holdout_note")}, ensure_ascii=False, indent=2))


@moderation_cli.command("evaluate")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--folds", type=int, default=0,
              help="Cross-validate instead: train a model per fold on the other folds (plus --train-with).")
@click.option("--train-with", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="With --folds: files always in training, never measured.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def evaluate(files: tuple[str, ...], folds: int, train_with: tuple[str, ...], as_json: bool) -> None:
    """Precision, recall, F1, macro-F1, ROC AUC, leak rate and workload saved, per file and overall."""
    import numpy as np

    from .moderation.evaluation import cross_validate, format_report, label_of, metrics

    if folds:
        screener = _post_moderation_screener()
        result = cross_validate(
            files, train_with, k=folds,
            screener_factory=lambda: screener,
            progress=lambda message: click.echo(message, err=True),
        )
    else:
        screener = _post_moderation_screener()
        threshold = screener.publish_threshold
        per_file, all_y, all_s, all_f = {}, [], [], []
        for path in files:
            _fields, rows = _read_rows(path)
            if rows and "offensive" not in rows[0]:
                raise click.ClickException(f"{path}: no column named 'offensive'")
            verdicts = _screen_all(screener, [row.get("text") or "" for row in rows], Path(path).name)
            y = [label_of(row) for row in rows]
            scores = [v.score for v in verdicts]
            flagged = [any(not h.signal for h in v.hits) for v in verdicts]
            per_file[Path(path).name] = metrics(y, scores, flagged, threshold)
            all_y += y
            all_s += scores
            all_f += flagged
        result = {"files": per_file, "overall": metrics(np.asarray(all_y), all_s, all_f, threshold)}
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2, default=float))
    else:
        click.echo(format_report(result))
