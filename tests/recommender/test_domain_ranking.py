"""`convrec evaluate ranking --schema PATH` (issue 10): the leave-one-out protocol on a schema
domain's own interaction table, written into a temporary folder: 60 courses in 3 subjects and
90 learners, each of whom takes courses of one subject. A model that reads behavior must find
that structure; popularity cannot."""

from __future__ import annotations

import csv
import json

import numpy as np

from tests.support.domains import domain_config

SUBJECTS = ("maths", "history", "music")
SCHEMA = """\
domain: courses
noun: course
plural: courses
ratings: {min: 1, max: 5, like_threshold: 4}
tables:
  items:
    path: courses.csv
    fields: {id: course_id, title: name}
  interactions:
    path: enrolments.csv
    fields: {user: learner, item: course_id, rating: stars, timestamp: when}
facets:
  subject: {type: categorical, reason: "a {value} course"}
"""


def write_courses(folder, with_interactions: bool = True) -> None:
    with (folder / "courses.csv").open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["course_id", "name", "subject"])
        for n in range(60):
            subject = SUBJECTS[n % 3]
            out.writerow([f"c{n}", f"{subject.capitalize()} course {n // 3 + 1}", subject])
    schema = SCHEMA
    if with_interactions:
        rng = np.random.default_rng(3)
        with (folder / "enrolments.csv").open("w", newline="", encoding="utf-8") as f:
            out = csv.writer(f)
            out.writerow(["learner", "course_id", "stars", "when"])
            for learner in range(90):
                subject = learner % 3  # a learner takes courses of one subject only
                courses = rng.choice(np.arange(subject, 60, 3), size=8, replace=False)
                for step, course in enumerate(courses):
                    out.writerow([f"u{learner}", f"c{course}", int(rng.integers(3, 6)),
                                  1_700_000_000 + 3600 * step + learner])
    else:
        schema = schema.replace("  interactions:\n    path: enrolments.csv\n    fields: {user: "
                                "learner, item: course_id, rating: stars, timestamp: when}\n", "")
    (folder / "courses.yml").write_text(schema, encoding="utf-8")


def evaluate(config, schema, out, capsys) -> tuple[int, str, str]:
    from bot.cli.main import main  # heavy: the evaluation imports torch and the models

    code = main(["--config", str(config), "evaluate", "ranking", "--schema", str(schema),
                 "--quiet", "--threads", "1", "--out", str(out)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_domains_own_interactions_are_evaluated(tmp_path, capsys):
    write_courses(tmp_path)
    code, out, err = evaluate(domain_config(tmp_path), tmp_path / "courses.yml",
                              tmp_path / "reports", capsys)
    assert code == 0, err
    shown = json.loads(out[out.index("{"):])
    assert (shown["dataset"], shown["n_items"], shown["n_users"]) == ("courses", 60, 90)
    report = json.loads((tmp_path / "reports" / "ranking-courses.json").read_text())
    models = {name: m for name, m in report["models"].items()}
    assert "popularity" in models and "convrec" in models
    # every learner stays in one subject: item-to-item evidence finds the held-out course's
    # subject, popularity (over all three subjects) cannot
    assert {"ease", "itemknn", "sasrec"} <= set(models)
    assert models["itemknn"]["hr@10"] > models["popularity"]["hr@10"] + 0.3
    assert models["convrec"]["hr@10"] > models["popularity"]["hr@10"] + 0.3


def test_a_domain_without_interactions_says_so(tmp_path, capsys):
    write_courses(tmp_path, with_interactions=False)
    code, _, err = evaluate(domain_config(tmp_path), tmp_path / "courses.yml",
                            tmp_path / "reports", capsys)
    assert code == 1
    assert "courses" in err and "no interaction table" in err
