"""splink 4 (DuckDB backend) on the same CSV files as `homeward link`, configured as a
competent user would: names transliterated to ASCII (unidecode) and lower-cased, dates
normalised to ISO plus a birth-year column, blocking rules on names and dates, NameComparison
levels with term-frequency adjustment on names, DateOfBirthComparison, exact or fuzzy
matches on the rest, lambda from a deterministic rule, u by random sampling, m by EM on two
blocking rules, predict at the threshold. Writes left_id,right_id,probability.

KIND synth-large is the synthetic configuration for a million records: the name-only and
first-letter rules of `synth` would make ~6*10^8 comparisons there (family name + birth year
alone 3.7*10^8; splink was killed at 14 GiB), so its rules require both names (or a name and
the full date, or family name + patronymic) with the birth year, and training blocks
likewise. Everything else (comparisons, lambda rule, u sampling) is as for `synth`. (A
lambda from given+family+full date and given+family+patronymic+year at recall 0.6 was tried:
those rules hold 5.6 % of the true pairs here, so lambda came out 7x too small and recall 0.08.)

Usage: link_splink.py KIND(synth|synth-large|febrl) MODE(dedupe|link) THRESHOLD OUT.csv INPUT.csv..."""

import re
import sys
import time

import pandas as pd
from unidecode import unidecode

import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

MONTHS = re.compile(r"^(\d{4})-(\d{1,2})$")


def parse_date(text: str):
    """(iso full date or None, year or None) from the forms the lists use."""
    t = (text or "").strip()
    t = re.sub(r"^(c\.|ca\.?|circa|~)\s*", "", t)
    m = re.match(r"^(\d{4})-(\d{1,2})-(\d{1,2})$", t) or re.match(r"^(\d{4})(\d{2})(\d{2})$", t)
    if m:
        y, mo, d = m.groups()
    else:
        m = re.match(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$", t)
        if m:
            d, mo, y = m.groups()
        else:
            m = MONTHS.match(t) or re.match(r"^(\d{4})$", t)
            return (None, int(m.group(1)) if m else None)
    try:
        ts = pd.Timestamp(year=int(y), month=int(mo), day=int(d))
    except ValueError:
        return (None, int(y))
    return (ts.strftime("%Y-%m-%d"), int(y))


def clean_name(v):
    if not isinstance(v, str) or not v.strip():
        return None
    return unidecode(v).lower().strip() or None


def clean_surname(v):
    """Also folds the commonest Armenian surname spelling difference (-ian / -yan), as an
    analyst who knows these lists would."""
    t = clean_name(v)
    if t and t.endswith("ian"):
        t = t[:-3] + "yan"
    return t


def prepare(df: pd.DataFrame) -> pd.DataFrame:
    df = df.fillna("").astype(str)
    out = pd.DataFrame({"record_id": df["record_id"]})
    given = df.get("given_name", pd.Series([""] * len(df)))
    family = df.get("family_name", pd.Series([""] * len(df)))
    patr = df.get("patronymic", pd.Series([""] * len(df)))
    full = df.get("full_name", pd.Series([""] * len(df)))
    g, f, p = [], [], []
    for gi, fi, pi, fu in zip(given, family, patr, full):
        if not gi and not fi and fu:
            # Lists that give one name column mostly write it given name first.
            parts = fu.split()
            gi = parts[0] if parts else ""
            fi = parts[-1] if len(parts) > 1 else ""
        g.append(clean_name(gi))
        f.append(clean_surname(fi))
        p.append(clean_name(pi))
    out["given_name"], out["family_name"], out["patronymic"] = g, f, p
    dates = [parse_date(x) for x in df.get("birth_date", pd.Series([""] * len(df)))]
    out["dob"] = [d for d, _ in dates]
    out["birth_year"] = [str(y) if y else None for _, y in dates]
    for col in ["sex", "birth_place", "residence", "id_number", "capture_place"]:
        if col in df:
            out[col] = [clean_name(x) for x in df[col]]
    return out


def main() -> None:
    kind, mode, threshold, out_path, *inputs = sys.argv[1:]
    threshold = float(threshold)
    started = time.time()
    frames = [prepare(pd.read_csv(p, dtype=str, keep_default_na=False)) for p in inputs]
    comparisons = [
        cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
        cl.NameComparison("family_name").configure(term_frequency_adjustments=True),
        cl.DateOfBirthComparison("dob", input_is_string=True),
        cl.ExactMatch("birth_year"),
    ]
    large = kind == "synth-large"
    if large:
        kind = "synth"
    if kind == "synth":
        comparisons += [
            cl.NameComparison("patronymic"),
            cl.ExactMatch("sex"),
            cl.JaroWinklerAtThresholds("birth_place", [0.9]),
            cl.JaroWinklerAtThresholds("capture_place", [0.9]),
        ]
    else:
        comparisons += [
            cl.LevenshteinAtThresholds("id_number", [1, 2]),
            cl.JaroWinklerAtThresholds("residence", [0.9]),
            cl.LevenshteinAtThresholds("birth_place", [1]),
        ]
    # Exact name keys never meet across scripts after transliteration (Petrosyan from
    # Armenian, Petrosian from Russian), so the rules also block on the first letters of a
    # name with the birth year, and on the full date of birth.
    rules = [
        block_on("family_name", "birth_year"),
        block_on("given_name", "family_name"),
        block_on("given_name", "dob"),
        "substr(l.family_name, 1, 3) = substr(r.family_name, 1, 3) and l.birth_year = r.birth_year "
        "and substr(l.given_name, 1, 1) = substr(r.given_name, 1, 1)",
        "substr(l.given_name, 1, 3) = substr(r.given_name, 1, 3) and l.birth_year = r.birth_year "
        "and substr(l.family_name, 1, 1) = substr(r.family_name, 1, 1)",
    ]
    if kind == "synth":
        rules.append(block_on("family_name", "dob"))
    if large:
        # Pair counts on the 984,979-row file: 5.9 M, 11.9 M, 1.5 M, 0.7 M, 0.15 M, 0.22 M.
        rules = [
            block_on("given_name", "family_name", "birth_year"),
            "substr(l.family_name, 1, 3) = substr(r.family_name, 1, 3) and l.birth_year = r.birth_year "
            "and substr(l.given_name, 1, 3) = substr(r.given_name, 1, 3)",
            block_on("family_name", "patronymic", "birth_year"),
            block_on("given_name", "family_name", "patronymic"),
            block_on("given_name", "dob"),
            block_on("family_name", "dob"),
        ]
    if kind == "febrl":
        rules.append(block_on("id_number"))
    settings = SettingsCreator(
        link_type="dedupe_only" if mode == "dedupe" else "link_only",
        unique_id_column_name="record_id",
        blocking_rules_to_generate_predictions=rules,
        comparisons=comparisons,
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )
    db = DuckDBAPI()
    linker = Linker(frames if len(frames) > 1 else frames[0], settings, db_api=db)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "family_name", "birth_year")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=42)
    if large:
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on("given_name", "family_name", "birth_year")
        )
        linker.training.estimate_parameters_using_expectation_maximisation(block_on("family_name", "dob"))
        linker.training.estimate_parameters_using_expectation_maximisation(block_on("given_name", "dob"))
    else:
        linker.training.estimate_parameters_using_expectation_maximisation(block_on("family_name", "birth_year"))
        linker.training.estimate_parameters_using_expectation_maximisation(block_on("given_name", "birth_year"))
        linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    pred = linker.inference.predict(threshold_match_probability=threshold)
    df = pred.as_pandas_dataframe()
    df = df[df["match_probability"] >= threshold]
    out = pd.DataFrame(
        {"left_id": df["record_id_l"], "right_id": df["record_id_r"], "probability": df["match_probability"]}
    )
    out.to_csv(out_path, index=False)
    print(f"splink: {len(out)} pairs in {time.time() - started:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
