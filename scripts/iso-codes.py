#!/usr/bin/env python3
"""Writes the ISO code lists the code checks use (src/engine/iso/*.txt) from pycountry.

pycountry packages the Debian iso-codes data (ISO 3166-1, 3166-2, 4217, 639-1 and 639-3). Run it
with the version named in src/engine/iso/SOURCE, e.g.

    python3 -m venv /tmp/iso && /tmp/iso/bin/pip install pycountry==26.2.16
    /tmp/iso/bin/python scripts/iso-codes.py

then review the diff: tests/it/format_checks.rs compares the lists with DQX 0.17's own.
"""
from pathlib import Path

import pycountry

OUT = Path(__file__).resolve().parent.parent / "src" / "engine" / "iso"


def write(name: str, codes) -> None:
    values = sorted({c for c in codes if c})
    (OUT / name).write_text("\n".join(values) + "\n", encoding="utf-8")
    print(f"{name}: {len(values)} codes")


write("iso_3166_1_alpha_2.txt", (c.alpha_2 for c in pycountry.countries))
write("iso_3166_1_alpha_3.txt", (c.alpha_3 for c in pycountry.countries))
write("iso_3166_1_numeric.txt", (c.numeric for c in pycountry.countries))
write("iso_3166_2.txt", (s.code for s in pycountry.subdivisions))
write("iso_4217_alphabetic.txt", (c.alpha_3 for c in pycountry.currencies))
write("iso_4217_numeric.txt", (c.numeric for c in pycountry.currencies))
write("iso_639_1_alpha_2.txt", (getattr(l, "alpha_2", None) for l in pycountry.languages))
write("iso_639_3_alpha_3.txt", (l.alpha_3 for l in pycountry.languages))
