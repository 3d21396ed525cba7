#!/usr/bin/env python3
"""Seeded synthetic customer extracts for the MDM / entity-resolution product.

Four source systems of one Vietnamese business (sales CRM, billing, shipping, marketing) hold
overlapping, messy records of the same customers, plus ``truth.csv`` (which record is which
person) and ``sources.yaml`` (the product's source config).

    python sample_data/generate.py --seed 42 --customers 5000 --out sample_data [--mix default]

Standard library only. Deterministic: one ``random.Random(seed)`` drives everything and the
reference date is fixed (2026-06-30), so the same arguments give byte-identical files. Linear
and streaming: customers are generated in chunks, each chunk's records are shuffled per source
and written out, so memory does not grow with ``--customers``.

The hard parts are the ones real customer data has: exact namesakes (Vietnamese family and given
names concentrate heavily), name-derived e-mails shared by namesakes, households sharing an
address and a landline, companies whose contacts share a tax code, people who moved or changed
their number, pre-2018 11-digit mobile numbers, and each source's own habits (billing in
UPPER CASE WITHOUT ACCENTS, marketing with JSON numbers as phones, ...).
"""

from __future__ import annotations

import argparse
import bisect
import csv
import datetime as dt
import json
import re
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from random import Random
from typing import Any

REFERENCE_DATE = dt.date(2026, 6, 30)
SOURCES = ("billing", "sales", "shipping", "marketing")  # also the priority order
CHUNK_CUSTOMERS = 20_000  # customers generated, shuffled and written together

# ---------------------------------------------------------------------------------------------
# Mixes: every rate in one place. A value is a probability per customer (population) or per
# record (variations); a dict gives one rate per source, because each source has its own habits.
# ---------------------------------------------------------------------------------------------

DEFAULT: dict[str, Any] = {
    # --- population (per customer) ---
    "international": 0.20,  # Western names, foreign phones
    "international_resident": 0.35,  # of those: living in Vietnam (VN address, mostly a VN mobile)
    "business_contact": 0.02,  # contact of a company (company name, tax code); 1-3 contacts a company
    "household": 0.08,  # share of customers living in a household of 2-4 (same address, landline)
    "moved": 0.10,  # older records carry a previous address (30%: another city)
    "changed_phone": 0.05,  # older records carry an old mobile
    "changed_email": 0.04,  # older records carry an old e-mail
    "second_mobile": 0.15,
    "own_landline": 0.04,  # a home landline outside households
    "old_cmnd": 0.30,  # VN customers born before 1990: also hold a 9-digit CMND besides the CCCD
    "in_source": {"billing": 0.55, "sales": 0.60, "shipping": 0.55, "marketing": 0.50},
    "within_source_duplicate": 0.042,  # a second key in the same system (~4% of records)
    # --- names (per record) ---
    "name_no_accents": {"billing": 0.70, "sales": 0.15, "shipping": 0.15, "marketing": 0.15},
    "name_upper": {"billing": 0.75, "sales": 0.03, "shipping": 0.08, "marketing": 0.02},
    "name_lower": {"billing": 0.0, "sales": 0.03, "shipping": 0.04, "marketing": 0.08},
    "given_first": {"billing": 0.03, "sales": 0.10, "shipping": 0.04, "marketing": 0.10},
    "drop_middle": 0.12,
    "initials": 0.04,
    "honorific": {"billing": 0.01, "sales": 0.05, "shipping": 0.09, "marketing": 0.05},
    "name_typo": 0.05,
    "extra_spaces": 0.03,
    "nickname": 0.03,  # Western records: Bill for William, ...
    "old_tone_marks": 0.08,  # "Hoà"/"Thuỷ" instead of "Hòa"/"Thủy"
    "unicode_nfd": {"billing": 0.0, "sales": 0.01, "shipping": 0.0, "marketing": 0.05},  # decomposed accents
    "recipient_given_only": 0.03,  # shipping: "Chị Lan", "A. Tuấn"
    "recipient_note": 0.01,  # shipping: "Nguyễn Văn An (gọi trước khi giao)"
    "recipient_company": 0.30,  # shipping records of business contacts addressed to the company
    # --- phones (per record) ---
    "phone_old_form": {"billing": 0.35, "sales": 0.15, "shipping": 0.35, "marketing": 0.12},
    "phone_typo": 0.02,
    "phone_garbage": 0.03,
    "phone_landline": {"billing": 0.30, "sales": 0.08, "shipping": 0.35, "marketing": 0.05},  # if one
    "phone_second": 0.25,  # records using the second mobile, when there is one
    "household_other_mobile": 0.05,  # a household member's record carrying another member's mobile
    # --- e-mails (per record) ---
    "email_case": 0.08,
    "email_gmail_variant": 0.08,
    "email_invalid": 0.02,
    "email_typo": 0.015,
    "household_shared_email": 0.05,
    # --- dates (per record) ---
    "dob_swap": 0.02,
    "dob_typo": 0.01,
    "dob_garbage": 0.01,
    # --- addresses (per record) ---
    "address_abbrev": 0.45,
    "address_no_accents": {"billing": 0.10, "sales": 0.15, "shipping": 0.20, "marketing": 0.15},
    "address_typo": 0.02,
    "address_no_district": 0.05,  # ward + city only (post-2025 style)
    "city_variant": 0.45,  # "TP.HCM", "HCMC", "Sài Gòn" ... instead of the plain name
    "national_id_lost_zero": 0.03,  # "79123456789": the leading zero eaten by a spreadsheet
    # --- missing values (per record) ---
    "phone_missing": {"billing": 0.05, "sales": 0.08, "shipping": 0.03, "marketing": 0.35},
    "email_missing": {"sales": 0.15, "marketing": 0.02},
    "dob_missing": {"billing": 0.35, "marketing": 0.50},
    "city_missing": {"billing": 0.05, "sales": 0.20, "shipping": 0.02, "marketing": 0.30},
    "address_missing": {"billing": 0.06, "shipping": 0.01},
    "postcode_missing": 0.55,  # shipping, Vietnamese addresses (foreign ones nearly always have one)
    "national_id_missing": 0.45,
    "key_missing": 0.10,  # marketing: an optional key left out of the JSON object
    # --- quarantine fodder (per source) ---
    "missing_id": 0.003,
    "duplicate_id": 0.003,
    "broken_csv_rows": (2, 5),
    "broken_json_lines": (2, 3),
    "array_json_lines": 2,
}

VARIATION_KEYS = {
    "name_no_accents", "name_upper", "name_lower", "given_first", "drop_middle", "initials", "honorific",
    "name_typo", "extra_spaces", "nickname", "old_tone_marks", "unicode_nfd", "recipient_given_only",
    "recipient_note", "phone_old_form", "phone_typo", "phone_garbage", "email_case", "email_gmail_variant",
    "email_invalid", "email_typo", "dob_swap", "dob_typo", "dob_garbage", "address_abbrev",
    "address_no_accents", "address_typo", "address_no_district", "city_variant", "national_id_lost_zero",
    "within_source_duplicate",
}
MISSING_KEYS = {
    "phone_missing", "email_missing", "dob_missing", "city_missing", "address_missing", "postcode_missing",
    "national_id_missing", "key_missing",
}
QUARANTINE_KEYS = {"missing_id", "duplicate_id"}


def derive(base: dict[str, Any], *, variation: float = 1.0, missing: float = 1.0, quarantine: float = 1.0,
           cap: float = 0.9, **overrides: Any) -> dict[str, Any]:
    """A mix: ``base`` with variation / missing / quarantine rates scaled (capped) and overrides."""

    def scale(value: Any, factor: float) -> Any:
        if isinstance(value, dict):
            return {k: scale(v, factor) for k, v in value.items()}
        if isinstance(value, float):
            return round(min(value * factor, max(cap, value)), 4)
        return value

    out = {}
    for key, value in base.items():
        factor = (variation if key in VARIATION_KEYS else missing if key in MISSING_KEYS
                  else quarantine if key in QUARANTINE_KEYS else 1.0)
        out[key] = scale(value, factor)
    for key, value in overrides.items():
        if key not in base:
            raise KeyError(f"unknown rate {key!r}")
        out[key] = value
    return out


MIXES: dict[str, dict[str, Any]] = {
    "default": DEFAULT,
    # half the variation rates, fewer missing values, no households
    "clean": derive(DEFAULT, variation=0.5, missing=0.6, quarantine=0.5, household=0.0),
    # double variation rates (capped at 0.9), more missing values, more old phone forms
    "messy": derive(
        DEFAULT, variation=2.0, missing=1.6, quarantine=2.0,
        phone_old_form={"billing": 0.60, "sales": 0.35, "shipping": 0.60, "marketing": 0.30},
        broken_csv_rows=(4, 8), broken_json_lines=(4, 6), array_json_lines=4,
    ),
    # half of the customers international
    "international": derive(DEFAULT, international=0.50),
}


# ---------------------------------------------------------------------------------------------
# Reference lists
# ---------------------------------------------------------------------------------------------


class Pick:
    """A weighted choice with precomputed cumulative weights: ``Pick("a:3, b:1")(rng)``."""

    __slots__ = ("items", "cum", "total")

    def __init__(self, spec: str | list[tuple[Any, float]]) -> None:
        if isinstance(spec, str):
            pairs = []
            for part in spec.split(","):
                name, _, weight = part.strip().rpartition(":")
                pairs.append((name, float(weight)))
        else:
            pairs = spec
        self.items = [p[0] for p in pairs]
        self.cum: list[float] = []
        total = 0.0
        for _, w in pairs:
            total += w
            self.cum.append(total)
        self.total = total

    def __call__(self, rng: Random) -> Any:
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


VN_FAMILY = Pick(
    "Nguyễn:38, Trần:11, Lê:9.5, Phạm:7, Hoàng:2.6, Huỳnh:2.4, Phan:4.5, Vũ:2.2, Võ:1.8, Đặng:2, Bùi:2, "
    "Đỗ:1.4, Hồ:1.3, Ngô:1.3, Dương:1, Lý:0.5, Đinh:0.6, Trương:0.7, Lâm:0.5, Mai:0.5, Trịnh:0.5, Đào:0.5, "
    "Đoàn:0.5, Cao:0.4, Lương:0.4, Hà:0.4, Tạ:0.3, Tô:0.3, Châu:0.3, Phùng:0.3, Thái:0.2, Vương:0.2, La:0.2, "
    "Kiều:0.2, Quách:0.2, Lưu:0.2, Triệu:0.2, Chu:0.2, Nông:0.15, Tăng:0.1, Hứa:0.1, Mạc:0.1, Khúc:0.05"
)
VN_MIDDLE = {
    "M": Pick("Văn:30, Minh:12, Đức:10, Hữu:8, Quốc:7, Thanh:5, Hoàng:5, Đình:4, Công:4, Gia:4, Quang:3, "
              "Tuấn:3, Xuân:3, Ngọc:3, Trọng:3, Anh:2, Bá:2, Thành:2, Duy:2, Nhật:2, Văn Minh:0.5, :2"),
    "F": Pick("Thị:40, Ngọc:12, Thu:7, Kim:5, Thanh:5, Minh:4, Hồng:4, Phương:3, Bảo:3, Mỹ:3, Thùy:3, "
              "Diệu:2, Khánh:2, Hải:2, Quỳnh:2, Hoài:2, Thị Thu:2, Thị Ngọc:2, Thị Kim:1, :1.5"),
}
VN_GIVEN = {
    "M": Pick("Anh:6, Minh:6, Hùng:5, Dũng:5, Tuấn:5, Nam:5, Huy:5, Long:4, Quang:4, Sơn:4, Trung:4, Hải:4, "
              "Thắng:3, Duy:3, Phong:3, Cường:3, Hiếu:3, Khánh:3, Phúc:3, Quân:3, Việt:3, An:3, Bình:3, "
              "Đức:3, Hoàng:3, Thành:3, Tùng:3, Đạt:3, Hưng:3, Tú:2, Tâm:2, Khoa:2, Bảo:2, Kiên:2, Lâm:2, "
              "Nhân:2, Thịnh:2, Vinh:2, Toàn:2, Lộc:2, Tài:2, Trí:2, Vũ:2, Nghĩa:2, Hòa:1.5, Thái:1, Hiển:1, "
              "Hậu:1, Khang:1, Thuận:1"),
    "F": Pick("Anh:6, Linh:6, Trang:6, Hương:5, Thảo:5, Lan:4, Mai:4, Hà:4, Ngọc:4, Phương:4, Thủy:4, "
              "Hoa:3, Hạnh:3, Nhung:3, Nga:3, Vân:3, Vy:3, Yến:3, My:3, Chi:3, Giang:3, Hằng:3, Hiền:3, "
              "Huyền:3, Nhi:3, Thư:3, Dung:3, Quỳnh:3, Châu:2, Loan:2, Ly:2, Oanh:2, Quyên:2, Tâm:2, "
              "Thanh:2, Trâm:2, Uyên:2, Xuân:2, Hồng:2, Thu:2, An:2, Thúy:2, Tuyết:2, Hòa:1.5, Khánh:1, "
              "Diệp:1, Nhàn:1"),
}
# Pairs a sibling may get: real, confusable names in one family.
NEAR_NAMES = {
    "Hùng": "Hưng", "Hưng": "Hùng", "Tuấn": "Tuân", "Thắng": "Thăng", "Hà": "Hải", "Linh": "Lan",
    "Trang": "Trâm", "Minh": "Minh Anh", "Anh": "Tuấn Anh", "Huy": "Huy Hoàng", "Vy": "Vi", "My": "Mỹ",
}

# Western names by nationality: (male first names, female first names, family names)
_EN_M = """
James John Robert Michael William David Richard Joseph Thomas Christopher Daniel Matthew Anthony
Mark Steven Andrew Paul Joshua Kevin Brian George Edward Ryan Jason Jacob Nicholas Alexander
Benjamin Samuel Patrick Peter Henry Jack Oliver Harry Charlie Liam Noah Lucas
""".split()
_EN_F = """
Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Lisa Nancy Margaret Emily
Michelle Amanda Melissa Rebecca Laura Rachel Catherine Katherine Emma Olivia Sophie Charlotte Hannah
Grace Chloe Lucy Amelia Jane Anna Victoria Natalie Megan Julia Claire
""".split()
_EN_LAST = """
Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore Martin Jackson
White Harris Clark Lewis Robinson Walker Young Allen King Wright Scott Hill Green Adams Baker Nelson
Carter Mitchell Roberts Turner Phillips Campbell Parker Evans Edwards Collins Stewart Morris Murphy
Cook Rogers Morgan Bell Cooper Ward Hughes Wood Price Bennett Gray O'Brien Kelly
""".split()
_FR_M = """
Jean Pierre Michel Philippe Nicolas François Laurent Julien Thomas Antoine Louis Hugo Mathieu
Olivier Sébastien Jean-Pierre Jean-Luc Éric Vincent Guillaume
""".split()
_FR_F = ("Marie Nathalie Isabelle Sophie Catherine Camille Julie Claire Céline Léa Chloé Manon Hélène Émilie "
         "Marie-Claire Anne-Sophie Aurélie Élodie Amélie Valérie").split()
_FR_LAST = """
Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent Lefèvre Michel
Garcia David Bertrand Roux Vincent Fournier Morel Girard André Mercier Dupont Lambert Bonnet
François Faure Rousseau
""".split()
_DE_M = ("Thomas Michael Andreas Stefan Christian Markus Frank Jürgen Klaus Wolfgang Peter Hans-Peter Tobias "
         "Florian Jan Sebastian Lukas Maximilian Jonas Felix Uwe Björn").split()
_DE_F = """
Sabine Petra Claudia Andrea Susanne Julia Anna Katrin Stefanie Nicole Monika Birgit Jana Lena Laura
Sarah Anja Jörg Ursula Hannah
""".split()
_DE_LAST = ("Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer Koch Bauer "
            "Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann Hartmann Lange "
            "Schmitt Werner Krause Köhler Jäger").split()
_SG_LAST = "Tan Lim Lee Ng Wong Goh Chua Chan Ong Koh Teo Ang Yeo Low Tay Sim Chong Leong".split()
NICKNAMES = {
    "William": "Bill", "Robert": "Bob", "Elizabeth": "Liz", "Margaret": "Maggie", "James": "Jim",
    "Michael": "Mike", "Thomas": "Tom", "Richard": "Rick", "Catherine": "Kate", "Katherine": "Kathy",
    "Jennifer": "Jen", "Christopher": "Chris", "Daniel": "Dan", "Joseph": "Joe", "Alexander": "Alex",
    "Patricia": "Pat", "Edward": "Ed", "Matthew": "Matt", "Anthony": "Tony", "Nicholas": "Nick",
    "Benjamin": "Ben", "Samuel": "Sam", "Andrew": "Andy", "Rebecca": "Becky", "Victoria": "Vicky",
    "Jessica": "Jess", "Stefan": "Steffi", "Johannes": "Hannes", "Steven": "Steve", "Peter": "Pete",
}

# Foreign countries: name variants (first is the usual one), dialling code, how a mobile number looks,
# cities with postcodes, e-mail domains, names.
FOREIGN: dict[str, dict[str, Any]] = {
    "US": {
        "weight": 24, "cc": "1",
        "names": ["United States", "USA", "US", "Hoa Kỳ", "United States of America", "Mỹ"],
        "cities": [("New York", "10001"), ("San Francisco", "94105"), ("Los Angeles", "90012"),
                   ("Seattle", "98101"), ("Houston", "77002"), ("Chicago", "60601"), ("San Jose", "95112"),
                   ("Boston", "02108")],
        "domains": "gmail.com:50, yahoo.com:15, outlook.com:12, hotmail.com:8, icloud.com:10, aol.com:5",
        "m": _EN_M, "f": _EN_F, "last": _EN_LAST,
        "streets": ["Market St", "Main Street", "Broadway", "Oak Avenue", "Pine St", "Maple Drive",
                    "W 57th St", "Elm Street", "Sunset Blvd", "Lake Shore Dr"],
    },
    "GB": {
        "weight": 16, "cc": "44",
        "names": ["United Kingdom", "UK", "GB", "Anh", "England", "Great Britain"],
        "cities": [("London", "EC1A 1BB"), ("Manchester", "M1 1AE"), ("Birmingham", "B1 1AA"),
                   ("Edinburgh", "EH1 1YZ"), ("Bristol", "BS1 4DJ"), ("Leeds", "LS1 4AP")],
        "domains": "gmail.com:45, hotmail.co.uk:15, outlook.com:10, yahoo.co.uk:10, btinternet.com:10, "
                   "icloud.com:10",
        "m": _EN_M, "f": _EN_F, "last": _EN_LAST,
        "streets": ["High Street", "Baker Street", "Church Road", "Station Road", "Victoria Road",
                    "Green Lane", "Park Avenue", "Kings Road", "Queen Street", "Mill Lane"],
    },
    "SG": {
        "weight": 14, "cc": "65",
        "names": ["Singapore", "SG", "Republic of Singapore", "Xin-ga-po"],
        "cities": [("Singapore", "018956"), ("Singapore", "238859"), ("Singapore", "449269"),
                   ("Singapore", "569933"), ("Singapore", "310480")],
        "domains": "gmail.com:55, hotmail.com:15, yahoo.com.sg:10, singnet.com.sg:10, outlook.com:10",
        "m": _EN_M, "f": _EN_F, "last": _SG_LAST,
        "streets": ["Anson Road", "Orchard Road", "Marine Parade Road", "Tampines Street 81",
                    "Ang Mo Kio Avenue 3", "Bukit Timah Road", "Jurong West Street 52", "Clementi Avenue 2"],
    },
    "AU": {
        "weight": 14, "cc": "61",
        "names": ["Australia", "AU", "Úc", "Commonwealth of Australia"],
        "cities": [("Sydney", "2000"), ("Melbourne", "3000"), ("Brisbane", "4000"), ("Perth", "6000"),
                   ("Adelaide", "5000")],
        "domains": "gmail.com:45, bigpond.com:15, outlook.com:10, hotmail.com:10, optusnet.com.au:10, "
                   "icloud.com:10",
        "m": _EN_M, "f": _EN_F, "last": _EN_LAST,
        "streets": ["George Street", "Collins Street", "Queen Street", "King William Street", "Hay Street",
                    "Chapel Street", "Beach Road", "Bridge Road"],
    },
    "FR": {
        "weight": 16, "cc": "33",
        "names": ["France", "FR", "Pháp", "République française"],
        "cities": [("Paris", "75008"), ("Paris", "75011"), ("Lyon", "69002"), ("Marseille", "13001"),
                   ("Toulouse", "31000"), ("Bordeaux", "33000"), ("Nice", "06000")],
        "domains": "gmail.com:40, orange.fr:20, free.fr:12, hotmail.fr:12, yahoo.fr:8, laposte.net:8",
        "m": _FR_M, "f": _FR_F, "last": _FR_LAST,
        "streets": ["rue de Rivoli", "avenue Victor Hugo", "rue de la République", "boulevard Voltaire",
                    "rue du Faubourg Saint-Honoré", "rue Nationale", "avenue Jean Jaurès", "rue Pasteur"],
    },
    "DE": {
        "weight": 16, "cc": "49",
        "names": ["Germany", "DE", "Đức", "Deutschland"],
        "cities": [("Berlin", "10115"), ("München", "80331"), ("Hamburg", "20095"), ("Köln", "50667"),
                   ("Frankfurt am Main", "60311"), ("Stuttgart", "70173")],
        "domains": "gmail.com:30, web.de:25, gmx.de:25, t-online.de:10, outlook.de:10",
        "m": _DE_M, "f": _DE_F, "last": _DE_LAST,
        "streets": ["Hauptstraße", "Goethestraße", "Schillerstraße", "Bahnhofstraße", "Lindenstraße",
                    "Gartenstraße", "Friedrichstraße", "Berliner Straße"],
    },
}
FOREIGN_PICK = Pick([(k, v["weight"]) for k, v in FOREIGN.items()])
FOREIGN_DOMAINS = {k: Pick(v["domains"]) for k, v in FOREIGN.items()}
CITY_ALIASES = {
    "New York": ["NYC", "New York City", "New York, NY"], "San Francisco": ["SF", "San Francisco, CA"],
    "Los Angeles": ["LA", "Los Angeles, CA"], "München": ["Munich", "Muenchen"], "Köln": ["Cologne"],
    "Frankfurt am Main": ["Frankfurt"], "London": ["London, UK", "Greater London"],
    "Sydney": ["Sydney NSW"], "Melbourne": ["Melbourne VIC"], "Singapore": ["SG", "Singapore City"],
}

# Vietnamese cities: weight, city-column variants, 6-digit postcode, landline area code now / before
# 2017 and local-number length, districts (kind, name, wards). A ward list "#N" means Phường 1..N.
VN_CITIES: dict[str, dict[str, Any]] = {
    "HCM": {"weight": 40, "name": "Hồ Chí Minh", "postcode": "700000", "area": ("28", "8"), "local": 8,
                "variants": ["TP.HCM", "TP HCM", "HCMC", "Ho Chi Minh City", "Sài Gòn", "TP. Hồ Chí Minh",
                          "Thành phố Hồ Chí Minh", "Tp Hồ Chí Minh", "HCM", "Saigon"],
                "districts": [
                    ("Quận", "1", ["Bến Nghé", "Bến Thành", "Đa Kao", "Tân Định", "Nguyễn Thái Bình",
                                   "Phạm Ngũ Lão", "Cầu Ông Lãnh", "Cô Giang", "Nguyễn Cư Trinh", "Cầu Kho"]),
                    ("Quận", "3", "#14"), ("Quận", "4", "#18"), ("Quận", "5", "#15"), ("Quận", "6", "#14"),
                    ("Quận", "7", ["Tân Phong", "Tân Phú", "Tân Hưng", "Tân Kiểng", "Tân Quy",
                                   "Tân Thuận Đông", "Tân Thuận Tây", "Phú Mỹ", "Phú Thuận", "Bình Thuận"]),
                    ("Quận", "8", "#16"), ("Quận", "10", "#15"), ("Quận", "11", "#16"),
                    ("Quận", "12", ["Tân Chánh Hiệp", "Thạnh Lộc", "Hiệp Thành", "Trung Mỹ Tây",
                                    "Đông Hưng Thuận", "Tân Thới Hiệp"]),
                    ("Quận", "Bình Thạnh", "#28"), ("Quận", "Phú Nhuận", "#17"), ("Quận", "Tân Bình", "#15"),
                    ("Quận", "Gò Vấp", "#17"),
                    ("Quận", "Tân Phú", ["Tân Sơn Nhì", "Tây Thạnh", "Sơn Kỳ", "Phú Thọ Hòa", "Hiệp Tân",
                                         "Hòa Thạnh"]),
                    ("Quận", "Bình Tân", ["An Lạc", "Bình Hưng Hòa", "Bình Trị Đông", "Tân Tạo"]),
                    ("Thành phố", "Thủ Đức", ["Thảo Điền", "An Phú", "Bình Thọ", "Linh Trung", "Hiệp Phú",
                                              "Phước Long B", "Trường Thọ"]),
                    ("Huyện", "Củ Chi", ["Tân Thạnh Đông", "Phước Vĩnh An", "Tân An Hội"]),
                    ("Huyện", "Bình Chánh", ["Vĩnh Lộc A", "Bình Hưng", "Tân Kiên"]),
                    ("Huyện", "Nhà Bè", ["Phước Kiển", "Nhơn Đức"]),
                ]},
    "HN": {"weight": 30, "name": "Hà Nội", "postcode": "100000", "area": ("24", "4"), "local": 8,
               "variants": ["Ha Noi", "Hanoi", "TP. Hà Nội", "HN", "Thành phố Hà Nội", "Hà Nội City"],
               "districts": [
                   ("Quận", "Ba Đình", ["Kim Mã", "Ngọc Hà", "Liễu Giai", "Cống Vị", "Điện Biên", "Đội Cấn"]),
                   ("Quận", "Hoàn Kiếm", ["Hàng Bạc", "Hàng Trống", "Tràng Tiền", "Lý Thái Tổ", "Hàng Bông"]),
                   ("Quận", "Đống Đa", ["Láng Hạ", "Ô Chợ Dừa", "Kim Liên", "Trung Liệt", "Khâm Thiên",
                                        "Văn Miếu"]),
                   ("Quận", "Hai Bà Trưng", ["Bạch Mai", "Minh Khai", "Thanh Nhàn", "Lê Đại Hành",
                                             "Bách Khoa"]),
                   ("Quận", "Cầu Giấy", ["Dịch Vọng", "Dịch Vọng Hậu", "Nghĩa Đô", "Yên Hòa", "Trung Hòa",
                                         "Mai Dịch"]),
                   ("Quận", "Thanh Xuân", ["Khương Trung", "Nhân Chính", "Thanh Xuân Bắc", "Thượng Đình"]),
                   ("Quận", "Hoàng Mai", ["Đại Kim", "Định Công", "Giáp Bát", "Hoàng Liệt", "Tương Mai"]),
                   ("Quận", "Long Biên", ["Bồ Đề", "Gia Thụy", "Ngọc Lâm", "Phúc Đồng"]),
                   ("Quận", "Tây Hồ", ["Quảng An", "Xuân La", "Nhật Tân", "Bưởi"]),
                   ("Quận", "Nam Từ Liêm", ["Mỹ Đình 1", "Mỹ Đình 2", "Mễ Trì", "Cầu Diễn"]),
                   ("Quận", "Bắc Từ Liêm", ["Cổ Nhuế 1", "Xuân Đỉnh", "Phú Diễn"]),
                   ("Quận", "Hà Đông", ["Văn Quán", "Mộ Lao", "La Khê", "Kiến Hưng"]),
                   ("Huyện", "Đông Anh", ["Uy Nỗ", "Kim Chung", "Hải Bối"]),
                   ("Huyện", "Gia Lâm", ["Đa Tốn", "Kiêu Kỵ", "Bát Tràng"]),
               ]},
    "DN": {"weight": 6, "name": "Đà Nẵng", "postcode": "550000", "area": ("236", "511"), "local": 7,
               "variants": ["Da Nang", "Danang", "TP. Đà Nẵng", "TP Đà Nẵng"],
               "districts": [
                   ("Quận", "Hải Châu", ["Thạch Thang", "Hải Châu 1", "Hòa Cường Bắc", "Bình Hiên"]),
                   ("Quận", "Thanh Khê", ["Tân Chính", "Chính Gián", "Thạc Gián", "An Khê"]),
                   ("Quận", "Sơn Trà", ["An Hải Bắc", "Phước Mỹ", "Mân Thái"]),
                   ("Quận", "Ngũ Hành Sơn", ["Mỹ An", "Khuê Mỹ", "Hòa Hải"]),
                   ("Quận", "Liên Chiểu", ["Hòa Khánh Bắc", "Hòa Minh"]),
                   ("Quận", "Cẩm Lệ", ["Hòa Thọ Đông", "Khuê Trung"]),
               ]},
    "HP": {"weight": 5, "name": "Hải Phòng", "postcode": "180000", "area": ("225", "31"), "local": 7,
               "variants": ["Hai Phong", "Haiphong", "TP. Hải Phòng"],
               "districts": [
                   ("Quận", "Lê Chân", ["An Biên", "Trại Cau", "Dư Hàng Kênh"]),
                   ("Quận", "Ngô Quyền", ["Máy Tơ", "Lạch Tray", "Đằng Giang"]),
                   ("Quận", "Hồng Bàng", ["Hoàng Văn Thụ", "Minh Khai", "Thượng Lý"]),
                   ("Quận", "Hải An", ["Đằng Lâm", "Cát Bi"]),
               ]},
    "CT": {"weight": 4, "name": "Cần Thơ", "postcode": "900000", "area": ("292", "710"), "local": 7,
               "variants": ["Can Tho", "TP. Cần Thơ"],
               "districts": [
                   ("Quận", "Ninh Kiều", ["Tân An", "An Hòa", "Xuân Khánh", "Hưng Lợi", "An Khánh"]),
                   ("Quận", "Bình Thủy", ["An Thới", "Bình Thủy"]),
                   ("Quận", "Cái Răng", ["Lê Bình", "Hưng Phú"]),
               ]},
    "BH": {"weight": 3, "name": "Biên Hòa", "postcode": "810000", "area": ("251", "61"), "local": 7,
               "variants": ["Biên Hoà", "Bien Hoa", "Đồng Nai", "Biên Hòa, Đồng Nai", "TP. Biên Hòa"],
               "districts": [(None, None, ["Tân Phong", "Trảng Dài", "Tam Hiệp", "Hố Nai", "Quyết Thắng",
                                        "Tân Mai"])]},
    "NT": {"weight": 3, "name": "Nha Trang", "postcode": "650000", "area": ("258", "58"), "local": 7,
               "variants": ["Khánh Hòa", "Nha Trang, Khánh Hòa", "TP. Nha Trang"],
               "districts": [(None, None, ["Lộc Thọ", "Vĩnh Hải", "Phước Hải", "Tân Lập", "Vạn Thạnh"])]},
    "HUE": {"weight": 2, "name": "Huế", "postcode": "530000", "area": ("234", "54"), "local": 7,
                "variants": ["Hue", "Thừa Thiên Huế", "TP. Huế", "Thừa Thiên - Huế"],
                "districts": [(None, None, ["Vĩnh Ninh", "Phú Hội", "Phú Nhuận", "Thuận Hòa", "An Cựu"])]},
    "BD": {"weight": 3, "name": "Bình Dương", "postcode": "820000", "area": ("274", "650"), "local": 7,
               "variants": ["Thủ Dầu Một", "Binh Duong", "TP. Thủ Dầu Một"],
               "districts": [(None, None, ["Phú Cường", "Phú Hòa", "Hiệp Thành", "Chánh Nghĩa"])]},
    "VT": {"weight": 2, "name": "Vũng Tàu", "postcode": "790000", "area": ("254", "64"), "local": 7,
               "variants": ["Bà Rịa - Vũng Tàu", "Vung Tau", "BR-VT"],
               "districts": [(None, None, "#12")]},
    "DL": {"weight": 2, "name": "Đà Lạt", "postcode": "670000", "area": ("263", "63"), "local": 7,
               "variants": ["Lâm Đồng", "Da Lat", "Dalat"],
               "districts": [(None, None, "#12")]},
}
VN_CITY_PICK = Pick([(k, v["weight"]) for k, v in VN_CITIES.items()])
EXPAT_CITY_PICK = Pick("HCM:55, HN:30, DN:10, NT:5")
# Wards of Thủ Đức that were in Quận 2 / Quận 9 before 2021: older records still say so.
THU_DUC_OLD = {"Thảo Điền": "2", "An Phú": "2", "Bình Thọ": "Thủ Đức", "Linh Trung": "Thủ Đức",
               "Hiệp Phú": "9", "Phước Long B": "9", "Trường Thọ": "Thủ Đức"}

VN_STREETS = [
    "Lê Lợi", "Nguyễn Trãi", "Trần Hưng Đạo", "Hai Bà Trưng", "Lý Thường Kiệt", "Nguyễn Huệ",
    "Điện Biên Phủ", "Cách Mạng Tháng Tám", "Võ Văn Tần", "Nguyễn Đình Chiểu", "Pasteur", "Lê Duẩn",
    "Hoàng Văn Thụ", "Phan Đình Phùng", "Nguyễn Văn Cừ", "Lạc Long Quân", "Bạch Đằng", "Quang Trung",
    "Nguyễn Thị Minh Khai", "Lê Văn Sỹ", "Trường Chinh", "Xô Viết Nghệ Tĩnh", "Phạm Văn Đồng", "Kim Mã",
    "Láng", "Giải Phóng", "Tôn Đức Thắng", "Hùng Vương", "Lê Thánh Tôn", "Nam Kỳ Khởi Nghĩa",
    "Nguyễn Văn Linh", "Lê Hồng Phong", "Trần Phú", "Nguyễn Du", "Phan Chu Trinh", "Lý Tự Trọng",
    "Võ Thị Sáu", "Nguyễn Chí Thanh", "Tô Hiến Thành", "Bà Triệu", "Đội Cấn", "Hoàng Hoa Thám", "Cộng Hòa",
    "Phan Xích Long", "Nguyễn Oanh", "Quốc lộ 13", "Lê Văn Việt", "Kha Vạn Cân", "Âu Cơ", "Lũy Bán Bích",
    "Nguyễn Sơn", "Tân Kỳ Tân Quý", "Huỳnh Tấn Phát", "Nguyễn Thị Thập", "Phạm Hùng", "Trần Duy Hưng",
    "Xuân Thủy", "Cầu Giấy", "Minh Khai", "Tam Trinh",
]
STREET_EN = {"Cách Mạng Tháng Tám": "CMT8", "Nguyễn Thị Minh Khai": "NTMK", "Xô Viết Nghệ Tĩnh": "XVNT",
             "Nam Kỳ Khởi Nghĩa": "NKKN", "Điện Biên Phủ": "ĐBP"}
BUILDINGS = [
    "Chung cư Sunrise City", "Vinhomes Central Park", "Chung cư Hoàng Anh Gia Lai", "Masteri Thảo Điền",
    "Times City", "Royal City", "Chung cư Phú Hoàng Anh", "The Manor", "Chung cư Mường Thanh",
    "Tòa nhà Bitexco", "Chung cư Ehome 3", "Green Bay Tower",
]

EMAIL_DOMAINS_VN = Pick(
    "gmail.com:62, yahoo.com:7, yahoo.com.vn:6, outlook.com:5, hotmail.com:5, icloud.com:4, "
    "fpt.com.vn:0.7, vnn.vn:0.5, ymail.com:0.5"
)
EMAIL_WORDS = ["bongxinh", "hoami", "sunflower", "kenny", "tonyteo", "meomeo", "babykute", "thienthan",
               "hoangtu", "shopee", "mrbean", "rose", "lucky", "cuong.do.la", "banhbao", "chipchip", "angel"]
EMAIL_PLACEHOLDERS = ["noemail@gmail.com", "khongco@gmail.com", "no@email.com", "test@test.com",
                      "abc@gmail.com", "none@none.com"]
EMAIL_DOMAIN_TYPOS = {
    "gmail.com": ["gmial.com", "gmai.com", "gmail.con", "gamil.com", "gmail.co"],
    "yahoo.com": ["yaho.com", "yahoo.con", "yahooo.com"], "hotmail.com": ["hotmai.com", "hotmail.co"],
    "outlook.com": ["outlok.com", "outlook.co"], "yahoo.com.vn": ["yahoo.vn", "yahoo.com.v"],
}
PHONE_GARBAGE = [
    "n/a", "N/A", "0000000000", "123", "call me", "không có", "0", "-", "1111111111", "0123456789",
    "chưa có", "x",
]
DOB_GARBAGE = ["00/00/0000", "31/02/1985", "12/05/2031", "unknown", "01/01/1900", "1900-01-01", "0", "??",
               "30/02/1990", "2030-01-01"]
HONORIFICS = {
    ("vn", "M", "young"): ["Anh", "A."], ("vn", "F", "young"): ["Chị", "C.", "Cô"],
    ("vn", "M", "old"): ["Ông", "Chú", "Bác"], ("vn", "F", "old"): ["Bà", "Cô", "Bác"],
    ("west", "M", "young"): ["Mr.", "Mr", "MR"], ("west", "F", "young"): ["Ms.", "Mrs.", "Miss", "Ms"],
    ("west", "M", "old"): ["Mr.", "Dr.", "Mr"], ("west", "F", "old"): ["Mrs.", "Dr.", "Ms."],
}
SHIPPING_NOTES = [" (gọi trước khi giao)", " - giao giờ hành chính", " (lễ tân)", " / bảo vệ nhận hộ",
                  " (giao buổi chiều)", " - ĐT trước"]

COMPANY_TRADES = [
    ("Thương mại", "TM", "Trading"), ("Dịch vụ", "DV", "Services"), ("Xây dựng", "XD", "Construction"),
    ("Công nghệ", "CN", "Technology"), ("Đầu tư", "ĐT", "Investment"), ("Sản xuất", "SX", "Manufacturing"),
    ("Xuất nhập khẩu", "XNK", "Import Export"), ("Vận tải", "VT", "Logistics"),
    ("Thực phẩm", "TP", "Food"), ("Giải pháp Phần mềm", "GPPM", "Software Solutions"),
]
COMPANY_BRANDS = [
    "An Phát", "Minh Long", "Hòa Bình", "Việt Tiến", "Sao Mai", "Phú Thịnh", "Thành Công", "Đại Dương",
    "Hưng Thịnh", "Tân Á", "Kim Long", "Bảo Minh", "Nam Việt", "Hoàng Gia", "Thiên Phú", "Gia Khang",
    "Ánh Dương", "Trường An", "Phương Nam", "Đông Á", "Sen Vàng", "Bình Minh", "Hải Âu", "Lộc Phát",
]
FOREIGN_COMPANY_SUFFIX = {
    "US": ["Inc.", "LLC", "Corp."], "GB": ["Ltd", "Limited", "PLC"], "SG": ["Pte. Ltd.", "Pte Ltd"],
    "AU": ["Pty Ltd", "Pty. Ltd."], "FR": ["SAS", "SARL", "S.A."], "DE": ["GmbH", "AG"],
}
FOREIGN_COMPANY_WORDS = ["Global", "Pacific", "Asia", "Bridge", "Summit", "Blue Ocean", "Northstar", "Mekong",
                         "Evergreen", "Atlas"]
SEGMENTS = Pick("Retail:58, Online:16, VIP:8, SME:10, Corporate:3, :5")

# Mobile prefixes (the two digits after 0) with market weights; OLD_PREFIX maps the post-2018 prefix to
# the pre-2018 three digits (0162-0169 -> 032-039, 0120 -> 070, ...).
MOBILE_PREFIX = Pick(
    "32:3.5, 33:3.5, 34:3.5, 35:3.5, 36:3.5, 37:3.5, 38:3.5, 39:3.5, 86:3, 96:6, 97:7, 98:7, 81:2, "
    "82:2, 83:2, 84:2, 85:2, 88:2, 91:6, 94:5, 70:2, 76:2, 77:2, 78:2, 79:2, 89:2, 90:6, 93:5, "
    "56:0.7, 58:0.8, 92:1.5, 52:0.5, 59:0.5, 99:0.5"
)
OLD_PREFIX = {"32": "162", "33": "163", "34": "164", "35": "165", "36": "166", "37": "167", "38": "168",
              "39": "169", "70": "120", "79": "121", "77": "122", "76": "126", "78": "128", "83": "123",
              "84": "124", "85": "125", "81": "127", "82": "129", "56": "186", "58": "188", "59": "199"}
PHONE_STYLES = {
    "billing": Pick("local:55, intl_nozero:25, local_spaced:12, intl_compact:8"),
    "sales": Pick("local:38, local_spaced:22, intl_spaced:14, intl_nozero:5, dots:9, paren:4, dash:8"),
    "shipping": Pick("local:45, dots2:18, local_spaced:20, intl_compact:12, dash:5"),
    "marketing": Pick("intl_compact:35, local:30, number:15, local_spaced:10, intl_spaced:10"),
}
CCCD_PROVINCE = {"HCM": "079", "HN": "001", "DN": "048", "HP": "031", "CT": "092", "BH": "075", "NT": "056",
                 "HUE": "046", "BD": "074", "VT": "077", "DL": "068"}
CMND_PREFIX = {
    "HCM": "02", "HN": "01", "DN": "20", "HP": "03", "CT": "36", "BH": "27", "NT": "22", "HUE": "19",
    "BD": "28", "VT": "27", "DL": "25",
}


# ---------------------------------------------------------------------------------------------
# Text helpers
# ---------------------------------------------------------------------------------------------

_TONES = "\u0300\u0301\u0303\u0309\u0323"
_TELEX_TONE = {"\u0301": "s", "\u0300": "f", "\u0309": "r", "\u0303": "x", "\u0323": "j"}
_OLD_TONE_RE = re.compile(f"([oOuU])([{_TONES}])([aAeEyY])(?![\\w\u0300-\u036f])")
_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})
_NEIGHBOURS = {
    "a": "sq", "b": "vn", "c": "xv", "d": "sf", "e": "wr", "g": "fh", "h": "gj", "i": "uo", "k": "jl",
    "l": "k", "m": "n", "n": "mb", "o": "ip", "p": "o", "q": "w", "r": "et", "s": "ad", "t": "ry",
    "u": "yi", "v": "cb", "x": "zc", "y": "tu", "ư": "u", "ơ": "o", "ă": "a", "â": "a", "ê": "e", "ô": "o",
    "ị": "i", "ễ": "ê", "ả": "ã", "ấ": "ầ", "ú": "ù", "ó": "ò",
}


@lru_cache(maxsize=1 << 16)
def strip_accents(text: str) -> str:
    """'Nguyễn Văn Đức' -> 'Nguyen Van Duc'."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


@lru_cache(maxsize=1 << 14)
def old_tone_style(text: str) -> str:
    """Move the tone mark to the second vowel of a final oa/oe/uy: 'Hòa' -> 'Hoà', 'Thủy' -> 'Thuỷ'."""
    return unicodedata.normalize("NFC", _OLD_TONE_RE.sub(r"\1\3\2", unicodedata.normalize("NFD", text)))


def telex(word: str) -> str:
    """A Vietnamese word typed with the Telex keyboard switched off: 'Nguyễn' -> 'Nguyeenx'."""
    out: list[str] = []
    tone = ""
    for ch in unicodedata.normalize("NFD", word):
        if ch in _TELEX_TONE:
            tone = _TELEX_TONE[ch]
        elif ch == "\u0302" and out:
            out.append(out[-1].lower())
        elif ch in "\u0306\u031b":
            out.append("w")
        elif ch == "đ":
            out.append("dd")
        elif ch == "Đ":
            out.append("DD")
        else:
            out.append(ch)
    return "".join(out) + tone


def typo(rng: Random, text: str) -> str:
    """One slip: swap, delete, replace or double a letter, move a space, lose a tone, Telex residue."""
    letters = [i for i, c in enumerate(text) if c.isalpha()]
    if len(letters) < 3:
        return text
    op = rng.random()
    i = letters[rng.randrange(len(letters))]
    if op < 0.22:  # swap with the next letter
        if i + 1 < len(text) and text[i + 1].isalpha() and text[i] != text[i + 1]:
            return text[:i] + text[i + 1] + text[i] + text[i + 2:]
        op = 0.3
    if op < 0.40:  # delete a letter
        return text[:i] + text[i + 1:]
    if op < 0.58:  # replace by a keyboard neighbour / a confusable vowel
        c = text[i]
        options = _NEIGHBOURS.get(c.lower()) or _NEIGHBOURS.get(strip_accents(c).lower(), "e")
        r = options[rng.randrange(len(options))]
        return text[:i] + (r.upper() if c.isupper() else r) + text[i + 1:]
    if op < 0.72:  # a space one letter off: "Hoàng Mỹ" -> "Hoàn gMỹ"
        spaces = [j for j, c in enumerate(text) if c == " " and 1 < j < len(text) - 2]
        if spaces:
            j = spaces[rng.randrange(len(spaces))]
            if rng.random() < 0.5:
                return text[:j - 1] + " " + text[j - 1] + text[j + 1:]
            return text[:j] + text[j + 1] + " " + text[j + 2:]
        return text[:i] + text[i] + text[i:]
    if op < 0.84:  # a tone or vowel mark lost or wrong on one letter
        accented = [j for j, c in enumerate(text) if c != strip_accents(c)]
        if accented:
            j = accented[rng.randrange(len(accented))]
            return text[:j] + strip_accents(text[j]) + text[j + 1:]
        return text[:i] + text[i] + text[i:]
    if op < 0.92:  # Telex residue in one word
        words = text.split(" ")
        k = rng.randrange(len(words))
        if words[k] != strip_accents(words[k]):
            words[k] = telex(words[k])
            return " ".join(words)
    return text[:i] + text[i] + text[i:]  # a doubled letter


def extra_spaces(rng: Random, text: str) -> str:
    r = rng.random()
    if r < 0.4 and " " in text:
        k = text.index(" ") if rng.random() < 0.5 else text.rindex(" ")
        return text[:k] + "  " + text[k:]
    if r < 0.7:
        return text + " "
    return " " + text


def digits_typo(rng: Random, text: str, skip: int = 3) -> str:
    idx = [i for i, c in enumerate(text) if c.isdigit()][skip:]
    if not idx:
        return text
    i = idx[rng.randrange(len(idx))]
    d = str((int(text[i]) + rng.randrange(1, 10)) % 10)
    return text[:i] + d + text[i + 1:]


# ---------------------------------------------------------------------------------------------
# The population
# ---------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Phone:
    kind: str  # "mobile" | "landline" | "foreign"
    cc: str  # country calling code
    nsn: str  # national significant number (no trunk 0)
    old_nsn: str | None = None  # the same line before the 2017/2018 renumbering
    country: str = "VN"
    local: int = 0  # landlines: length of the subscriber number after the area code


@dataclass(slots=True)
class Address:
    country: str  # "VN" or a FOREIGN key
    city: str  # VN_CITIES key, or the foreign city name
    house: str  # "12", "12A", "12/3", "5 ngõ 12"; foreign: house number
    street: str
    ward: str = ""  # VN ward name or number
    ward_kind: str = "Phường"
    district: str | None = None
    district_kind: str | None = None
    unit: str = ""  # "Căn hộ 12.05, Chung cư X" / "Apt 4B"
    postcode: str = ""


@dataclass(slots=True)
class Company:
    kind: str  # "TNHH" | "CP" | "foreign"
    trades: list[tuple[str, str, str]]
    brand: str
    tax_code: str
    branch: str
    address: Address
    country: str = "VN"
    suffix: str = ""
    domain: str = ""


@dataclass(slots=True)
class Person:
    entity_id: str
    origin: str  # "VN" or a FOREIGN key
    gender: str
    family: str
    middle: list[str]
    given: str
    dob: dt.date
    mobile: Phone
    email: str
    address: Address
    since: dt.date
    mobile2: Phone | None = None
    landline: Phone | None = None
    old_mobile: Phone | None = None
    phone_change: dt.date | None = None
    old_email: str | None = None
    email_change: dt.date | None = None
    old_address: Address | None = None
    move_date: dt.date | None = None
    national_id: str = ""
    old_national_id: str = ""
    company: Company | None = None
    household: list[Person] | None = None
    personal_tax: str = ""
    segment: str = ""

    @property
    def western(self) -> bool:
        return self.origin != "VN"


def rand_date(rng: Random, lo: dt.date, hi: dt.date) -> dt.date:
    span = (hi - lo).days
    return lo + dt.timedelta(days=rng.randrange(span + 1)) if span > 0 else lo


def rand_dob(rng: Random, lo_year: int = 1950, hi_year: int = 2006) -> dt.date:
    # more customers aged 25-50 than at the edges: the mean of two uniforms is triangular
    span = hi_year - lo_year + 1
    year = lo_year + min(span - 1, int((rng.random() + rng.random()) / 2 * span))
    return rand_date(rng, dt.date(year, 1, 1), dt.date(year, 12, 31))


def at_time(rng: Random, day: dt.date) -> dt.datetime:
    """A moment during business-ish hours of ``day``."""
    return dt.datetime(day.year, day.month, day.day, rng.randint(7, 22), rng.randrange(60), rng.randrange(60))


def digits(rng: Random, n: int) -> str:
    return "".join(str(rng.randrange(10)) for _ in range(n))


def vn_mobile(rng: Random) -> Phone:
    prefix = MOBILE_PREFIX(rng)
    rest = digits(rng, 7)
    old = OLD_PREFIX.get(prefix)
    return Phone("mobile", "84", prefix + rest, old + rest if old else None)


def vn_landline(rng: Random, city: str) -> Phone:
    info = VN_CITIES[city]
    area, old_area = info["area"]
    local = rng.choice("3366") + digits(rng, info["local"] - 1)
    return Phone("landline", "84", area + local, old_area + local, "VN", info["local"])


def foreign_mobile(rng: Random, country: str) -> Phone:
    if country == "US":
        area = rng.choice(["415", "212", "646", "310", "206", "713", "312", "408", "617"])
        nsn = area + rng.choice("23456789") + digits(rng, 6)
    elif country == "GB":
        nsn = "7" + rng.choice("4579") + digits(rng, 8)
    elif country == "SG":
        nsn = rng.choice("89") + digits(rng, 7)
    elif country == "AU":
        nsn = "4" + digits(rng, 8)
    elif country == "FR":
        nsn = rng.choice("67") + digits(rng, 8)
    else:  # DE
        nsn = "1" + rng.choice(["51", "52", "57", "60", "62", "70", "71", "76"]) + digits(rng, 8)
    return Phone("foreign", FOREIGN[country]["cc"], nsn, None, country)


def vn_address(rng: Random, city: str | None = None) -> Address:
    city = city or VN_CITY_PICK(rng)
    info = VN_CITIES[city]
    dkind, dname, wards = info["districts"][rng.randrange(len(info["districts"]))]
    if isinstance(wards, str):  # "#N": numbered wards
        ward = str(rng.randint(1, int(wards[1:])))
    else:
        ward = wards[rng.randrange(len(wards))]
    ward_kind = "Xã" if dkind == "Huyện" else "Phường"
    n = rng.randint(1, 450) if rng.random() < 0.8 else rng.randint(451, 1200)
    r = rng.random()
    if city == "HN" and r < 0.35:  # Hà Nội: alley ("ngõ") addresses
        house = f"{rng.randint(1, 80)} ngõ {rng.randint(2, 300)}"
    elif r < 0.30:  # Sài Gòn style alley: 12/3, 12/3/5
        house = f"{n}/{rng.randint(1, 60)}" + (f"/{rng.randint(1, 20)}" if rng.random() < 0.2 else "")
    elif r < 0.40:
        house = f"{n}{rng.choice('ABCD')}"
    else:
        house = str(n)
    unit = ""
    if rng.random() < 0.08:
        unit = f"Căn hộ {rng.randint(2, 35)}.{rng.randint(1, 20):02d}, {rng.choice(BUILDINGS)}"
    postcode = info["postcode"]
    return Address("VN", city, house, rng.choice(VN_STREETS), ward, ward_kind, dname, dkind, unit, postcode)


def foreign_address(rng: Random, country: str) -> Address:
    info = FOREIGN[country]
    city, postcode = info["cities"][rng.randrange(len(info["cities"]))]
    if country == "GB" and rng.random() < 0.5:  # the last letters of a UK postcode vary within a city
        postcode = postcode[:-2] + rng.choice("ABDEFGHJLNPQRSTUWXYZ") + rng.choice("ABDEFGHJLNPQRSTUWXYZ")
    unit = ""
    if country in ("US", "GB", "AU") and rng.random() < 0.3:
        kind, number = rng.choice(["Apt", "Unit", "Suite", "Flat"]), rng.randint(1, 40)
        unit = f"{kind} {number}{rng.choice(['', 'A', 'B'])}"
    elif country == "SG":
        unit = f"#{rng.randint(2, 30):02d}-{rng.randint(1, 150):02d}"
    return Address(country, city, str(rng.randint(1, 400)), rng.choice(info["streets"]), unit=unit,
                   postcode=postcode)


def cccd(rng: Random, city: str, gender: str, dob: dt.date) -> str:
    century_gender = (0 if dob.year < 2000 else 2) + (1 if gender == "F" else 0)
    return f"{CCCD_PROVINCE.get(city, '079')}{century_gender}{dob.year % 100:02d}{digits(rng, 6)}"


def passport(rng: Random, country: str) -> str:
    if country in ("US", "GB"):
        return digits(rng, 9)
    if country == "FR":
        return f"{rng.randint(10, 23)}{rng.choice('ABCDEFGH')}{rng.choice('ABCDEFGH')}{digits(rng, 5)}"
    if country == "DE":
        return "C" + "".join(rng.choice("0123456789CFGHJKLMNPRTVWXYZ") for _ in range(8))
    if country == "SG":
        return rng.choice("EK") + digits(rng, 7) + rng.choice("ABCDEFGHJ")
    return "P" + rng.choice("ABCDE") + digits(rng, 7)  # AU


def ascii_name(text: str) -> str:
    return strip_accents(text).lower().replace(" ", "").replace("-", "").replace("'", "")


def make_email(rng: Random, p: Person, *, old: bool = False) -> str:
    """Name-derived addresses without digits are shared by namesakes; others carry digits."""
    fam, giv = ascii_name(p.family), ascii_name(p.given)
    mid = "".join(ascii_name(m) for m in p.middle)
    if p.company and not old and rng.random() < 0.6:
        local = rng.choice([f"{giv}.{fam}", giv, f"{giv}{fam[0]}", f"{fam}.{giv}"])
        return f"{local}@{p.company.domain}"
    domain = (EMAIL_DOMAINS_VN(rng) if not p.western or rng.random() < 0.3
              else FOREIGN_DOMAINS[p.origin](rng))
    r = rng.random()
    if r < 0.08:  # not derived from the name
        return f"{rng.choice(EMAIL_WORDS)}{rng.choice(['', '_', '.'])}{rng.randint(1, 999)}@{domain}"
    if p.western:
        bases = [f"{giv}.{fam}", f"{giv[0]}{fam}", f"{giv}{fam}", f"{fam}.{giv}", f"{giv}_{fam}",
                 f"{giv}.{fam[0]}"]
    else:
        bases = [f"{giv}.{fam}", f"{giv}{fam}", f"{fam}{mid}{giv}", f"{fam}.{giv}", f"{giv}{mid}{fam}",
                 f"{fam}{giv}", f"{giv}.{fam}", f"{fam}{mid}{giv}"]
    base = bases[rng.randrange(len(bases))]
    if r < 0.45:  # no digits: anh.nguyen@gmail.com
        return f"{base}@{domain}"
    y = p.dob.year
    tail = rng.choice([str(y), str(y)[2:], f"{p.dob.day:02d}{p.dob.month:02d}", str(rng.randint(1, 99)),
                       str(rng.randint(100, 999)), f"{p.dob.day:02d}{p.dob.month:02d}{str(y)[2:]}", "123"])
    sep = rng.choice(["", "", ".", "_"])
    return f"{base}{sep}{tail}@{domain}"


def make_company(rng: Random, country: str, near: Address) -> Company:
    if country != "VN":
        words = rng.sample(FOREIGN_COMPANY_WORDS, 2)
        brand = " ".join(words)
        suffix = rng.choice(FOREIGN_COMPANY_SUFFIX[country])
        vat_digits = {"GB": 9, "DE": 9, "FR": 11}.get(country)
        vat = country + digits(rng, vat_digits) if vat_digits else ""
        domain = ascii_name(brand) + rng.choice([".com", ".co", ".net"])
        return Company("foreign", [], brand, vat, "", foreign_address(rng, country), country, suffix, domain)
    kind = "TNHH" if rng.random() < 0.65 else "CP"
    trades = rng.sample(COMPANY_TRADES, rng.choice([1, 1, 2]))
    brand = rng.choice(COMPANY_BRANDS)
    province = {"HCM": "03", "HN": "01", "DN": "04", "HP": "02"}.get(near.city, "0" + str(rng.randint(1, 9)))
    tax = province + digits(rng, 8)
    branch = f"-{rng.randint(1, 12):03d}" if rng.random() < 0.15 else ""
    domain = ascii_name(brand) + rng.choice([".com.vn", ".vn", ".com", "group.vn", "corp.vn"])
    return Company(kind, trades, brand, tax, branch, vn_address(rng, near.city), "VN", "", domain)


class Population:
    """Draws customers one at a time (households and company colleagues come in groups)."""

    def __init__(self, rng: Random, rates: dict[str, Any]) -> None:
        self.rng = rng
        self.rates = rates
        self.next_id = 1
        self.companies: list[tuple[Company, int]] = []  # companies still taking contacts
        m = 2.7  # mean household size
        s = rates["household"]
        self.p_household = s / (m - s * (m - 1)) if s > 0 else 0.0

    def _eid(self) -> str:
        eid = f"E{self.next_id:07d}"
        self.next_id += 1
        return eid

    def draw(self, remaining: int) -> list[Person]:
        rng = self.rng
        if remaining >= 2 and rng.random() < self.p_household:
            return self._household(min(remaining, rng.choice([2, 2, 2, 2, 2, 3, 3, 3, 4, 4])))
        return [self._person()]

    # -- one person ---------------------------------------------------------------------------
    def _person(self, *, origin: str | None = None, gender: str | None = None, family: str | None = None,
                middle: list[str] | None = None, dob: dt.date | None = None, address: Address | None = None,
                living_in_vn: bool | None = None) -> Person:
        rng, rates = self.rng, self.rates
        if origin is None:
            origin = FOREIGN_PICK(rng) if rng.random() < rates["international"] else "VN"
        gender = gender or rng.choice("MF")
        if origin == "VN":
            family = family or VN_FAMILY(rng)
            if middle is None:
                mid = VN_MIDDLE[gender](rng)
                middle = mid.split() if mid else []
            given = VN_GIVEN[gender](rng)
            while middle and given == middle[-1]:
                given = VN_GIVEN[gender](rng)
        else:
            info = FOREIGN[origin]
            first = info["m"] if gender == "M" else info["f"]
            given = first[rng.randrange(len(first))]
            family = family or info["last"][rng.randrange(len(info["last"]))]
            if middle is None:
                middle = [first[rng.randrange(len(first))]] if rng.random() < 0.3 and origin != "FR" else []
                if middle == [given]:
                    middle = []
        dob = dob or rand_dob(rng)
        if living_in_vn is None:
            living_in_vn = origin == "VN" or rng.random() < rates["international_resident"]
        if address is None:
            if origin == "VN":
                address = vn_address(rng)
            elif living_in_vn:
                address = vn_address(rng, EXPAT_CITY_PICK(rng))
            else:
                address = foreign_address(rng, origin)
        if origin == "VN" or (living_in_vn and rng.random() < 0.7):
            mobile = vn_mobile(rng)
        else:
            mobile = foreign_mobile(rng, origin)
        adult = dt.date(dob.year + 16, dob.month, min(dob.day, 28))  # no records before the age of 16
        since = rand_date(rng, max(dt.date(2013, 1, 1), adult), dt.date(2026, 3, 31))
        p = Person(self._eid(), origin, gender, family, middle, given, dob, mobile, "", address, since)
        if rng.random() < rates["second_mobile"]:
            p.mobile2 = vn_mobile(rng) if living_in_vn else foreign_mobile(rng, origin)
        if address.country == "VN" and rng.random() < rates["own_landline"]:
            p.landline = vn_landline(rng, address.city)
        # identity documents
        if origin == "VN":
            p.national_id = cccd(rng, address.city, gender, dob)
            if dob.year < 1990 and rng.random() < rates["old_cmnd"]:
                p.old_national_id = CMND_PREFIX.get(address.city, "02") + digits(rng, 7)
            if rng.random() < 0.03:
                p.personal_tax = "8" + digits(rng, 9)
        else:
            p.national_id = passport(rng, origin)
        # business contact
        if rng.random() < rates["business_contact"]:
            self._attach_company(p, living_in_vn)
        p.email = make_email(rng, p)
        p.segment = "SME" if p.company and rng.random() < 0.7 else SEGMENTS(rng)
        # life events: records older than the event still show the old value
        latest = REFERENCE_DATE - dt.timedelta(days=45)
        if rng.random() < rates["moved"] and (latest - since).days > 120:
            p.move_date = rand_date(rng, since + dt.timedelta(days=60), latest)
            if address.country == "VN":
                p.old_address = vn_address(rng, None if rng.random() < 0.3 else address.city)
            else:
                p.old_address = foreign_address(rng, address.country)
        if rng.random() < rates["changed_phone"] and (latest - since).days > 120:
            p.phone_change = rand_date(rng, since + dt.timedelta(days=60), latest)
            p.old_mobile = vn_mobile(rng) if mobile.kind == "mobile" else foreign_mobile(rng, origin)
        if rng.random() < rates["changed_email"] and (latest - since).days > 120:
            p.email_change = rand_date(rng, since + dt.timedelta(days=60), latest)
            p.old_email = make_email(rng, p, old=True)
        return p

    def _attach_company(self, p: Person, living_in_vn: bool) -> None:
        rng = self.rng
        country = "VN" if (p.origin == "VN" or living_in_vn) else p.origin
        for k, (company, left) in enumerate(self.companies):
            if company.country == country and rng.random() < 0.5:
                p.company = company
                self.companies[k] = (company, left - 1)
                if left <= 1:
                    del self.companies[k]
                return
        company = make_company(rng, country, p.address)
        p.company = company
        extra = rng.choice([0, 0, 0, 1, 1, 2])
        if extra:
            self.companies.append((company, extra))
            del self.companies[:-50]

    # -- a household ----------------------------------------------------------------------------
    def _household(self, size: int) -> list[Person]:
        rng = self.rng
        origin = FOREIGN_PICK(rng) if rng.random() < self.rates["international"] else "VN"
        living_in_vn = origin == "VN" or rng.random() < 0.5
        address = (vn_address(rng) if origin == "VN" else
                   vn_address(rng, EXPAT_CITY_PICK(rng)) if living_in_vn else foreign_address(rng, origin))
        if origin == "VN":
            family = VN_FAMILY(rng)
        else:
            surnames = FOREIGN[origin]["last"]
            family = surnames[rng.randrange(len(surnames))]
        kind = rng.choice(["couple", "couple", "parent_children", "siblings"])
        members: list[Person] = []
        if kind == "siblings":
            base = rand_dob(rng, 1960, 2003)
            gender = rng.choice("MF")
            mid = VN_MIDDLE[gender](rng).split() if origin == "VN" else None
            for k in range(size):
                g = gender if rng.random() < 0.6 else ("F" if gender == "M" else "M")
                if k > 0 and rng.random() < 0.15:
                    dob = members[0].dob  # twins
                else:
                    dob = min(base + dt.timedelta(days=rng.randint(-3000, 3000)), dt.date(2006, 12, 31))
                middle = (mid if g == gender else VN_MIDDLE[g](rng).split()) if origin == "VN" else None
                person = self._person(origin=origin, gender=g, family=family, middle=middle, dob=dob,
                                      address=address, living_in_vn=living_in_vn)
                if (k > 0 and origin == "VN" and g == members[0].gender and rng.random() < 0.25
                        and members[0].given in NEAR_NAMES):
                    person.given = NEAR_NAMES[members[0].given]  # Hùng and Hưng, Tuấn and Tuân
                    person.email = make_email(rng, person)
                members.append(person)
        else:
            head_gender = rng.choice("MMF")
            head_dob = rand_dob(rng, 1950, 1982 if kind == "parent_children" else 1998)
            head = self._person(origin=origin, gender=head_gender, family=family, dob=head_dob,
                                address=address, living_in_vn=living_in_vn)
            members.append(head)
            if kind == "couple":
                g = "F" if head_gender == "M" else "M"
                # a Vietnamese wife keeps her own family name: half of the couples have two
                spouse_family = family if origin != "VN" or rng.random() < 0.5 else None
                dob = min(head_dob + dt.timedelta(days=rng.randint(-2900, 2900)), dt.date(2006, 12, 31))
                members.append(self._person(origin=origin, gender=g, family=spouse_family, dob=dob,
                                            address=address, living_in_vn=living_in_vn))
            while len(members) < size:
                lo = head_dob.year + 20
                if lo > 2006:
                    break
                dob = rand_dob(rng, lo, min(2006, head_dob.year + 40))
                members.append(self._person(origin=origin, gender=rng.choice("MF"), family=family, dob=dob,
                                            address=address, living_in_vn=living_in_vn))
        if address.country == "VN":
            landline = vn_landline(rng, address.city)
            for m in members:
                m.landline = landline
        for m in members:
            m.household = members
            m.old_address, m.move_date = None, None  # the family stayed together
        return members


# ---------------------------------------------------------------------------------------------
# Rendering one record of one person in one source
# ---------------------------------------------------------------------------------------------


def rate(rates: dict[str, Any], key: str, source: str) -> float:
    value = rates[key]
    return value.get(source, 0.0) if isinstance(value, dict) else value


@dataclass(slots=True)
class Style:
    """Record-level habits shared by every text field of one record."""

    no_accents: bool
    upper: bool
    lower: bool
    old_tone: bool
    nfd: bool
    german_ae: bool

    def apply(self, text: str) -> str:
        if not text:
            return text
        if self.no_accents:
            if self.german_ae:
                text = text.translate(_GERMAN)
            text = strip_accents(text)
        elif self.old_tone:
            text = old_tone_style(text)
        if self.upper:
            text = text.upper()
        elif self.lower:
            text = text.lower()
        if self.nfd:
            text = unicodedata.normalize("NFD", text)
        return text


class Renderer:
    def __init__(self, rng: Random, rates: dict[str, Any]) -> None:
        self.rng = rng
        self.rates = rates

    def p(self, key: str, source: str = "") -> bool:
        return self.rng.random() < rate(self.rates, key, source)

    # -- dates ------------------------------------------------------------------------------------
    def as_of(self, person: Person) -> dt.datetime:
        """When this record was last touched; customers with a life event get records on both sides of it."""
        rng = self.rng
        events = [d for d in (person.move_date, person.phone_change, person.email_change) if d]
        lo, hi = person.since, REFERENCE_DATE
        if events:
            if rng.random() < 0.5:
                hi = min(events) - dt.timedelta(days=1)
            else:
                lo = max(events)
        day = rand_date(rng, lo, hi)
        return at_time(rng, day)

    def style(self, source: str, person: Person) -> Style:
        return Style(
            self.p("name_no_accents", source), self.p("name_upper", source), self.p("name_lower", source),
            self.p("old_tone_marks"), self.p("unicode_nfd", source), self.rng.random() < 0.5,
        )

    # -- names --------------------------------------------------------------------------------------
    def name_parts(self, person: Person, source: str) -> tuple[list[str], list[str], list[str], bool]:
        """(family, middle, given) tokens after dropped middles, initials and nicknames; given-first?"""
        rng = self.rng
        family, middle, given = person.family.split(), list(person.middle), person.given.split()
        if person.western and given[0] in NICKNAMES and self.p("nickname"):
            given = [NICKNAMES[given[0]]]
        if middle and self.p("drop_middle"):
            middle = []
        if self.p("initials"):
            if person.western:
                if middle and rng.random() < 0.5:
                    middle = [m[0] + "." for m in middle]
                else:
                    given = [given[0][0] + "."]
            elif middle:
                if rng.random() < 0.7:
                    middle = [m[0] + "." for m in middle]
                else:
                    middle = middle[:-1] + [middle[-1][0] + "."]
            else:
                family = [family[0][0] + "."]
        given_first = self.p("given_first", source)
        return family, middle, given, given_first

    def full_name(self, person: Person, source: str, style: Style, age: int) -> str:
        rng = self.rng
        family, middle, given, given_first = self.name_parts(person, source)
        if person.western:
            if given_first:  # surname first, as Vietnamese staff often write foreign names
                tokens = family + ([","] if rng.random() < 0.3 else []) + given + middle
            else:
                tokens = given + middle + family
        else:
            if given_first:  # Western order: "An Văn Nguyễn", often without the middle name
                tokens = given + (middle if rng.random() < 0.5 else []) + family
            else:
                tokens = family + middle + given
        name = " ".join(tokens).replace(" ,", ",")
        if self.p("honorific", source):
            name = self.honorific(person, age) + " " + name
        if self.p("name_typo"):
            name = typo(rng, name)
        name = style.apply(name)
        if self.p("extra_spaces"):
            name = extra_spaces(rng, name)
        return name

    def honorific(self, person: Person, age: int) -> str:
        key = ("west" if person.western else "vn", person.gender, "old" if age >= 55 else "young")
        options = HONORIFICS[key]
        return options[self.rng.randrange(len(options))]

    def first_last(self, person: Person, style: Style, age: int) -> tuple[str, str]:
        """Sales CRM form: two boxes, filled in many ways."""
        rng = self.rng
        family, middle, given, given_first = self.name_parts(person, "sales")
        fam, _mid, giv = " ".join(family), " ".join(middle), " ".join(given)
        r = rng.random()
        if person.western:
            if r < 0.04:
                first, last = " ".join(given + middle + family), ""
            elif r < 0.07:
                first, last = fam, " ".join(given + middle)  # the wrong boxes
            elif r < 0.45:
                first, last = " ".join(given + middle), fam
            else:
                first, last = giv, fam
        elif given_first:  # "An Văn" in the first-name box
            first, last = " ".join(given + middle), fam
        elif r < 0.04:
            first, last = " ".join(family + middle + given), ""
        elif r < 0.08:
            first, last = fam, " ".join(middle + given)
        elif r < 0.36:
            first, last = giv, " ".join(family + middle)
        else:
            first, last = " ".join(middle + given), fam
        if self.p("honorific", "sales"):
            first = self.honorific(person, age) + " " + first
        if self.p("name_typo"):
            if last and rng.random() < 0.4:
                last = typo(rng, last)
            else:
                first = typo(rng, first)
        first, last = style.apply(first), style.apply(last)
        if self.p("extra_spaces"):
            first = extra_spaces(rng, first)
        return first, last

    # -- phones ---------------------------------------------------------------------------------
    def choose_phone(self, person: Person, source: str, when: dt.date) -> Phone:
        rng = self.rng
        if person.landline and rng.random() < rate(self.rates, "phone_landline", source):
            return person.landline
        if person.household and len(person.household) > 1 and self.p("household_other_mobile"):
            others = [m for m in person.household if m is not person]
            return others[rng.randrange(len(others))].mobile
        if person.old_mobile and person.phone_change and when < person.phone_change:
            return person.old_mobile
        if person.mobile2 and self.p("phone_second"):
            return person.mobile2
        return person.mobile

    def phone_text(self, phone: Phone, source: str, when: dt.date) -> str | int:
        rng = self.rng
        if self.p("phone_garbage"):
            return PHONE_GARBAGE[rng.randrange(len(PHONE_GARBAGE))]
        style = PHONE_STYLES[source](rng)
        if phone.kind == "foreign":
            text: str | int = self.foreign_phone(phone, style)
        else:
            nsn = phone.nsn
            if phone.old_nsn:
                p_old = rate(self.rates, "phone_old_form", source) * (1.6 if when.year < 2019 else 0.85)
                if rng.random() < p_old:
                    nsn = phone.old_nsn
            text = self.vn_phone(phone, nsn, style)
        if isinstance(text, str) and self.p("phone_typo"):
            text = digits_typo(rng, text)
        return text

    def vn_phone(self, phone: Phone, nsn: str, style: str) -> str | int:
        if phone.kind == "landline":
            area, local = nsn[: len(nsn) - phone.local], nsn[len(nsn) - phone.local:]
            half = len(local) - 4
            spaced = f"{local[:half]} {local[half:]}"
            if style in ("intl_spaced", "paren") or (style == "intl_compact" and self.rng.random() < 0.5):
                return f"+84 {area} {spaced}"
            if style in ("local_spaced", "dash"):
                return f"0{area} {spaced}"
            if style in ("dots", "dots2"):
                return f"(0{area}) {local}"
            if style == "intl_nozero":
                return f"84{area}{local}"
            return f"0{area}{local}"
        local = "0" + nsn
        if style == "local":
            return local
        if style == "local_spaced":
            return f"{local[:4]} {local[4:7]} {local[7:]}"
        if style == "intl_spaced":
            return f"+84 {nsn[:3]} {nsn[3:6]} {nsn[6:]}"
        if style == "intl_compact":
            return f"+84{nsn}"
        if style == "intl_nozero":
            return f"84{nsn}"
        if style == "paren":
            return f"(+84) {nsn[:3]}-{nsn[3:6]}-{nsn[6:]}"
        if style == "dots":
            if len(nsn) == 9:
                return f"{local[:3]}.{local[3:6]}.{local[6:]}"
            return f"{local[:4]}.{local[4:7]}.{local[7:]}"
        if style == "dots2":
            return f"{local[:4]}.{local[4:7]}.{local[7:]}"
        if style == "dash":
            return f"{local[:4]}-{local[4:7]}-{local[7:]}"
        if style == "number":  # a JSON number: the leading zero is gone
            return int(("84" if self.rng.random() < 0.4 else "") + nsn)
        return local

    def foreign_phone(self, phone: Phone, style: str) -> str | int:
        rng, cc, n = self.rng, phone.cc, phone.nsn
        if style == "number":
            return int(cc + n)
        if phone.country == "US":
            national = f"({n[:3]}) {n[3:6]}-{n[6:]}"
            options = [f"+1 {n[:3]}-{n[3:6]}-{n[6:]}", f"+1 {national}", f"+1{n}", national,
                       f"001 {n[:3]} {n[3:6]} {n[6:]}", f"1-{n[:3]}-{n[3:6]}-{n[6:]}"]
        elif phone.country == "GB":
            options = [f"+44 {n[:4]} {n[4:]}", f"+44{n}", f"0{n[:4]} {n[4:]}", f"0044 {n[:4]} {n[4:]}"]
        elif phone.country == "SG":
            options = [f"+65 {n[:4]} {n[4:]}", f"+65{n}", f"{n[:4]} {n[4:]}", f"(65) {n}"]
        elif phone.country == "AU":
            options = [f"+61 {n[:3]} {n[3:6]} {n[6:]}", f"+61{n}", f"0{n[:3]} {n[3:6]} {n[6:]}", f"0061 {n}"]
        elif phone.country == "FR":
            pairs = " ".join(n[i:i + 2] for i in range(1, 9, 2))
            dotted = pairs.replace(" ", ".")
            options = [f"+33 {n[0]} {pairs}", f"+33{n}", f"0{n[0]} {pairs}", f"0{n[0]}.{dotted}"]
        else:
            options = [f"+49 {n[:3]} {n[3:]}", f"+49{n}", f"0{n[:3]} {n[3:]}", f"0{n[:3]}/{n[3:]}"]
        # mostly with the country code; a national form loses it (a VN system will misread it)
        weights = [4, 3] + [1] * (len(options) - 2)
        return Pick(list(zip(options, weights, strict=True)))(rng)

    def phone_field(self, person: Person, source: str, when: dt.date) -> str | int:
        if self.p("phone_missing", source):
            return ""
        return self.phone_text(self.choose_phone(person, source, when), source, when)

    # -- e-mails ----------------------------------------------------------------------------------
    def email_field(self, person: Person, source: str, when: dt.date) -> str:
        rng = self.rng
        if self.p("email_missing", source):
            return ""
        email = person.email
        if person.old_email and person.email_change and when < person.email_change:
            email = person.old_email
        if person.household and len(person.household) > 1 and self.p("household_shared_email"):
            first, second = person.household[0], person.household[1]
            email = first.email if first is not person else second.email
        if self.p("email_invalid"):
            return self.invalid_email(email)
        local, _, domain = email.partition("@")
        if self.p("email_typo"):
            if rng.random() < 0.35 and domain in EMAIL_DOMAIN_TYPOS:
                domain = rng.choice(EMAIL_DOMAIN_TYPOS[domain])
            else:
                local = typo(rng, local)
        if domain == "gmail.com" and self.p("email_gmail_variant"):
            r = rng.random()
            if r < 0.4 and "." in local:
                local = local.replace(".", "")
            elif r < 0.6 and "." not in local and len(local) > 4:
                k = rng.randint(2, len(local) - 2)
                local = local[:k] + "." + local[k:]
            elif r < 0.9:
                local = local + "+" + rng.choice(["shop", "promo", "tiki", "news", "sale", "2024"])
            else:
                domain = "googlemail.com"
        email = f"{local}@{domain}"
        if self.p("email_case"):
            r = rng.random()
            if r < 0.5:
                email = ".".join(w.capitalize() for w in local.split(".")) + "@" + domain.capitalize()
            elif r < 0.8:
                email = email.upper()
            else:
                email = local.capitalize() + "@" + domain
        if rng.random() < 0.01:
            email = email + " "
        return email

    def invalid_email(self, email: str) -> str:
        rng = self.rng
        local, _, domain = email.partition("@")
        r = rng.random()
        if r < 0.25:
            return rng.choice(EMAIL_PLACEHOLDERS)  # shared by unrelated people
        if r < 0.45:
            return f"{local}@{domain.rsplit('.', 1)[0]}"  # anh.nguyen@gmail
        if r < 0.6:
            return f"{local.replace('.', ' ', 1) if '.' in local else local[:2] + ' ' + local[2:]}@{domain}"
        if r < 0.7:
            return f"{local}@@{domain}"
        if r < 0.8:
            return f"{local}@{domain.replace('.', ',', 1)}"
        if r < 0.9:
            return f"{local}{domain}"
        return rng.choice(["none", "N/A", "-", "khong co", "no email"])

    # -- dates of birth -----------------------------------------------------------------------------
    def dob_field(self, person: Person, source: str) -> str:
        rng = self.rng
        if self.p("dob_missing", source):
            return ""
        if self.p("dob_garbage"):
            return DOB_GARBAGE[rng.randrange(len(DOB_GARBAGE))]
        d, m, y = person.dob.day, person.dob.month, person.dob.year
        if self.p("dob_swap"):
            d, m = m, d  # 25/12 -> 12/25: an invalid day-first date; 05/03 -> 03/05: a valid wrong one
        iso = source == "marketing" and rng.random() < 0.6
        text = f"{y:04d}-{m:02d}-{d:02d}" if iso else f"{d:02d}/{m:02d}/{y:04d}"
        if not iso and source == "billing" and rng.random() < 0.1:
            text = f"{d}/{m}/{y}"  # a spreadsheet dropped the zero padding
        if self.p("dob_typo"):
            text = digits_typo(rng, text, skip=0)
        return text

    # -- addresses ----------------------------------------------------------------------------------
    def address_for(self, person: Person, when: dt.date) -> Address:
        if person.old_address and person.move_date and when < person.move_date:
            return person.old_address
        return person.address

    def vn_parts(self, a: Address, source: str, style: Style, when: dt.date) -> tuple[str, str, str]:
        """(house, street, ward + district) of a Vietnamese address in this record's spelling."""
        rng = self.rng
        abbrev = self.p("address_abbrev")
        english = rng.random() < 0.06
        # house number
        house = a.house
        r = rng.random()
        if " ngõ " in house:
            n, lane = house.split(" ngõ ")
            house = rng.choice([f"Số {n} ngõ {lane}", f"{n} ngõ {lane}", f"{n}/{lane}", f"số {n}, ngõ {lane}",
                                f"Ngõ {lane}, số {n}"])
        elif r < 0.15:
            house = "Số " + house
        elif r < 0.22:
            house = "số " + house
        elif r < 0.25 and "/" in house:
            house = "Hẻm " + house
        elif r < 0.27:
            house = "No. " + house if english else house
        # street
        street = a.street
        if abbrev:
            r = rng.random()
            if r < 0.3:
                street = "Đ. " + street
            elif r < 0.4:
                street = "Đ." + street
            elif r < 0.5 and street in STREET_EN:
                street = STREET_EN[street]
        elif english:
            street = street + rng.choice([" Street", " St.", " Str"])
        elif rng.random() < 0.45 and not street[0].isdigit() and "lộ" not in street:
            street = "Đường " + street
        if self.p("address_typo"):
            street = typo(rng, street)
        # ward and district
        ward = self.ward_text(a, abbrev, english)
        district = self.district_text(a, abbrev, english, when)
        if district and not self.p("address_no_district"):
            sep = rng.choice([", ", ", ", ", ", " ", " - "])
            wd = f"{ward}{sep}{district}"
        else:
            wd = ward
        if a.unit and rng.random() < 0.7:
            house = f"{a.unit}, {house}" if rng.random() < 0.5 else house
            if not house.startswith(a.unit):
                wd = f"{wd}, {a.unit}" if rng.random() < 0.3 else wd
        no_acc = style.no_accents or self.p("address_no_accents", source)
        parts = []
        for text in (house, street, wd):
            if no_acc:
                text = strip_accents(text)
            elif style.old_tone:
                text = old_tone_style(text)
            if style.upper and source == "billing":
                text = text.upper()
            parts.append(text)
        return parts[0], parts[1], parts[2]

    def ward_text(self, a: Address, abbrev: bool, english: bool) -> str:
        rng, w = self.rng, a.ward
        if a.ward_kind == "Xã":
            return rng.choice([f"X. {w}", f"Xã {w}", w]) if abbrev else f"Xã {w}"
        if english:
            return f"Ward {w}" if w.isdigit() else f"{w} Ward"
        if abbrev:
            if w.isdigit():
                return rng.choice([f"P.{w}", f"P{w}", f"P. {w}", f"P.{int(w):02d}"])
            return rng.choice([f"P. {w}", f"P.{w}", w])
        return f"Phường {w}"

    def district_text(self, a: Address, abbrev: bool, english: bool, when: dt.date) -> str:
        rng = self.rng
        d, kind = a.district, a.district_kind
        if not d:
            return ""
        if kind == "Thành phố" and when.year < 2021 and a.ward in THU_DUC_OLD:
            d, kind = THU_DUC_OLD[a.ward], "Quận"  # before Thủ Đức city: Quận 2 / Quận 9 / Quận Thủ Đức
        if english:
            return f"District {d}" if d.isdigit() else f"{d} District"
        if kind == "Quận":
            if abbrev:
                if d.isdigit():
                    return rng.choice([f"Q.{d}", f"Q{d}", f"Q. {d}", f"Q.{int(d):02d}"])
                return rng.choice([f"Q. {d}", f"Q.{d}", d])
            return f"Quận {d}"
        if kind == "Huyện":
            return rng.choice([f"H. {d}", f"H.{d}", d]) if abbrev else f"Huyện {d}"
        return rng.choice([f"TP. {d}", f"TP {d}", d]) if abbrev else f"Thành phố {d}"

    def foreign_parts(self, a: Address, style: Style) -> tuple[str, str, str]:
        rng = self.rng
        street = a.street
        if a.country == "US" and rng.random() < 0.3:
            street = street.replace("Street", "St").replace("Avenue", "Ave").replace("Drive", "Dr")
        if a.country == "DE" and rng.random() < 0.3:
            street = street.replace("straße", "str.").replace("Straße", "Str.")
        if self.p("address_typo"):
            street = typo(rng, street)
        return style.apply(a.house) if style.upper else a.house, style.apply(street), style.apply(a.unit)

    def address_line(self, a: Address, source: str, style: Style, when: dt.date) -> str:
        rng = self.rng
        if a.country == "VN":
            house, street, wd = self.vn_parts(a, source, style, when)
            line = f"{house} {street}, {wd}" if rng.random() < 0.8 else f"{house}, {street}, {wd}"
            if rng.random() < 0.35:
                line += ", " + self.city_text(a, source, style, force=True)
            return line
        house, street, unit = self.foreign_parts(a, style)
        line = f"{street} {house}" if a.country == "DE" else f"{house} {street}"
        if unit:
            line = f"{line}, {unit}"
        if rng.random() < 0.5:
            line += f", {style.apply(a.city)} {a.postcode}"
        return line

    def city_text(self, a: Address, source: str, style: Style, *, force: bool = False) -> str:
        rng = self.rng
        if not force and self.p("city_missing", source):
            return ""
        if a.country == "VN":
            info = VN_CITIES[a.city]
            text = info["name"]
            if self.p("city_variant"):
                text = rng.choice(info["variants"])
        else:
            text = a.city
            if a.city in CITY_ALIASES and self.p("city_variant"):
                text = rng.choice(CITY_ALIASES[a.city])
        if style.no_accents or self.p("address_no_accents", source):
            text = strip_accents(text)
        elif style.old_tone:
            text = old_tone_style(text)
        if style.upper and source == "billing":
            text = text.upper()
        return text

    # -- companies and ids --------------------------------------------------------------------------
    def company_name(self, c: Company, style: Style) -> str:
        rng = self.rng
        if c.kind == "foreign":
            return style.apply(f"{c.brand} {c.suffix}")
        full_trades = " ".join(t[0] for t in c.trades)
        short_trades = " ".join(t[1] for t in c.trades)
        en_trades = " ".join(t[2] for t in c.trades)
        if c.kind == "TNHH":
            options = [f"Công ty TNHH {full_trades} {c.brand}", f"Cty TNHH {short_trades} {c.brand}",
                       f"CÔNG TY TNHH {full_trades.upper()} {c.brand.upper()}",
                       f"{c.brand} {en_trades} Co., Ltd", f"Công ty TNHH {c.brand}", f"{c.brand} Co., Ltd."]
        else:
            options = [f"Công ty Cổ phần {full_trades} {c.brand}", f"CTCP {full_trades} {c.brand}",
                       f"CTCP {short_trades} {c.brand}", f"{c.brand} {en_trades} JSC",
                       f"{c.brand} {en_trades} Joint Stock Company", f"Công ty CP {c.brand}"]
        return style.apply(options[rng.randrange(len(options))])

    def tax_code(self, c: Company) -> str:
        rng, t = self.rng, c.tax_code
        if not t or c.kind == "foreign":
            return t
        r = rng.random()
        if r < 0.15:
            t = f"{t[:4]} {t[4:7]} {t[7:]}"
        elif r < 0.2:
            t = "MST: " + t
        return t + (c.branch if c.branch and rng.random() < 0.7 else "")

    def national_id_field(self, person: Person, when: dt.date) -> str:
        rng = self.rng
        if self.p("national_id_missing"):
            return ""
        value = person.national_id
        if person.old_national_id and rng.random() < (0.6 if when.year < 2021 else 0.15):
            value = person.old_national_id
        if value[0] == "0" and value.isdigit() and self.p("national_id_lost_zero"):
            value = value[1:]
        if self.p("name_typo") and rng.random() < 0.2:
            value = digits_typo(rng, value, skip=2)
        return value

    # -- one record per source ----------------------------------------------------------------------
    def render(self, person: Person, source: str) -> tuple[list[Any] | dict[str, Any], dt.datetime]:
        when_dt = self.as_of(person)
        when = when_dt.date()
        age = (when - person.dob).days // 365
        style = self.style(source, person)
        if source == "sales":
            return self.sales(person, style, when_dt, age), when_dt
        if source == "billing":
            return self.billing(person, style, when_dt, age), when_dt
        if source == "shipping":
            return self.shipping(person, style, when_dt, age), when_dt
        return self.marketing(person, style, when_dt, age), when_dt

    def sales(self, p: Person, style: Style, when_dt: dt.datetime, age: int) -> list[Any]:
        rng, when = self.rng, when_dt.date()
        first, last = self.first_last(p, style, age)
        created = rand_date(rng, p.since - dt.timedelta(days=rng.randrange(400)), when)
        created_at = at_time(rng, created)
        city = self.city_text(self.address_for(p, when), "sales", Style(style.no_accents, False, False,
                                                                          style.old_tone, False, False))
        phone = self.phone_field(p, "sales", when)
        return ["", first, last, self.email_field(p, "sales", when), str(phone), city,
                created_at.isoformat(), when_dt.isoformat(), p.segment]

    def billing(self, p: Person, style: Style, when_dt: dt.datetime, age: int) -> list[Any]:
        rng, when = self.rng, when_dt.date()
        a = self.address_for(p, when)
        if p.company and rng.random() < 0.6:
            a = p.company.address  # invoices go to the office
        address = "" if self.p("address_missing", "billing") else self.address_line(a, "billing", style, when)
        company = tax = ""
        if p.company and rng.random() < 0.9:
            company = self.company_name(p.company, style)
            tax = self.tax_code(p.company) if rng.random() < 0.9 else ""
        elif p.personal_tax and rng.random() < 0.5:
            tax = p.personal_tax
        return ["", self.full_name(p, "billing", style, age), str(self.phone_field(p, "billing", when)),
                self.dob_field(p, "billing"), address, self.city_text(a, "billing", style), tax, company,
                self.national_id_field(p, when), when_dt.strftime("%d/%m/%Y %H:%M")]

    def shipping(self, p: Person, style: Style, when_dt: dt.datetime, age: int) -> list[Any]:
        rng, when = self.rng, when_dt.date()
        a = self.address_for(p, when)
        if p.company and rng.random() < 0.3:
            a = p.company.address
        if p.company and self.p("recipient_company"):
            recipient = self.company_name(p.company, style)
        elif self.p("recipient_given_only"):
            recipient = style.apply(f"{self.honorific(p, age)} {p.given}")
        else:
            recipient = self.full_name(p, "shipping", style, age)
            if self.p("recipient_note"):
                recipient += style.apply(rng.choice(SHIPPING_NOTES))
        if self.p("address_missing", "shipping"):
            house = street = wd = ""
        elif a.country == "VN":
            house, street, wd = self.vn_parts(a, "shipping", style, when)
            if rng.random() < 0.03:  # everything typed into the street box
                house, street = "", f"{house} {street}"
        else:
            house, street, wd = self.foreign_parts(a, style)
        if a.country == "VN":
            if self.p("postcode_missing"):
                postcode = ""
            else:  # mostly the 6-digit code; some write the newer 5-digit one
                postcode = a.postcode if rng.random() < 0.85 else a.postcode[:5]
            country = rng.choice(["", "", "Vietnam", "Việt Nam", "VN", "Viet Nam", "Vietnam"])
        else:
            postcode = a.postcode if rng.random() < 0.93 else ""
            if a.country == "GB" and rng.random() < 0.3:
                postcode = postcode.replace(" ", "")
            names = FOREIGN[a.country]["names"]
            country = names[0] if rng.random() < 0.5 else rng.choice(names)
        if style.no_accents:
            country = style.apply(country)
        return ["", recipient, str(self.phone_field(p, "shipping", when)), house, street, wd,
                self.city_text(a, "shipping", style), postcode, country, when_dt.date().isoformat()]

    def marketing(self, p: Person, style: Style, when_dt: dt.datetime, age: int) -> dict[str, Any]:
        rng, when = self.rng, when_dt.date()
        a = self.address_for(p, when)
        if rng.random() < 0.7:
            ts = when_dt.isoformat() + "+07:00"
        else:
            ts = (when_dt - dt.timedelta(hours=7)).isoformat() + "Z"
        obj: dict[str, Any] = {
            "subscriber_id": "",
            "name": self.full_name(p, "marketing", style, age),
            "email": self.email_field(p, "marketing", when),
            "phone": self.phone_field(p, "marketing", when),
            "birthday": self.dob_field(p, "marketing"),
            "city": self.city_text(a, "marketing", style),
            "opt_in": rng.random() < 0.7,
            "signup_ts": ts,
        }
        for key in ("email", "phone", "birthday", "city"):
            if obj[key] == "":
                r = rng.random()
                if r < 0.6:
                    del obj[key]  # the key is missing entirely
                elif r < 0.85:
                    obj[key] = None
            elif self.p("key_missing") and key in ("birthday", "city"):
                del obj[key]
        if rng.random() < 0.02:
            del obj["opt_in"]
        return obj


# ---------------------------------------------------------------------------------------------
# Writing the files
# ---------------------------------------------------------------------------------------------

HEADERS = {
    "sales": ["crm_id", "first_name", "last_name", "email", "mobile", "city", "created_at", "last_modified",
              "segment"],
    "billing": ["account_no", "account_holder", "phone", "dob", "billing_address", "city", "tax_code",
                "company_name", "national_id", "updated"],
    "shipping": ["shipment_customer_id", "recipient", "contact_phone", "street_number", "street",
                 "ward_district", "city", "postcode", "country", "last_order_date"],
}
FILES = {
    "sales": "sales.csv", "billing": "billing.csv", "shipping": "shipping.csv",
    "marketing": "marketing.jsonl",
}
# billing is a Windows export: CRLF line ends and a UTF-8 byte-order mark
LINE_END = {"sales": "\n", "billing": "\r\n", "shipping": "\n"}

SOURCES_YAML = """\
# Source config for the synthetic sample ({note}).
# Paths are relative to this file. Generated by sample_data/generate.py.
sources:
  - name: billing
    path: billing.csv
    format: csv
    id_column: account_no
    priority: 1
    phone_region: VN
    fields:
      full_name: account_holder
      phone: phone
      date_of_birth: dob
      address: billing_address
      city: city
      tax_id: tax_code
      company: company_name
      national_id: national_id
      updated_at: updated
  - name: sales
    path: sales.csv
    format: csv
    id_column: crm_id
    priority: 2
    phone_region: VN
    fields:
      first_name: first_name
      last_name: last_name
      email: email
      phone: mobile
      city: city
      updated_at: last_modified
  - name: shipping
    path: shipping.csv
    format: csv
    id_column: shipment_customer_id
    priority: 3
    phone_region: VN
    fields:
      full_name: recipient
      phone: contact_phone
      address: [street_number, street, ward_district]
      city: city
      postcode: postcode
      country: country
      updated_at: last_order_date
  - name: marketing
    path: marketing.jsonl
    format: jsonl
    id_column: subscriber_id
    priority: 4
    phone_region: VN
    fields:
      full_name: name
      email: email
      phone: phone
      date_of_birth: birthday
      city: city
      updated_at: signup_ts
"""


class IdMaker:
    """Source keys in creation order, with gaps (deleted accounts)."""

    def __init__(self, source: str, rng: Random) -> None:
        self.source, self.rng, self.n = source, rng, 0

    def __call__(self) -> str:
        self.n += 1 + (self.rng.randint(1, 4) if self.rng.random() < 0.08 else 0)
        n = self.n
        if self.source == "sales":
            return f"CRM-{n:06d}"
        if self.source == "billing":
            return f"B{7000000 + n}"
        if self.source == "shipping":
            return str(500000 + n)
        return f"mk_{(n * 2654435761) % (1 << 32):08x}"  # a bijection: unique, looks random


@dataclass(slots=True)
class Row:
    person: Person
    values: list[Any] | dict[str, Any]
    when: dt.datetime
    key: str = ""
    in_truth: bool = True  # False: the key repeats an earlier row's (truth keeps the first)
    broken: str = ""  # "too_many" | "too_few" | "invalid_json" | "array"


class Writer:
    def __init__(self, out: Path, rng: Random, rates: dict[str, Any], renderer: Renderer) -> None:
        self.rng, self.rates, self.renderer = rng, rates, renderer
        self.handles = {}
        self.csv = {}
        for s in SOURCES:
            if s == "marketing":
                self.handles[s] = open(out / FILES[s], "w", encoding="utf-8", newline="")
            else:
                encoding = "utf-8-sig" if s == "billing" else "utf-8"
                fh = open(out / FILES[s], "w", encoding=encoding, newline="")
                self.handles[s] = fh
                self.csv[s] = csv.writer(fh, lineterminator=LINE_END[s])
                self.csv[s].writerow(HEADERS[s])
        self.truth_fh = open(out / "truth.csv", "w", encoding="utf-8", newline="")
        self.truth_fh.write("source,source_id,entity_id\n")
        self.ids = {s: IdMaker(s, rng) for s in SOURCES}
        self.counts: Counter[str] = Counter()
        self.first_chunk = True

    def close(self) -> None:
        for fh in self.handles.values():
            fh.close()
        self.truth_fh.close()

    def write_chunk(self, rows_by_source: dict[str, list[Row]]) -> None:
        rng = self.rng
        per_entity: Counter[str] = Counter()
        per_entity_ok: Counter[str] = Counter()
        for source in SOURCES:
            rows = rows_by_source[source]
            rng.shuffle(rows)
            for row in rows:
                row.key = self.ids[source]()
            rows = self.quarantine_fodder(source, rows)
            for row in rows:
                self.write_row(source, row)
                self.counts[source] += 1
                if row.key and row.in_truth:
                    self.truth_fh.write(f"{source},{row.key},{row.person.entity_id}\n")
                    self.counts["truth_rows"] += 1
                    per_entity[row.person.entity_id] += 1
                    if not row.broken:
                        per_entity_ok[row.person.entity_id] += 1
        self.counts["true_pairs"] += sum(n * (n - 1) // 2 for n in per_entity.values())
        self.counts["true_pairs_readable"] += sum(n * (n - 1) // 2 for n in per_entity_ok.values())
        self.first_chunk = False

    def quarantine_fodder(self, source: str, rows: list[Row]) -> list[Row]:
        """Blank keys, keys repeated from an earlier row, and (first chunk) unparseable rows."""
        rng, rates = self.rng, self.rates
        out: list[Row] = []
        for row in rows:
            if rng.random() < rates["missing_id"]:
                row.key = ""
                self.counts[f"{source}_missing_id"] += 1
            elif out and rng.random() < rates["duplicate_id"]:
                earlier = out[max(0, len(out) - 1000) + rng.randrange(min(len(out), 1000))]
                if earlier.key and earlier.in_truth and not earlier.broken:
                    self.counts[f"{source}_duplicate_id"] += 1
                    if rng.random() < 0.4:  # the same customer exported twice under one key
                        values, when = self.renderer.render(earlier.person, source)
                        out.append(Row(earlier.person, values, when, earlier.key, in_truth=False))
                    else:  # an input error: another customer typed in under an existing key
                        row.key, row.in_truth = earlier.key, False
            out.append(row)
        if self.first_chunk and len(out) >= 10:
            # small samples still get at least one of each, so the quarantine paths are always exercised
            if not self.counts[f"{source}_missing_id"]:
                plain = [r for r in out[1:] if r.key and r.in_truth]
                plain[rng.randrange(len(plain))].key = ""
                self.counts[f"{source}_missing_id"] += 1
            if not self.counts[f"{source}_duplicate_id"]:
                later = [i for i in range(len(out) // 2, len(out)) if out[i].key and out[i].in_truth]
                i = later[rng.randrange(len(later))] if later else 0
                earlier = [r for r in out[:i] if r.key and r.in_truth]
                if earlier:
                    out[i].key, out[i].in_truth = earlier[rng.randrange(len(earlier))].key, False
                    self.counts[f"{source}_duplicate_id"] += 1
        if self.first_chunk:
            candidates = [r for r in out if r.key and r.in_truth]
            cap = len(out) // 20  # tiny samples: at most 5% of the rows
            if source == "marketing":
                lo, hi = rates["broken_json_lines"]
                n_broken = min(cap, len(candidates), rng.randint(lo, hi) + rates["array_json_lines"])
                chosen = rng.sample(candidates, n_broken)
                for k, r in enumerate(chosen):
                    r.broken = "array" if k < rates["array_json_lines"] else "invalid_json"
            else:
                lo, hi = rates["broken_csv_rows"]
                for r in rng.sample(candidates, min(cap, len(candidates), rng.randint(lo, hi))):
                    r.broken = "too_many" if rng.random() < 0.6 else "too_few"
            self.counts[f"{source}_broken"] += sum(1 for r in out if r.broken)
        return out

    def write_row(self, source: str, row: Row) -> None:
        if source == "marketing":
            obj = dict(row.values)  # type: ignore[arg-type]
            if row.key:
                obj["subscriber_id"] = row.key
            else:
                r = self.rng.random()
                if r < 0.4:
                    del obj["subscriber_id"]
                elif r < 0.7:
                    obj["subscriber_id"] = None
            if row.broken == "array":
                line = json.dumps(list(obj.values()), ensure_ascii=False)
            elif row.broken == "invalid_json":
                line = self.invalid_json(obj)
            else:
                line = json.dumps(obj, ensure_ascii=False)
            self.handles[source].write(line + "\n")
            return
        values = list(row.values)  # type: ignore[arg-type]
        values[0] = row.key
        if row.broken:
            self.handles[source].write(self.broken_csv(source, values, row.broken) + LINE_END[source])
        else:
            self.csv[source].writerow(values)

    def invalid_json(self, obj: dict[str, Any]) -> str:
        text = json.dumps(obj, ensure_ascii=False)
        r = self.rng.random()
        if r < 0.4:
            return text[: max(20, len(text) // 2)]  # cut off mid-line
        if r < 0.7:
            return text[:-1] + ",}"  # a trailing comma
        return "{" + ", ".join(f"'{k}': {v!r}" for k, v in obj.items()) + "}"  # a Python dict, not JSON

    def broken_csv(self, source: str, values: list[Any], kind: str) -> str:
        """A row written without quoting: an embedded comma adds fields, a truncated export loses some."""
        width = len(HEADERS[source])
        fields = [str(v).replace('"', "").replace("\n", " ").replace("\r", " ") for v in values]
        if kind == "too_many":
            if not any("," in f for f in fields[1:]):
                fields[1] = fields[1].replace(" ", ", ", 1) if " " in fields[1] else fields[1] + ", Jr"
            line = ",".join(fields)
        else:
            keep = self.rng.randint(max(2, width - 4), width - 1)
            line = ",".join(f.replace(",", " ") for f in fields[:keep])
        if line.count(",") + 1 == width:  # make sure a reader really sees the wrong width
            line += ","
        return line


def generate(out_dir: Path, *, seed: int = 42, customers: int = 5000, mix: str = "default") -> dict[str, Any]:
    """Write the four extracts, truth.csv and sources.yaml into ``out_dir``; return the counts."""
    if mix not in MIXES:
        raise ValueError(f"unknown mix {mix!r} (choose from {', '.join(MIXES)})")
    if customers < 1:
        raise ValueError("customers must be at least 1")
    rates = MIXES[mix]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = Random(seed)
    population = Population(rng, rates)
    renderer = Renderer(rng, rates)
    writer = Writer(out_dir, rng, rates, renderer)
    in_source = rates["in_source"]
    stats: Counter[str] = Counter(dict.fromkeys(
        ("international", "business_contacts", "households", "household_members", "moved", "changed_phone",
         "within_source_duplicates"), 0))
    try:
        done = 0
        while done < customers:
            chunk_n = min(CHUNK_CUSTOMERS, customers - done)
            rows: dict[str, list[Row]] = {s: [] for s in SOURCES}
            made = 0
            while made < chunk_n:
                group = population.draw(chunk_n - made)
                made += len(group)
                if len(group) > 1:
                    stats["households"] += 1
                    stats["household_members"] += len(group)
                for person in group:
                    stats["international"] += person.western
                    stats["business_contacts"] += person.company is not None
                    stats["moved"] += person.old_address is not None
                    stats["changed_phone"] += person.old_mobile is not None
                    present = [s for s in SOURCES if rng.random() < in_source[s]]
                    if not present:
                        present = [Pick([(s, in_source[s]) for s in SOURCES])(rng)]
                    for source in present:
                        copies = 2 if rng.random() < rate(rates, "within_source_duplicate", source) else 1
                        stats["within_source_duplicates"] += copies - 1
                        for _ in range(copies):
                            values, when = renderer.render(person, source)
                            rows[source].append(Row(person, values, when))
            writer.write_chunk(rows)
            done += chunk_n
    finally:
        writer.close()
    note = f"seed {seed}, {customers} customers, mix {mix}"
    (out_dir / "sources.yaml").write_text(SOURCES_YAML.format(note=note), encoding="utf-8")
    counts: dict[str, Any] = {"customers": customers, "seed": seed, "mix": mix}
    counts.update({s: writer.counts[s] for s in SOURCES})
    counts["records"] = sum(writer.counts[s] for s in SOURCES)
    for key in ("truth_rows", "true_pairs", "true_pairs_readable"):
        counts[key] = writer.counts[key]
    counts.update(stats)
    counts["quarantine_fodder"] = {
        s: {k: writer.counts[f"{s}_{k}"] for k in ("missing_id", "duplicate_id", "broken")} for s in SOURCES
    }
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate the synthetic multi-source customer sample.")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    parser.add_argument("--mix", choices=sorted(MIXES), default="default")
    args = parser.parse_args(argv)
    counts = generate(args.out, seed=args.seed, customers=args.customers, mix=args.mix)
    print(json.dumps(counts, indent=2, ensure_ascii=False))  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
