#!/usr/bin/env python3
"""Writes data/countries.csv, the reference list of UN member and observer
states with their codes, UN M49 regions and names in the six UN languages.

Inputs:
  data/un-members.csv   hand-maintained: iso3, status (member|observer) and
                        m49_area, the M49 code of the state's intermediate
                        region, or of its sub-region where M49 has no
                        intermediate level. The authoritative membership list.
  data/regions.csv      the M49 regions: code, level (1 region, 2 sub-region,
                        3 intermediate region), parent, names in six languages.
  iso-codes             Debian's /usr/share/iso-codes/json/iso_3166-1.json for
                        alpha-2 and numeric codes and English names, and
                        /usr/share/locale/<ll>/LC_MESSAGES/iso_3166-1.mo for
                        the names in Arabic, Chinese, French, Russian, Spanish.

The output is committed, so the portal does not need iso-codes at run time;
run this script again when iso-codes or un-members.csv changes:

  tools/gen-countries.py            rewrite data/countries.csv
  tools/gen-countries.py --check    exit 1 if data/countries.csv is stale

Which iso-codes name is used, per language: common_name when the catalogue
translates it, else name. A name in ISO's inverted form ("Micronesia,
Federated States of") is replaced by official_name when that exists and is
translated, because a list of states reads in natural order. What remains
wrong or missing in iso-codes 4.15 is corrected by OVERRIDES below, each
checked against the UN's own terminology (UNTERM); keep it short, and
prefer fixing iso-codes upstream.

The script fails loudly (exit 2) when a code is missing from iso-codes, when
a name has no translation and no override, or when the inputs are
inconsistent (a state counted twice, an unknown region, other than 193
members and 2 observers).
"""
import csv
import gettext
import io
import json
import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
ISO_JSON = "/usr/share/iso-codes/json/iso_3166-1.json"
LOCALE_DIR = "/usr/share/locale"
# Our language code → the gettext catalogue that holds it.
LANGS = [("ar", "ar"), ("zh", "zh_CN"), ("en", None), ("fr", "fr"), ("ru", "ru"), ("es", "es")]
EXPECTED_MEMBERS = 193
EXPECTED_OBSERVERS = 2

# The UN never uses the informal "North Korea" / "South Korea" that iso-codes
# gives as common names, so these states use their ISO names instead.
NO_COMMON_NAME = {"KOR", "PRK"}

# (iso3, language) → name, where iso-codes 4.15 has no translation, a typing
# error, the wrong state, or an inverted form with no official name to use.
OVERRIDES = {
    # iso-codes renamed Turkey to Türkiye but most catalogues lack the new name.
    ("TUR", "ar"): "تركيا",
    ("TUR", "fr"): "Türkiye",
    ("TUR", "ru"): "Турция",
    ("TUR", "es"): "Türkiye",
    # The Arabic catalogue translates "Moldova" as the Maldives.
    ("MDA", "ar"): "مولدوفا",
    # Non-standard Arabic spellings; UN usage.
    ("LTU", "ar"): "ليتوانيا",
    ("SRB", "ar"): "صربيا",
    ("MNE", "ar"): "الجبل الأسود",
    ("VAT", "ar"): "الكرسي الرسولي",
    # Inverted forms without an official name in iso-codes.
    ("KOR", "en"): "Republic of Korea",
    ("KOR", "ar"): "جمهورية كوريا",
    ("KOR", "fr"): "République de Corée",
    ("KOR", "es"): "República de Corea",
    ("COD", "en"): "Democratic Republic of the Congo",
    ("COD", "ar"): "جمهورية الكونغو الديمقراطية",
    ("COD", "es"): "República Democrática del Congo",
    ("PSE", "en"): "State of Palestine",
    ("PSE", "fr"): "État de Palestine",
    ("LAO", "fr"): "République démocratique populaire lao",
    ("PRK", "fr"): "République populaire démocratique de Corée",
    ("RUS", "fr"): "Fédération de Russie",
    ("SLB", "fr"): "Îles Salomon",
    ("SYR", "fr"): "République arabe syrienne",
    ("COM", "es"): "Comoras",
    # Typing errors and non-standard forms in the Chinese catalogue.
    ("BOL", "zh"): "玻利维亚",
    ("KHM", "zh"): "柬埔寨",
    ("GTM", "zh"): "危地马拉",
    ("LCA", "zh"): "圣卢西亚",
    ("KGZ", "zh"): "吉尔吉斯斯坦",
    ("SMR", "zh"): "圣马力诺",
    ("BGD", "zh"): "孟加拉国",
    ("ARE", "zh"): "阿拉伯联合酋长国",
    ("VAT", "zh"): "教廷",
    # "密克罗尼西亚" alone is the region Micronesia.
    ("FSM", "zh"): "密克罗尼西亚联邦",
    # "中非" alone is the region Central Africa.
    ("CAF", "zh"): "中非共和国",
    # Typing errors in the Spanish and Russian catalogues.
    ("TUN", "es"): "Túnez",
    ("CIV", "es"): "Côte d'Ivoire",
    ("SUR", "es"): "Suriname",
    ("BFA", "es"): "Burkina Faso",
    ("USA", "ru"): "Соединённые Штаты Америки",
}

HEADER = ["iso3", "iso2", "m49", "status", "region", "subregion", "intermediate",
          "name_ar", "name_zh", "name_en", "name_fr", "name_ru", "name_es"]


def fail(message):
    print(f"gen-countries: {message}", file=sys.stderr)
    sys.exit(2)


def read_csv(path, header):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f, strict=True))
    if not rows or rows[0] != header:
        fail(f"{path}: the header must be {','.join(header)}")
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            fail(f"{path}:{number}: {len(row)} fields, expected {len(header)}")
    return [dict(zip(header, row)) for row in rows[1:]]


def load_catalogues():
    catalogues = {}
    for lang, gettext_lang in LANGS:
        if gettext_lang is None:
            continue
        try:
            catalogues[lang] = gettext.translation("iso_3166-1", localedir=LOCALE_DIR, languages=[gettext_lang])
        except OSError as error:
            fail(f"no iso_3166-1 catalogue for {gettext_lang} ({error}); install iso-codes")
    return catalogues


def translate(catalogue, msgid):
    # gettext() would hand back the English text for a missing entry; look in
    # the catalogue itself so a missing translation is seen as missing.
    if catalogue is None:
        return msgid
    return catalogue._catalog.get(msgid)


def state_name(entry, lang, catalogue):
    iso3 = entry["alpha_3"]
    if (iso3, lang) in OVERRIDES:
        return OVERRIDES[(iso3, lang)]
    fields = ["name"] if iso3 in NO_COMMON_NAME else ["common_name", "name"]
    name = None
    for field in fields:
        if field in entry:
            name = translate(catalogue, entry[field])
            if name:
                break
    if name and (", " in name or "\u060c " in name) and "official_name" in entry:
        official = translate(catalogue, entry["official_name"])
        if official:
            name = official
    if not name:
        fail(f"{iso3} has no {lang} name in iso-codes; add it to OVERRIDES")
    return name.strip()


def region_chain(regions, code, iso3):
    """(region, subregion, intermediate) for the area a state is filed under."""
    if code not in regions:
        fail(f"{iso3}: M49 area {code} is not in data/regions.csv")
    chain = []
    while code:
        chain.append(regions[code])
        code = regions[code]["parent"]
        if code and code not in regions:
            fail(f"data/regions.csv: parent {code} is not a region")
        if len(chain) > 3:
            fail(f"data/regions.csv: the chain above {iso3}'s area is longer than three levels")
    chain.reverse()
    levels = [int(r["level"]) for r in chain]
    if levels == [1, 2, 3]:
        return chain[0]["code"], chain[1]["code"], chain[2]["code"]
    if levels == [1, 2]:
        return chain[0]["code"], chain[1]["code"], ""
    fail(f"{iso3}: area {chain[-1]['code']} is not a sub-region or intermediate region")


def build():
    regions_list = read_csv(os.path.join(ROOT, "data", "regions.csv"),
                            ["code", "level", "parent", "name_ar", "name_zh", "name_en", "name_fr", "name_ru",
                             "name_es"])
    regions = {r["code"]: r for r in regions_list}
    if len(regions) != len(regions_list):
        fail("data/regions.csv lists a code twice")
    members = read_csv(os.path.join(ROOT, "data", "un-members.csv"), ["iso3", "status", "m49_area"])

    with open(ISO_JSON, encoding="utf-8") as f:
        iso = {entry["alpha_3"]: entry for entry in json.load(f)["3166-1"]}
    catalogues = load_catalogues()

    seen = set()
    counts = {"member": 0, "observer": 0}
    out_rows = []
    for row in members:
        iso3 = row["iso3"]
        if iso3 in seen:
            fail(f"data/un-members.csv lists {iso3} twice")
        seen.add(iso3)
        if row["status"] not in counts:
            fail(f"{iso3}: status must be member or observer, not {row['status']!r}")
        counts[row["status"]] += 1
        entry = iso.get(iso3)
        if entry is None:
            fail(f"{iso3} is not in {ISO_JSON}")
        for key in ("alpha_2", "numeric", "name"):
            if not entry.get(key):
                fail(f"{iso3} has no {key} in {ISO_JSON}")
        region, subregion, intermediate = region_chain(regions, row["m49_area"], iso3)
        names = [state_name(entry, lang, catalogues.get(lang)) for lang, _ in LANGS]
        out_rows.append([iso3, entry["alpha_2"], entry["numeric"], row["status"], region, subregion, intermediate]
                        + names)

    if counts["member"] != EXPECTED_MEMBERS or counts["observer"] != EXPECTED_OBSERVERS:
        fail(f"data/un-members.csv has {counts['member']} members and {counts['observer']} observers, "
             f"expected {EXPECTED_MEMBERS} and {EXPECTED_OBSERVERS}")
    for column in (1, 2):
        values = [r[column] for r in out_rows]
        if len(set(values)) != len(values):
            fail(f"two states share a {HEADER[column]} code")

    out_rows.sort(key=lambda r: r[0])
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(HEADER)
    writer.writerows(out_rows)
    return text.getvalue()


def main():
    check = sys.argv[1:] == ["--check"]
    if sys.argv[1:] and not check:
        fail("usage: gen-countries.py [--check]")
    path = os.path.join(ROOT, "data", "countries.csv")
    content = build()
    if check:
        try:
            with open(path, encoding="utf-8", newline="") as f:
                current = f.read()
        except OSError:
            current = None
        if current != content:
            print("gen-countries: data/countries.csv is stale; run tools/gen-countries.py", file=sys.stderr)
            sys.exit(1)
        return
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(content)


if __name__ == "__main__":
    main()
