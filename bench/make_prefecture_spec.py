"""Write tenants/specs/prefecture.csv: a synthetic prefecture shaped like Yichang's network.

1 city, 13 counties, 105 townships, 1,568 villages = 1,687 centres. Names and codes are
synthetic but well-formed (GB/T 2260 shapes, codes extending their parent's); about 2% of the
villages lack one or more of the six essentials, and two townships are suspended, as in the
source documents (103 of 105 township centres, 1,536 of 1,568 village rooms working).

    python bench/make_prefecture_spec.py
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tenants" / "specs" / "prefecture.csv"
COUNTY_CODES = [f"4299{n:02d}" for n in (2, 3, 4, 5, 6, 25, 26, 27, 28, 29, 81, 82, 83)]
SYLLABLES = "安宁平和兴隆丰乐长青石桥河溪山湾坪岭坝口塘湖泉林峰源田家庄阳新福寿春明东西南北"
ESSENTIALS = [
    "has_premises",
    "has_signage",
    "has_staff",
    "has_phone",
    "has_register",
    "has_procedures",
]


def place_name(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(2))


def main() -> None:
    rng = random.Random(2260)
    rows = [dict(division_code="429900", name="示范市政务服务中心", tier="city", parent_code="")]
    townships_per_county = [8] * 12 + [9]  # 105
    villages_total = 1568
    township_codes = []
    for county_code, n_town in zip(COUNTY_CODES, townships_per_county, strict=True):
        rows.append(
            dict(
                division_code=county_code,
                name=f"{place_name(rng)}县政务服务中心",
                tier="county",
                parent_code="429900",
            )
        )
        for t in range(1, n_town + 1):
            code = f"{county_code}{100 + t:03d}000"
            township_codes.append(code)
            rows.append(
                dict(
                    division_code=code,
                    name=f"{place_name(rng)}镇便民服务中心",
                    tier="township",
                    parent_code=county_code,
                )
            )
    base, extra = divmod(villages_total, len(township_codes))
    suspended_townships = {township_codes[17], township_codes[60]}
    for i, town in enumerate(township_codes):
        for v in range(1, base + (1 if i < extra else 0) + 1):
            rows.append(
                dict(
                    division_code=f"{town[:9]}{200 + v:03d}",
                    name=f"{place_name(rng)}村便民服务室",
                    tier="village",
                    parent_code=town,
                )
            )
    for row in rows:
        row.update(address="", phone="", status="active", facts_checked_on="2026-10-01")
        for field in ESSENTIALS:
            row[field] = "1"
        if row["division_code"] in suspended_townships:
            row["status"] = "suspended"
    villages = [r for r in rows if r["tier"] == "village"]
    for row in rng.sample(villages, 32):  # 1,536 of 1,568 fully working
        for field in rng.sample(ESSENTIALS, rng.randint(1, 3)):
            row[field] = "0"
    columns = [
        "division_code",
        "name",
        "tier",
        "parent_code",
        "address",
        "phone",
        "status",
        *ESSENTIALS,
        "facts_checked_on",
    ]
    with OUT.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} centres to {OUT}")


if __name__ == "__main__":
    main()
