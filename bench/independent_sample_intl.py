"""Independent, international test-data generator for the customer MDM.

What it is
    A self-contained generator of synthetic customer extracts for a regional
    e-commerce / retail group that trades in Vietnam, Singapore, Australia, the
    UK and the US.  About 45% of the customers are Vietnamese (some living
    abroad); the rest carry Western, Chinese-Singaporean, Indian-Singaporean,
    Malay, Korean or Japanese names.  Five source systems with their own schemas
    and file formats (CSV, JSONL, Parquet) each hold part of the customer base:

        webshop     CSV      US/AU-style online store: first/last name, month-first
                             dates, split address lines, mixed phone formats
        erp_vn      CSV (;)  Vietnamese retail ERP: full name, dd/mm/yyyy, VN phones
                             (incl. pre-2018 11-digit mobiles), Quận/Phường addresses
        newsletter  JSONL    marketing list: email-heavy, sparse names
        care        Parquet  customer service: names with honorifics, one-line
                             addresses, typed dates and timestamps
        invoicing   JSONL    B2B invoicing: company, tax id, contact person

    It writes the source files, a ``sources.yaml`` that describes them and a
    ``truth.csv`` (source, source_id, entity_id) with one row per accepted record.

Why it exists
    To judge the matcher on data it was never tuned on.  It was written only from
    the public source-config contract (the README's config section: canonical
    fields, source keys, the truth-file layout and the rule that blank or
    repeated ids are quarantined) without reading the product's code, rules,
    bundled sample generator, tests or benchmark notes.

What varies
    Each customer appears in one to four systems.  Real-world variation is
    layered on top (nicknames, swapped name order, initials, middle names,
    married names, typos, upper case, dropped Vietnamese accents, email and phone
    variants, date variants, moves, within-source duplicates, households sharing
    address / landline / surname / email, namesakes, missing and junk values and a
    few broken rows).  Every probability is in ``BASE_P`` and is multiplied by the
    ``--mix`` factor (clean 0.3, default 1.0, messy 2.2).  Broken rows (blank or
    repeated ids) are written to the sources but never listed in the truth file;
    every row that shares a repeated id is left out of it.

    The output depends only on --seed, --customers and --mix: one
    ``random.Random(seed)`` drives everything, the reference date is fixed and
    nothing touches the network.

Usage
    python bench/independent_sample_intl.py --seed 1 --customers 5000 \\
        --mix default --out /tmp/intl
    mdm reconcile --sources /tmp/intl/sources.yaml --db /tmp/intl.duckdb
    mdm evaluate --db /tmp/intl.duckdb --truth /tmp/intl/truth.csv
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import yaml

# --------------------------------------------------------------------------
# Probabilities.  Every entry is multiplied by the --mix factor (capped).
# --------------------------------------------------------------------------

MIX_FACTOR = {"clean": 0.3, "default": 1.0, "messy": 2.2}

BASE_P = {
    # population: who the customers are and what happened to them
    "household": 0.12,  # a customer brings a spouse and/or adult children
    "shared_email": 0.25,  # a household shares one mailbox (per household)
    "namesake": 0.03,  # a new customer gets an existing customer's exact name
    "moved": 0.10,  # moved house; older records keep the old address
    "phone_changed": 0.07,  # changed mobile number at some point
    "email_changed": 0.06,  # moved to another mail provider
    "married_name": 0.06,  # (Western women) surname changed inside the record window
    "junior": 0.10,  # a Western son named after his father
    # names, per record
    "nickname": 0.12,  # Robert -> Bob (Western given names, aliases)
    "name_swapped": 0.04,  # "Smith, John" / "SMITH John"
    "initials": 0.04,  # "J. Smith", "John R. Smith"
    "middle_dropped": 0.30,  # middle name left out where a system would show it
    "name_typo": 0.03,  # insert / delete / transpose / substitute
    "name_upper": 0.06,  # whole name in upper case
    "accents_dropped": 0.10,  # Vietnamese diacritics lost (on top of ASCII-only habits)
    "unicode_nfd": 0.02,  # same text, decomposed Unicode
    "romanization": 0.06,  # Lee/Yi, Muhammad/Mohd, Sato/Satoh, Wei Ming/Weiming
    "stale_maiden": 0.15,  # system still shows the maiden name after marriage
    "hyphenated": 0.25,  # married name written Maiden-Married
    # email, per record
    "gmail_dots": 0.08,
    "plus_tag": 0.04,
    "email_upper": 0.05,
    "email_typo": 0.02,
    "work_email": 0.15,  # a work address where a personal one is expected
    # phone, per record
    "phone_format": 0.25,  # a format other than the system's usual one
    "phone_no_cc": 0.04,  # a foreign number typed in its local format
    "landline": 0.07,  # the household landline instead of the mobile
    "legacy_kept": 0.15,  # VN 11-digit mobile still on file after the 2018 switch
    # dates, per record
    "dob_swapped": 0.015,  # day and month swapped at data entry
    "dob_format": 0.10,  # a format other than the system's usual one
    "dob_missing": 0.06,
    # address, per record
    "address_format": 0.30,  # abbreviations, unit notation, case
    "address_typo": 0.03,
    # generic
    "junk": 0.01,  # per field: N/A, -, test@test.com, 0000000000, 01/01/1900
    "missing": 0.04,  # per optional field, on top of each system's fill rate
    "dup_in_source": 0.04,  # same customer entered again with a new id
    "blank_id": 0.002,
    "repeat_id": 0.002,
}

REFERENCE_NOW = datetime(2025, 6, 30, 18, 0, 0)
VN_MOBILE_SWITCH = datetime(2018, 9, 15)
EPOCH = datetime(1900, 1, 1)  # "since forever" in value histories

# --------------------------------------------------------------------------
# The sources.yaml entries (written verbatim) and per-system settings
# --------------------------------------------------------------------------

SOURCES = [
    {"name": "invoicing", "path": "invoicing_contacts.jsonl", "format": "jsonl", "id_column": "account_ref",
     "priority": 1, "phone_region": "SG", "timezone": "Asia/Singapore",
     "fields": {"full_name": "contact_person", "company": "company_name", "tax_id": "tax_registration",
                "email": "contact_email", "phone": "contact_phone", "address": "billing_address",
                "city": "billing_city", "postcode": "billing_postcode", "country": "country_code",
                "updated_at": "last_invoice_at"}},
    {"name": "erp_vn", "path": "erp_khach_hang.csv", "format": "csv", "id_column": "ma_kh",
     "priority": 2, "phone_region": "VN", "date_order": "day_first", "timezone": "Asia/Ho_Chi_Minh",
     "delimiter": ";", "encoding": "utf-8-sig",
     "fields": {"full_name": "ho_ten", "date_of_birth": "ngay_sinh", "phone": "so_dien_thoai",
                "email": "email", "address": ["so_nha_duong", "phuong_xa", "quan_huyen"],
                "city": "tinh_thanh", "tax_id": "ma_so_thue", "national_id": "so_cccd",
                "updated_at": "ngay_cap_nhat"}},
    {"name": "webshop", "path": "webshop_customers.csv", "format": "csv", "id_column": "customer_id",
     "priority": 3, "phone_region": "AU", "date_order": "month_first", "timezone": "Australia/Sydney",
     "delimiter": ",", "encoding": "utf-8",
     "fields": {"first_name": "first_name", "last_name": "last_name", "email": "email", "phone": "phone",
                "date_of_birth": "birth_date", "company": "company",
                "address": ["addr_line1", "addr_line2"], "city": "suburb", "postcode": "postcode",
                "country": "country", "updated_at": "last_modified"}},
    {"name": "care", "path": "care_contacts.parquet", "format": "parquet", "id_column": "contact_id",
     "priority": 4, "phone_region": "VN", "timezone": "Asia/Ho_Chi_Minh",
     "fields": {"full_name": "contact_name", "phone": "phone", "email": "email", "date_of_birth": "dob",
                "address": "address_text", "city": "city", "national_id": "id_document",
                "updated_at": "last_interaction"}},
    {"name": "newsletter", "path": "newsletter_subscribers.jsonl", "format": "jsonl",
     "id_column": "subscriber_id", "priority": 5, "phone_region": "SG", "timezone": "UTC",
     "fields": {"first_name": "first_name", "last_name": "last_name", "email": "email", "phone": "mobile",
                "country": "country", "updated_at": "updated_at"}},
]
ID_COLUMN = {spec["name"]: spec["id_column"] for spec in SOURCES}
SOURCE_START = {"invoicing": datetime(2015, 1, 1), "erp_vn": datetime(2012, 1, 1),
                "webshop": datetime(2016, 1, 1), "care": datetime(2019, 1, 1),
                "newsletter": datetime(2018, 1, 1)}
# within-source duplicate rate, relative to BASE_P["dup_in_source"]
DUP_SCALE = {"invoicing": 0.6, "erp_vn": 0.8, "webshop": 1.2, "care": 2.0, "newsletter": 1.5}
# share of a system's records typed without Vietnamese accents: (customer in VN, abroad)
ASCII_HABIT = {"webshop": (0.5, 0.85), "newsletter": (0.6, 0.85), "erp_vn": (0.05, 0.3),
               "care": (0.15, 0.5), "invoicing": (0.3, 0.8)}
_ZONES: dict[str, ZoneInfo] = {}


def local_time(t: datetime, zone: str) -> str:
    """A UTC instant as the wall-clock time a system in `zone` would store."""
    tz = _ZONES.setdefault(zone, ZoneInfo(zone))
    return t.replace(tzinfo=timezone.utc).astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")


def utc_iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------
# Reference data: names
# --------------------------------------------------------------------------

CULTURE_WEIGHTS = {
    "vn": 45,
    "western": 30,
    "sg_chinese": 10,
    "sg_indian": 4.5,
    "malay": 3.5,
    "korean": 4,
    "japanese": 3,
}

RESIDENCE = {
    "vn": {"VN": 85, "AU": 6, "US": 5, "SG": 2, "GB": 2},
    "western": {"US": 30, "AU": 30, "GB": 25, "SG": 7, "VN": 8},
    "sg_chinese": {"SG": 85, "AU": 7, "GB": 4, "VN": 4},
    "sg_indian": {"SG": 88, "AU": 6, "GB": 6},
    "malay": {"SG": 92, "AU": 4, "GB": 4},
    "korean": {"VN": 40, "SG": 20, "AU": 15, "US": 25},
    "japanese": {"VN": 30, "SG": 30, "AU": 15, "US": 15, "GB": 10},
}

VN_SURNAMES = {
    "Nguyễn": 38, "Trần": 11, "Lê": 9.5, "Phạm": 7.1, "Hoàng": 3.0, "Huỳnh": 2.1,
    "Phan": 4.5, "Vũ": 2.0, "Võ": 1.9, "Đặng": 2.1, "Bùi": 2.0, "Đỗ": 1.4,
    "Hồ": 1.3, "Ngô": 1.3, "Dương": 1.0, "Lý": 0.5, "Đinh": 0.6, "Trương": 0.6,
    "Lâm": 0.4, "Mai": 0.4, "Đoàn": 0.4, "Trịnh": 0.4, "Lương": 0.3, "Tô": 0.2,
    "Hà": 0.3, "Cao": 0.3, "Tạ": 0.2, "Châu": 0.2,
}
VN_MIDDLE = {
    "M": {"Văn": 30, "Hữu": 6, "Đức": 8, "Minh": 10, "Quốc": 7, "Thanh": 6, "Công": 5,
          "Quang": 6, "Gia": 4, "Hoàng": 4, "Tuấn": 3, "Xuân": 3, "Ngọc": 3, "Thế": 3,
          "Trọng": 3, "Đình": 4, "Bá": 2},
    "F": {"Thị": 35, "Ngọc": 8, "Thu": 6, "Thanh": 6, "Kim": 5, "Mỹ": 4, "Bảo": 4,
          "Phương": 4, "Thùy": 4, "Hồng": 4, "Minh": 4, "Khánh": 3, "Hoài": 3, "Diệu": 2,
          "Quỳnh": 3, "Bích": 3, "Lan": 2},
}
VN_GIVEN = {
    "M": ["Anh", "Minh", "Hùng", "Dũng", "Tuấn", "Nam", "Hải", "Long", "Huy", "Khoa",
          "Phúc", "Quân", "Sơn", "Thắng", "Trung", "Việt", "Bảo", "Khánh", "Đạt", "Hiếu",
          "Tùng", "Phong", "Thành", "Tâm", "Vinh", "Lâm", "Hoàng", "Kiên", "Toàn", "Cường",
          "Duy", "Hưng", "Lộc", "Tài", "Thịnh", "Nhân", "Trí", "Hòa", "Quang", "Đức",
          "Bình", "Định", "Hậu", "Khang", "Luân", "Nghĩa", "Phát", "Tiến", "Thiện", "Vũ"],
    "F": ["Anh", "Linh", "Hương", "Lan", "Mai", "Ngọc", "Trang", "Thảo", "Hà", "Hạnh",
          "Hằng", "Nhung", "Phương", "Quỳnh", "Trâm", "Vy", "Yến", "Oanh", "Loan", "Thủy",
          "Dung", "Hoa", "Chi", "My", "Nhi", "Thư", "Uyên", "Giang", "Hiền", "Tú",
          "Nga", "Vân", "Ly", "Huyền", "Diệp", "Thanh", "Châu", "Hồng", "Tiên", "Xuân",
          "Ánh", "Bích", "Diễm", "Hậu", "Khánh", "Lệ", "Nguyệt", "Phượng", "Trinh", "Tuyết"],
}
# English names Vietnamese people abroad often go by.
VN_ALIASES = {
    "M": ["Kevin", "Tony", "Peter", "David", "Henry", "Vincent", "Jimmy", "Danny", "Andy", "Steven"],
    "F": ["Jenny", "Vivian", "Lily", "Michelle", "Tracy", "Cindy", "Linda", "Annie", "Kathy", "Helen"],
}

WESTERN_SURNAMES = [
    "Smith", "Jones", "Williams", "Brown", "Taylor", "Johnson", "Wilson", "Davies", "Miller",
    "Davis", "Anderson", "Thomas", "Martin", "White", "Walker", "Thompson", "Robinson",
    "Murphy", "Kelly", "Clarke", "Wright", "Harris", "Lewis", "King", "Hall", "Green", "Evans",
    "Wood", "Moore", "Jackson", "Campbell", "Stewart", "O'Brien", "Byrne", "Ryan", "O'Connor",
    "Walsh", "MacDonald", "Scott", "Reid", "Murray", "Ross", "Robertson", "Young", "Hill",
    "Mitchell", "Roberts", "Turner", "Phillips", "Parker", "Edwards", "Collins", "Cooper",
    "Morgan", "Bell", "Hughes", "Cook", "Baker", "Garcia", "Rodriguez", "Martinez", "Lopez",
    "Clark", "Allen", "Adams", "Nelson", "Carter", "Fitzgerald", "McCarthy", "O'Sullivan",
    "Doyle", "Fraser", "Henderson", "Hamilton", "Graham", "Kennedy", "Sullivan", "Price",
    "Bennett", "Wallace", "Ward", "Watson", "Gray", "Russell", "Ellis", "Palmer", "Foster",
    "Barnes", "Fisher", "Holmes", "Knight", "Mills", "Lloyd", "Marshall", "Owen", "Hunt", "Webb",
]
# The long tail: plausible English surnames that are individually rare.
WESTERN_SURNAME_PARTS = (
    ["Ash", "Black", "Brad", "Brook", "Cal", "Craw", "Dun", "Fair", "Hart", "Hol", "Kings",
     "Lang", "Mid", "North", "Pen", "Rad", "Ral", "Ren", "Shel", "Stan", "Stock", "Sud",
     "Thorn", "Wake", "Wes", "Whit", "Wil", "Win", "Wood", "Yar"],
    ["ford", "wood", "ley", "field", "ton", "worth", "by", "well", "ham", "dale", "more",
     "wick", "stone", "bury", "combe", "son"],
)
WESTERN_GIVEN = {
    "M": [("James", ["Jim", "Jimmy", "Jamie"]), ("John", ["Jack", "Johnny"]),
          ("Robert", ["Bob", "Rob", "Bobby"]), ("Michael", ["Mike", "Mick"]),
          ("William", ["Bill", "Will", "Billy", "Liam"]), ("David", ["Dave"]),
          ("Richard", ["Rick", "Dick", "Richie"]), ("Thomas", ["Tom", "Tommy"]),
          ("Christopher", ["Chris"]), ("Daniel", ["Dan", "Danny"]), ("Matthew", ["Matt"]),
          ("Anthony", ["Tony"]), ("Joseph", ["Joe", "Joey"]), ("Andrew", ["Andy", "Drew"]),
          ("Steven", ["Steve"]), ("Edward", ["Ed", "Ted", "Eddie"]), ("Benjamin", ["Ben"]),
          ("Samuel", ["Sam"]), ("Patrick", ["Pat", "Paddy"]), ("Peter", ["Pete"]),
          ("Mark", []), ("Paul", []), ("Stephen", ["Steve"]), ("Jonathan", ["Jon"]),
          ("Nicholas", ["Nick"]), ("Alexander", ["Alex"]), ("Timothy", ["Tim"]),
          ("Gregory", ["Greg"]), ("Kenneth", ["Ken"]), ("Ronald", ["Ron"]),
          ("Lachlan", ["Lachie"]), ("Liam", []), ("Sean", []), ("Connor", []),
          ("Oliver", ["Ollie"]), ("Jack", []), ("Noah", []), ("Ethan", []), ("Callum", ["Cal"]),
          ("Angus", ["Gus"]), ("Hamish", []), ("Declan", ["Dec"]), ("Ciaran", []),
          ("Brendan", []), ("Kevin", []), ("Brian", []), ("Gary", []), ("Jason", []),
          ("Ryan", []), ("Tyler", []), ("Joshua", ["Josh"]), ("Nathan", ["Nate"]),
          ("Zachary", ["Zach"]), ("Harry", []), ("George", []), ("Charles", ["Charlie", "Chuck"]),
          ("Henry", ["Harry", "Hank"]), ("Frederick", ["Fred", "Freddie"]),
          ("Lawrence", ["Larry"]), ("Eugene", ["Gene"])],
    "F": [("Elizabeth", ["Liz", "Beth", "Lizzie", "Betty"]), ("Katherine", ["Kate", "Kathy", "Katie"]),
          ("Margaret", ["Maggie", "Peggy", "Meg"]), ("Jennifer", ["Jen", "Jenny"]),
          ("Patricia", ["Pat", "Patty", "Trish"]), ("Susan", ["Sue", "Susie"]),
          ("Rebecca", ["Becky", "Bec"]), ("Victoria", ["Vicky", "Tori"]),
          ("Alexandra", ["Alex", "Sandra", "Lexi"]), ("Jessica", ["Jess"]),
          ("Samantha", ["Sam"]), ("Deborah", ["Deb", "Debbie"]), ("Christine", ["Chris", "Chrissy"]),
          ("Catherine", ["Cathy", "Kate"]), ("Sarah", []), ("Emma", []), ("Olivia", ["Liv"]),
          ("Charlotte", ["Charlie", "Lottie"]), ("Sophie", []), ("Chloe", []), ("Emily", ["Em"]),
          ("Mary", ["Molly"]), ("Linda", []), ("Barbara", ["Barb"]), ("Karen", []),
          ("Nancy", []), ("Helen", []), ("Michelle", ["Shelly"]), ("Amanda", ["Mandy"]),
          ("Melissa", ["Mel"]), ("Stephanie", ["Steph"]), ("Nicole", ["Nikki"]),
          ("Siobhan", []), ("Aoife", []), ("Niamh", []), ("Isla", []), ("Eilidh", []),
          ("Kirsty", []), ("Ashley", []), ("Megan", ["Meg"]), ("Hannah", []), ("Laura", []),
          ("Amy", []), ("Lucy", []), ("Grace", []), ("Rachel", []), ("Claire", []),
          ("Fiona", []), ("Gemma", []), ("Abigail", ["Abby"]), ("Madison", ["Maddie"]),
          ("Ava", []), ("Mia", []), ("Zoe", []), ("Heather", []), ("Louise", []),
          ("Joanne", ["Jo"]), ("Kimberly", ["Kim"])],
}
NICKNAMES = {name: nicks for sex in WESTERN_GIVEN.values() for name, nicks in sex if nicks}

SG_CHINESE_SURNAMES = {
    "Tan": 11, "Lim": 7, "Lee": 6, "Ng": 4.5, "Ong": 3.5, "Wong": 3.5, "Goh": 3, "Chua": 2.5,
    "Chan": 2.5, "Koh": 2.5, "Teo": 2.5, "Ang": 2, "Yeo": 2, "Tay": 2, "Ho": 2, "Low": 1.8,
    "Toh": 1.5, "Sim": 1.5, "Chong": 1.5, "Chia": 1.3, "Seah": 1, "Foo": 1, "Leong": 1,
    "Lau": 1, "Chew": 1, "Heng": 1, "Quek": 0.8, "Soh": 0.8, "Loh": 0.8, "Yap": 1,
    "Phua": 0.6, "Pang": 0.6, "Lai": 0.6, "Kwek": 0.5,
}
SG_CHINESE_GIVEN = {
    "M": (["Wei", "Jun", "Zhi", "Kok", "Boon", "Kah", "Yong", "Chee", "Jia", "Hong", "Kian",
           "Wee", "Cheng", "Teck", "Eng", "Choon", "Siang", "Yi"],
          ["Ming", "Jie", "Hao", "Wei", "Keng", "Seng", "Sheng", "Kiat", "Hock", "Liang", "Hui",
           "Xiang", "Heng", "Meng", "Loong"]),
    "F": (["Xiu", "Mei", "Jia", "Hui", "Li", "Siew", "Pei", "Shu", "Wan", "Yu", "Xin", "Qi",
           "Su", "Ai", "Bee", "Geok"],
          ["Ling", "Hui", "Min", "Ting", "Lan", "Yi", "Qi", "Wen", "Xuan", "Ying", "Fang",
           "Lin", "Choo", "Hoon"]),
}
SG_CHINESE_ALIASES = {
    "M": ["Jason", "Kelvin", "Alvin", "Eugene", "Benjamin", "Daniel", "Marcus", "Desmond",
          "Gary", "Kenneth", "Terence", "Edwin", "Jonathan", "Ryan", "Darren", "Melvin", "Vincent"],
    "F": ["Michelle", "Jasmine", "Vivian", "Rachel", "Cheryl", "Joanne", "Serene",
          "Jacqueline", "Grace", "Janice", "Sharon", "Stephanie", "Irene", "Evelyn",
          "Germaine", "Charmaine"],
}
SG_INDIAN_GIVEN = {
    "M": ["Rajesh", "Suresh", "Arun", "Vijay", "Ganesh", "Karthik", "Prakash", "Ravi",
          "Sanjay", "Anand", "Muthu", "Siva", "Kumar", "Harish", "Dinesh", "Ramesh",
          "Venkat", "Bala", "Mohan", "Selvam"],
    "F": ["Priya", "Lakshmi", "Kavitha", "Anitha", "Deepa", "Meena", "Shanti", "Revathi",
          "Divya", "Nisha", "Sangeetha", "Malathi", "Vani", "Kalpana", "Geetha"],
}
SG_INDIAN_FATHERS = SG_INDIAN_GIVEN["M"] + ["Krishnan", "Subramaniam", "Ramasamy",
                                            "Govindasamy", "Raju", "Nathan", "Murugan"]
SG_INDIAN_FAMILY = ["Pillai", "Nair", "Menon", "Singh", "Sharma", "Gill", "Reddy", "Iyer"]

MALAY_GIVEN = {
    "M": ["Muhammad Hafiz", "Ahmad Faiz", "Muhammad Firdaus", "Mohamed Rizal", "Azlan",
          "Muhammad Syafiq", "Muhammad Haziq", "Irfan", "Faizal", "Khairul Anuar",
          "Zulkifli", "Muhammad Amirul", "Ahmad Zaki", "Hakim"],
    "F": ["Nur Aisyah", "Siti Nurhaliza", "Nurul Huda", "Farah", "Siti Aminah",
          "Nur Syafiqah", "Zarina", "Noraini", "Nadia", "Nurul Izzah", "Siti Khadijah", "Aishah"],
}
MALAY_FATHERS = ["Abdullah", "Ismail", "Ibrahim", "Hassan", "Rahman", "Yusof", "Osman",
                 "Ahmad", "Hamid", "Salleh", "Aziz", "Razak", "Hashim", "Kassim", "Rahim",
                 "Jamal", "Sulaiman"]
MALAY_SPELLINGS = {"Muhammad": ["Mohd", "Muhd", "Mohamed", "Mohammad", "Mohammed"],
                   "Mohamed": ["Mohd", "Muhammad", "Mohammed"], "Nur": ["Noor", "Nor"],
                   "Yusof": ["Yusoff", "Yusuf"], "Aisyah": ["Aishah", "Aisha"]}

KOREAN_SURNAMES = {
    "Kim": 21, "Lee": 14.7, "Park": 8.4, "Choi": 4.7, "Jung": 4.4, "Kang": 2.3, "Cho": 2.1,
    "Yoon": 2.1, "Jang": 2, "Lim": 1.7, "Han": 1.5, "Oh": 1.5, "Seo": 1.5, "Shin": 1.5,
    "Kwon": 1.4, "Hwang": 1.4, "Ahn": 1.3, "Song": 1.3, "Yoo": 1.2, "Hong": 1.1,
}
KOREAN_SPELLINGS = {"Lee": ["Yi", "Rhee"], "Park": ["Pak", "Bak"], "Jung": ["Jeong", "Chung"],
                    "Choi": ["Choe"], "Cho": ["Jo"], "Yoon": ["Yun"], "Lim": ["Im"],
                    "Kang": ["Gang"], "Shin": ["Sin"], "Kwon": ["Gwon"], "Yoo": ["Yu"]}
KOREAN_GIVEN = {
    "M": ["Min-jun", "Ji-hoon", "Hyun-woo", "Dong-hyun", "Sung-min", "Jae-won", "Joon-ho",
          "Seung-hyun", "Young-ho", "Sang-woo", "Jin-woo", "Tae-yang"],
    "F": ["Seo-yeon", "Ji-woo", "Soo-jin", "Eun-ji", "Ji-young", "Min-ji", "Hye-jin",
          "Yu-na", "Su-bin", "Ha-eun", "Ji-eun", "Seo-yun"],
}
JAPANESE_SURNAMES = ["Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto",
                     "Nakamura", "Kobayashi", "Kato", "Yoshida", "Yamada", "Sasaki",
                     "Yamaguchi", "Matsumoto", "Inoue", "Kimura", "Hayashi", "Shimizu", "Saito"]
JAPANESE_SPELLINGS = {"Sato": ["Satō", "Satoh", "Satou"], "Ito": ["Itō", "Itoh", "Itou"],
                      "Kato": ["Katō", "Katoh"], "Saito": ["Saitō", "Saitoh"],
                      "Yusuke": ["Yūsuke", "Yuusuke"], "Yuki": ["Yūki"],
                      "Shota": ["Shōta", "Shouta"], "Yoko": ["Yōko", "Youko"],
                      "Sota": ["Sōta", "Souta"], "Ryota": ["Ryōta", "Ryouta"]}
JAPANESE_GIVEN = {
    "M": ["Haruto", "Yuto", "Sota", "Hiroshi", "Takeshi", "Kenji", "Daiki", "Kazuki",
          "Ryota", "Shota", "Takumi", "Naoki", "Yusuke", "Kenta"],
    "F": ["Yui", "Aoi", "Sakura", "Haruka", "Yoko", "Keiko", "Akiko", "Yuki", "Misaki",
          "Nanami", "Ayaka", "Mai", "Emi", "Naomi"],
}

# --------------------------------------------------------------------------
# Reference data: places
# --------------------------------------------------------------------------

# city key -> (weight, canonical name, spellings, landline area, CCCD province, postcode)
VN_CITIES = {
    "hcm": (45, "TP. Hồ Chí Minh",
            ["TP.HCM", "Hồ Chí Minh", "TP Hồ Chí Minh", "Thành phố Hồ Chí Minh", "HCM", "Sài Gòn"],
            "28", "079", "700000"),
    "hn": (30, "Hà Nội", ["TP. Hà Nội", "Thành phố Hà Nội", "HN", "Ha Noi"], "24", "001", "100000"),
    "dn": (8, "Đà Nẵng", ["TP. Đà Nẵng", "Da Nang", "TP Đà Nẵng"], "236", "048", "550000"),
    "hp": (5, "Hải Phòng", ["TP. Hải Phòng", "Hai Phong"], "225", "031", "180000"),
    "ct": (4, "Cần Thơ", ["TP. Cần Thơ", "Can Tho"], "292", "092", "900000"),
    "dnai": (3, "Đồng Nai", ["Biên Hòa, Đồng Nai", "Dong Nai", "T. Đồng Nai"], "251", "075", "810000"),
    "kh": (3, "Khánh Hòa", ["Nha Trang", "Khanh Hoa", "T. Khánh Hòa"], "258", "056", "650000"),
    "hue": (2, "Thừa Thiên Huế", ["Huế", "TP. Huế", "Thua Thien Hue"], "234", "046", "530000"),
}
VN_CITY_ENGLISH = {"hcm": ["Ho Chi Minh City", "HCMC", "Saigon"], "hn": ["Hanoi", "Ha Noi"],
                   "dn": ["Da Nang", "Danang"], "hp": ["Hai Phong", "Haiphong"], "ct": ["Can Tho"],
                   "dnai": ["Bien Hoa", "Dong Nai"], "kh": ["Nha Trang"], "hue": ["Hue"]}
# district -> ward list; an int n means "Phường 1..n"
VN_DISTRICTS = {
    "hcm": {"Quận 1": ["Bến Nghé", "Bến Thành", "Đa Kao", "Tân Định", "Nguyễn Thái Bình"],
            "Quận 3": 14, "Quận 5": 15, "Quận 7": ["Tân Phong", "Tân Phú", "Tân Hưng", "Phú Mỹ"],
            "Quận 10": 15, "Quận Bình Thạnh": 28, "Quận Phú Nhuận": 17, "Quận Tân Bình": 15,
            "Quận Gò Vấp": 17,
            "TP. Thủ Đức": ["Thảo Điền", "An Phú", "Linh Trung", "Hiệp Bình Chánh"]},
    "hn": {"Quận Ba Đình": ["Kim Mã", "Ngọc Hà", "Cống Vị", "Liễu Giai"],
           "Quận Hoàn Kiếm": ["Hàng Bài", "Hàng Trống", "Tràng Tiền", "Lý Thái Tổ"],
           "Quận Đống Đa": ["Láng Thượng", "Ô Chợ Dừa", "Văn Chương", "Trung Liệt"],
           "Quận Cầu Giấy": ["Dịch Vọng", "Nghĩa Đô", "Trung Hòa", "Yên Hòa"],
           "Quận Hai Bà Trưng": ["Bách Khoa", "Lê Đại Hành", "Minh Khai"],
           "Quận Thanh Xuân": ["Khương Trung", "Nhân Chính", "Thanh Xuân Bắc"],
           "Quận Tây Hồ": ["Quảng An", "Xuân La", "Bưởi"]},
    "dn": {"Quận Hải Châu": ["Thạch Thang", "Hải Châu 1", "Phước Ninh"],
           "Quận Thanh Khê": ["Tân Chính", "Chính Gián"],
           "Quận Sơn Trà": ["An Hải Bắc", "Phước Mỹ"],
           "Quận Ngũ Hành Sơn": ["Mỹ An", "Khuê Mỹ"]},
    "hp": {"Quận Ngô Quyền": ["Máy Tơ", "Lạch Tray"], "Quận Lê Chân": ["An Biên", "Trại Cau"]},
    "ct": {"Quận Ninh Kiều": ["Tân An", "An Hòa", "Xuân Khánh"]},
    "dnai": {"TP. Biên Hòa": ["Tân Phong", "Quyết Thắng", "Trảng Dài"]},
    "kh": {"TP. Nha Trang": ["Lộc Thọ", "Vĩnh Hải", "Phước Hòa"]},
    "hue": {"TP. Huế": ["Phú Hội", "Vĩnh Ninh"]},
}
VN_STREETS = {
    "hcm": ["Nguyễn Trãi", "Lê Lợi", "Trần Hưng Đạo", "Hai Bà Trưng", "Lý Thường Kiệt",
            "Điện Biên Phủ", "Cách Mạng Tháng Tám", "Nguyễn Huệ", "Lê Văn Sỹ", "Võ Văn Tần",
            "Pasteur", "Nam Kỳ Khởi Nghĩa", "Phan Xích Long", "Nguyễn Văn Cừ",
            "Nguyễn Thị Minh Khai", "Xô Viết Nghệ Tĩnh", "Phan Đăng Lưu", "Hoàng Văn Thụ",
            "Cộng Hòa", "Quang Trung", "Nguyễn Oanh", "Võ Văn Ngân", "Nguyễn Văn Linh",
            "Huỳnh Tấn Phát"],
    "hn": ["Kim Mã", "Giải Phóng", "Láng Hạ", "Xuân Thủy", "Trần Duy Hưng", "Nguyễn Chí Thanh",
           "Đội Cấn", "Hàng Bài", "Bà Triệu", "Tây Sơn", "Nguyễn Trãi", "Lạc Long Quân",
           "Hoàng Quốc Việt", "Phạm Văn Đồng", "Lê Duẩn"],
    "dn": ["Bạch Đằng", "Trần Phú", "Lê Duẩn", "Nguyễn Văn Linh", "Hùng Vương",
           "Võ Nguyên Giáp", "Ngô Quyền", "Hoàng Diệu"],
    "hp": ["Lạch Tray", "Điện Biên Phủ", "Tô Hiệu", "Văn Cao"],
    "ct": ["30 Tháng 4", "Nguyễn Văn Cừ", "Trần Hưng Đạo", "Mậu Thân"],
    "dnai": ["Phạm Văn Thuận", "Đồng Khởi", "Võ Thị Sáu"],
    "kh": ["Trần Phú", "Thái Nguyên", "Yersin", "Lê Thánh Tôn"],
    "hue": ["Lê Lợi", "Hùng Vương", "Nguyễn Huệ"],
}
VN_BUILDINGS = ["Chung cư Sunrise City", "Chung cư The Vista", "Chung cư Hoàng Anh Gia Lai",
                "Tòa nhà Times City", "Chung cư Golden Palace", "Chung cư Masteri"]
VN_MOBILE_PREFIXES = ["090", "093", "089", "070", "079", "077", "076", "078", "091", "094",
                      "088", "083", "084", "085", "081", "082", "096", "097", "098", "086",
                      "032", "033", "034", "035", "036", "037", "038", "039", "056", "058", "059"]
# 2018 renumbering: new 3-digit mobile prefix -> old 4-digit prefix (11-digit numbers)
VN_LEGACY_PREFIX = {"032": "0162", "033": "0163", "034": "0164", "035": "0165", "036": "0166",
                    "037": "0167", "038": "0168", "039": "0169", "070": "0120", "079": "0121",
                    "077": "0122", "076": "0126", "078": "0128", "083": "0123", "084": "0124",
                    "085": "0125", "081": "0127", "082": "0129", "056": "0186", "058": "0188",
                    "059": "0199"}

SG_TOWNS = {"Ang Mo Kio": "56", "Bedok": "46", "Tampines": "52", "Jurong West": "64",
            "Woodlands": "73", "Toa Payoh": "31", "Bukit Batok": "65", "Hougang": "53",
            "Yishun": "76", "Sengkang": "54", "Punggol": "82", "Clementi": "12", "Bishan": "57",
            "Queenstown": "14"}
SG_PRIVATE_ROADS = {"Holland Road": "27", "Bukit Timah Road": "26", "Thomson Road": "30",
                    "East Coast Road": "42", "Upper Serangoon Road": "53", "River Valley Road": "23",
                    "Tanjong Pagar Road": "08", "Marine Parade Road": "44", "Jalan Besar": "20"}

# metro -> (weight, state, [(suburb, postcode), ...], landline area digit)
AU_METROS = {
    "Sydney": (40, "NSW", [("Bondi", "2026"), ("Parramatta", "2150"), ("Chatswood", "2067"),
                           ("Cabramatta", "2166"), ("Bankstown", "2200"), ("Hurstville", "2220"),
                           ("Strathfield", "2135"), ("Newtown", "2042"), ("Manly", "2095"),
                           ("Blacktown", "2148")], "2"),
    "Melbourne": (35, "VIC", [("Richmond", "3121"), ("Footscray", "3011"), ("St Kilda", "3182"),
                              ("Box Hill", "3128"), ("Springvale", "3171"), ("Sunshine", "3020"),
                              ("Brunswick", "3056"), ("Glen Waverley", "3150")], "3"),
    "Brisbane": (12, "QLD", [("Sunnybank", "4109"), ("Fortitude Valley", "4006"),
                             ("Inala", "4077"), ("Chermside", "4032")], "7"),
    "Perth": (8, "WA", [("Subiaco", "6008"), ("Mirrabooka", "6061"), ("Fremantle", "6160")], "8"),
    "Adelaide": (5, "SA", [("Glenelg", "5045"), ("Woodville", "5011")], "8"),
}
AU_STATE_NAMES = {"NSW": "New South Wales", "VIC": "Victoria", "QLD": "Queensland",
                  "WA": "Western Australia", "SA": "South Australia"}
AU_VN_SUBURBS = ["Cabramatta", "Bankstown", "Footscray", "Springvale", "Sunnybank", "Inala"]

# city -> (weight, state, zip prefix, area codes)
US_CITIES = {
    "New York": (14, "NY", "100", ["212", "646", "917"]),
    "Los Angeles": (12, "CA", "900", ["213", "310", "323"]),
    "San Jose": (6, "CA", "951", ["408"]),
    "Houston": (8, "TX", "770", ["713", "832"]),
    "Seattle": (8, "WA", "981", ["206"]),
    "Garden Grove": (3, "CA", "928", ["714"]),
    "Westminster": (2, "CA", "926", ["714"]),
    "Boston": (7, "MA", "021", ["617"]),
    "Chicago": (10, "IL", "606", ["312", "773"]),
    "San Francisco": (8, "CA", "941", ["415"]),
    "Dallas": (7, "TX", "752", ["214"]),
    "Philadelphia": (6, "PA", "191", ["215"]),
    "Atlanta": (6, "GA", "303", ["404"]),
    "Falls Church": (2, "VA", "220", ["703"]),
}
US_VN_CITIES = ["Garden Grove", "Westminster", "San Jose", "Houston", "Falls Church"]

# town -> (weight, outward codes, landline area code without trunk 0)
GB_TOWNS = {
    "London": (40, ["E1", "E14", "N1", "N7", "SE1", "SE15", "SW2", "SW11", "W2", "W12", "NW1", "NW6"], "20"),
    "Manchester": (10, ["M1", "M14", "M20", "M21"], "161"),
    "Birmingham": (10, ["B1", "B15", "B29"], "121"),
    "Leeds": (6, ["LS1", "LS6", "LS17"], "113"),
    "Glasgow": (7, ["G1", "G12", "G41"], "141"),
    "Edinburgh": (6, ["EH1", "EH3", "EH10"], "131"),
    "Bristol": (6, ["BS1", "BS6", "BS8"], "117"),
    "Liverpool": (6, ["L1", "L8", "L18"], "151"),
    "Cardiff": (5, ["CF10", "CF11", "CF24"], "29"),
    "Belfast": (4, ["BT1", "BT7", "BT9"], "28"),
}

STREET_NAMES = {
    "AU": ["George", "King", "Queen", "Victoria", "Church", "High", "Station", "Park", "Main",
           "William", "Elizabeth", "Oxford", "Chapel", "Railway", "Bridge", "Albert", "Beach", "Hill"],
    "US": ["Maple", "Oak", "Pine", "Cedar", "Elm", "Washington", "Lincoln", "Park", "Main",
           "Lake", "Hill", "Sunset", "Jefferson", "Madison", "Highland", "Bolsa", "Brookhurst", "Magnolia"],
    "GB": ["High", "Station", "Church", "Victoria", "Park", "Mill", "Queen's", "King's",
           "London", "Manor", "Green", "Springfield", "Grange", "Chapel"],
}
STREET_TYPES = {
    "AU": ["Street", "Road", "Avenue", "Parade", "Crescent", "Place", "Drive", "Lane", "Court", "Terrace"],
    "US": ["Avenue", "Street", "Road", "Boulevard", "Drive", "Lane", "Court", "Way", "Place"],
    "GB": ["Street", "Road", "Lane", "Avenue", "Close", "Gardens", "Crescent", "Way", "Drive", "Terrace"],
}
STREET_ABBREV = {"Street": "St", "Road": "Rd", "Avenue": "Ave", "Drive": "Dr", "Lane": "Ln",
                 "Place": "Pl", "Crescent": "Cres", "Court": "Ct", "Boulevard": "Blvd",
                 "Parade": "Pde", "Terrace": "Tce", "Close": "Cl", "Gardens": "Gdns", "Way": "Wy"}

COUNTRY_NAMES = {
    "VN": ["Vietnam", "Viet Nam", "VN", "Việt Nam"],
    "SG": ["Singapore", "SG", "SGP"],
    "AU": ["Australia", "AU", "AUS"],
    "GB": ["United Kingdom", "UK", "GB", "England"],
    "US": ["United States", "US", "USA", "United States of America"],
}
CALLING_CODE = {"VN": "84", "SG": "65", "AU": "61", "GB": "44", "US": "1"}
TRUNK = {"84": "0", "65": "", "61": "0", "44": "0", "1": ""}

FREEMAIL = {
    "VN": {"gmail.com": 70, "yahoo.com": 10, "yahoo.com.vn": 6, "hotmail.com": 6, "outlook.com": 5, "icloud.com": 3},
    "SG": {"gmail.com": 55, "hotmail.com": 15, "yahoo.com.sg": 12, "singnet.com.sg": 5,
           "outlook.com": 8, "icloud.com": 5},
    "AU": {"gmail.com": 45, "bigpond.com": 15, "outlook.com": 10, "hotmail.com": 12,
           "icloud.com": 10, "optusnet.com.au": 8},
    "GB": {"gmail.com": 40, "hotmail.co.uk": 18, "yahoo.co.uk": 12, "btinternet.com": 12,
           "outlook.com": 10, "icloud.com": 8},
    "US": {"gmail.com": 50, "yahoo.com": 15, "outlook.com": 10, "icloud.com": 12, "aol.com": 5, "comcast.net": 8},
}
DOMAIN_TYPOS = {"gmail.com": ["gmial.com", "gmail.co", "gmai.com", "gamil.com", "gmail.con"],
                "yahoo.com": ["yaho.com", "yahoo.co", "yhoo.com"],
                "hotmail.com": ["hotmial.com", "hotmail.co", "hotmal.com"],
                "outlook.com": ["outlok.com", "outlook.co"]}
PLUS_TAGS = ["shop", "news", "promo", "sale", "2023", "online", "deals", "sg", "vn"]

JUNK = {
    "email": ["test@test.com", "noemail@gmail.com", "none@none.com", "na@na.com", "x@x.com", "N/A", "-"],
    "phone": ["0000000000", "N/A", "-", "123456789", "9999999999", "0"],
    "date": ["01/01/1900", "00/00/0000", "N/A", "-"],
    "address": ["N/A", "-", ".", "unknown", "TBC", "xxx"],
    "national_id": ["N/A", "000000000", "-", "unknown"],
}

VN_COMPANY_CORES = ["Sao Mai", "Hoàng Long", "Phú Thịnh", "Minh Phát", "An Khang", "Đại Việt",
                    "Thiên Long", "Hưng Thịnh", "Phương Nam", "Tân Phát", "Kim Long", "Thành Công",
                    "Bình Minh", "Trường Sơn", "Hải Đăng", "Ánh Dương", "Gia Huy", "Phúc An",
                    "Nhật Quang", "Hồng Hà", "Việt Hưng", "Đông Phương"]
VN_COMPANY_ACTIVITY = [("Thương mại", "Trading"), ("Thương mại Dịch vụ", "Trading Service"),
                       ("Xây dựng", "Construction"), ("Công nghệ", "Technology"),
                       ("Sản xuất", "Manufacturing"), ("Xuất nhập khẩu", "Import Export"),
                       ("Thực phẩm", "Food")]
INTL_COMPANY_WORDS = (["Lion City", "Straits", "Orchid", "Harbourfront", "Marina", "Evergreen",
                       "Summit", "Pinnacle", "Bluewater", "Redgum", "Southern Cross", "Kestrel",
                       "Highland", "Northgate", "Silver Birch", "Oakridge", "Granite", "Meridian",
                       "Keystone", "Lakeside", "Coastal", "Sterling", "Crown", "Beacon"],
                      ["Trading", "Logistics", "Supplies", "Solutions", "Consulting", "Engineering",
                       "Foods", "Retail", "Holdings", "Imports", "Services", "Technologies",
                       "Design", "Partners", "Distribution"])
COMPANY_TLD = {"VN": ".com.vn", "SG": ".com.sg", "AU": ".com.au", "GB": ".co.uk", "US": ".com"}

KEYBOARD = {
    "q": "wa", "w": "qes", "e": "wrd", "r": "etf", "t": "ryg", "y": "tuh", "u": "yij", "i": "uok",
    "o": "ipl", "p": "ol", "a": "qsz", "s": "adwx", "d": "sfe", "f": "dgr", "g": "fht",
    "h": "gjy", "j": "hku", "k": "jli", "l": "ko", "z": "ax", "x": "zcs", "c": "xvd",
    "v": "cbf", "b": "vng", "n": "bmh", "m": "nj",
}


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------

def strip_accents(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def ascii_lower(text: str) -> str:
    return "".join(c for c in strip_accents(text).lower() if c.isalnum())


def digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def weighted(rng: random.Random, table: dict):
    keys = list(table)
    weights = [table[k] if not isinstance(table[k], tuple) else table[k][0] for k in keys]
    return rng.choices(keys, weights=weights)[0]


def zipf_pick(rng: random.Random, items: list, s: float = 0.9):
    weights = [1.0 / (i + 1) ** s for i in range(len(items))]
    return rng.choices(items, weights=weights)[0]


# --------------------------------------------------------------------------
# The population
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Phone:
    cc: str  # calling code, no "+"
    nsn: str  # national significant number, no trunk prefix


@dataclass
class Address:
    country: str
    line1: str  # house number and street
    line2: str = ""  # unit / flat / apartment
    ward: str = ""  # VN ward
    district: str = ""  # VN district, SG town
    city_key: str = ""  # VN city key
    city: str = ""  # canonical city / town / metro
    locality: str = ""  # AU suburb; otherwise the city
    state: str = ""
    postcode: str = ""


@dataclass
class Company:
    core: str
    form: str  # legal form key
    country: str
    tax_id: str
    address: Address
    phone: Phone
    domain: str
    activity: tuple[str, str] = ("", "")
    owner_name: str = ""


@dataclass
class Household:
    addresses: list  # [(valid_from, Address)]
    landline: Phone | None = None
    shared_email: str = ""


@dataclass
class Person:
    entity_id: str
    culture: str
    sex: str
    dob: date
    given: str  # VN "Minh", "Wei Ming", "Muhammad Hafiz", "Min-jun"
    surname: str  # family name; Indian / Malay: father's name unless family_name
    middle: str = ""  # VN middle name, Western middle name
    alias: str = ""  # Western name used alongside (Jason Tan Wei Ming)
    family_name: bool = True  # False for patronymic Indian / Malay names
    suffix: str = ""  # "Jr"
    maiden: str = ""
    married_on: datetime | None = None
    household: Household | None = None
    mobiles: list = field(default_factory=list)  # [(valid_from, Phone)]
    emails: list = field(default_factory=list)  # [(valid_from, email)]
    work_email: str = ""
    company: Company | None = None
    national_ids: list = field(default_factory=list)  # [(valid_from, id)]
    personal_tax_id: str = ""
    emigrated_on: datetime | None = None

    @property
    def country(self) -> str:
        return self.household.addresses[-1][1].country

    def age(self) -> int:
        return (REFERENCE_NOW.date() - self.dob).days // 365

    def adult_from(self) -> datetime:
        return datetime(self.dob.year + 18, self.dob.month, min(self.dob.day, 28))

    @staticmethod
    def _at(history: list, t: datetime):
        current = history[0][1]
        for since, value in history:
            if since <= t:
                current = value
        return current

    def address_at(self, t: datetime) -> Address:
        return self._at(self.household.addresses, t)

    def mobile_at(self, t: datetime) -> Phone:
        return self._at(self.mobiles, t)

    def email_at(self, t: datetime) -> str:
        return self._at(self.emails, t) if self.emails else ""

    def national_id_at(self, t: datetime) -> str:
        return self._at(self.national_ids, t) if self.national_ids else ""

    def surname_at(self, t: datetime) -> str:
        if self.maiden and self.married_on and t < self.married_on:
            return self.maiden
        return self.surname



def nric(rng: random.Random, born: int, foreigner: bool = False) -> str:
    """Singapore NRIC / FIN with a valid check letter."""
    if foreigner:
        prefix = "F" if born < 2000 else "G"
    else:
        prefix = "S" if born < 2000 else "T"
    body = digits(rng, 7)
    total = sum(int(d) * w for d, w in zip(body, (2, 7, 6, 5, 4, 3, 2)))
    if prefix in "TG":
        total += 4
    letters = "XWUTRQPNMLK" if prefix in "FG" else "JZIHGFEDCBA"
    return f"{prefix}{body}{letters[total % 11]}"


def vn_tax_code(rng: random.Random, prefix: str) -> str:
    """Vietnamese 10-digit tax code (MST) with its check digit."""
    while True:
        body = prefix + digits(rng, 9 - len(prefix))
        rest = sum(int(d) * w for d, w in zip(body, (31, 29, 23, 19, 17, 13, 7, 5, 3))) % 11
        if rest != 0:
            return body + str((10 - rest) % 10)


def abn(rng: random.Random) -> str:
    """Australian Business Number (11 digits, mod-89 checksum)."""
    weights = (10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19)
    while True:
        tail = digits(rng, 9)
        for head in range(10, 100):
            number = f"{head}{tail}"
            values = [int(number[0]) - 1] + [int(d) for d in number[1:]]
            if sum(v * w for v, w in zip(values, weights)) % 89 == 0:
                return number


def ssn(rng: random.Random) -> str:
    area = rng.choice([a for a in range(1, 900) if a != 666])
    return f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"


def nino(rng: random.Random) -> str:
    first = rng.choice("ABCEGHJKLMNPRSTWXYZ")
    second = rng.choice("ABCEGHJKLMNPRSTWXYZ".replace("O", ""))
    return f"{first}{second}{digits(rng, 6)}{rng.choice('ABCD')}"


class Generator:
    def __init__(self, seed: int, customers: int, mix: str):
        self.rng = random.Random(seed)
        self.customers = customers
        factor = MIX_FACTOR[mix]
        self.p = {key: min(0.9, value * factor) for key, value in BASE_P.items()}
        self.people: list[Person] = []
        self.by_culture: dict[str, list[Person]] = {c: [] for c in CULTURE_WEIGHTS}
        self.companies: dict[str, list[Company]] = {c: [] for c in CALLING_CODE}
        self.email_owner: dict[str, str] = {}
        self.used_ids: dict[str, set] = {}

    # ----------------------------------------------------------- randomness

    def chance(self, key: str, scale: float = 1.0) -> bool:
        return self.rng.random() < min(0.95, self.p[key] * scale)

    def when(self, start: datetime, end: datetime) -> datetime:
        span = (end - start).total_seconds()
        return start + timedelta(seconds=int(span * self.rng.random()))

    # ----------------------------------------------------------- names

    def make_name(self, culture: str, sex: str) -> dict:
        rng = self.rng
        if culture == "vn":
            given = zipf_pick(rng, VN_GIVEN[sex], 0.55)
            middle = ""
            if rng.random() < 0.96:
                while not middle or middle == given:
                    middle = weighted(rng, VN_MIDDLE[sex])
            return {"given": given, "middle": middle, "surname": weighted(rng, VN_SURNAMES)}
        if culture == "western":
            names = [n for n, _ in WESTERN_GIVEN[sex]]
            given = zipf_pick(rng, names, 0.5)
            middle = ""
            if rng.random() < 0.6:
                while not middle or middle == given:
                    middle = zipf_pick(rng, names, 0.5)
            if rng.random() < 0.5:
                surname = zipf_pick(rng, WESTERN_SURNAMES, 0.6)
            else:
                surname = rng.choice(WESTERN_SURNAME_PARTS[0]) + rng.choice(WESTERN_SURNAME_PARTS[1])
            return {"given": given, "middle": middle, "surname": surname}
        if culture == "sg_chinese":
            first, second = SG_CHINESE_GIVEN[sex]
            alias = rng.choice(SG_CHINESE_ALIASES[sex]) if rng.random() < 0.55 else ""
            return {"given": f"{rng.choice(first)} {rng.choice(second)}",
                    "surname": weighted(rng, SG_CHINESE_SURNAMES), "alias": alias}
        if culture == "sg_indian":
            given = rng.choice(SG_INDIAN_GIVEN[sex])
            if rng.random() < 0.3:
                return {"given": given, "surname": rng.choice(SG_INDIAN_FAMILY)}
            father = given
            while father == given:
                father = rng.choice(SG_INDIAN_FATHERS)
            return {"given": given, "surname": father, "family_name": False}
        if culture == "malay":
            return {"given": rng.choice(MALAY_GIVEN[sex]), "surname": rng.choice(MALAY_FATHERS),
                    "family_name": False}
        if culture == "korean":
            alias = rng.choice(SG_CHINESE_ALIASES[sex]) if rng.random() < 0.15 else ""
            return {"given": rng.choice(KOREAN_GIVEN[sex]),
                    "surname": weighted(rng, KOREAN_SURNAMES), "alias": alias}
        return {"given": rng.choice(JAPANESE_GIVEN[sex]),
                "surname": zipf_pick(rng, JAPANESE_SURNAMES, 0.6)}

    # ----------------------------------------------------------- places

    def make_address(self, country: str, culture: str = "", city: str = "") -> Address:
        rng = self.rng
        if country == "VN":
            key = city or weighted(rng, VN_CITIES)
            district = rng.choice(list(VN_DISTRICTS[key]))
            wards = VN_DISTRICTS[key][district]
            ward = f"Phường {rng.randint(1, wards)}" if isinstance(wards, int) else f"Phường {rng.choice(wards)}"
            street = rng.choice(VN_STREETS[key])
            number = rng.randint(1, 350)
            roll = rng.random()
            line2 = ""
            if key == "hn" and roll < 0.35:
                line1 = f"Số {rng.randint(1, 80)} ngõ {number} {street}"
            elif roll < 0.30:
                line1 = f"{number}/{rng.randint(1, 60)} {street}"
            elif roll < 0.40:
                line1 = f"{number}{rng.choice('AB')} {street}"
            elif roll < 0.52:
                line1 = f"{number} {street}"
                flat = f"{rng.choice('ABC')}{rng.randint(2, 30):02d}.{rng.randint(1, 20):02d}"
                line2 = f"Căn hộ {flat}, {rng.choice(VN_BUILDINGS)}"
            else:
                line1 = f"{number} {street}"
            name = VN_CITIES[key][1]
            return Address("VN", line1, line2, ward, district, key, name, name, "", VN_CITIES[key][5])
        if country == "SG":
            if rng.random() < 0.8:
                town = rng.choice(list(SG_TOWNS))
                block = rng.randint(1, 899)
                kind = rng.choice([f"Avenue {rng.randint(1, 10)}", f"Street {rng.randint(1, 9)}{rng.randint(1, 4)}",
                                   f"Drive {rng.randint(1, 5)}", "Central", f"Road {rng.randint(1, 3)}"])
                line1 = f"Blk {block} {town} {kind}"
                line2 = f"#{rng.randint(2, 25):02d}-{rng.randint(1, 450)}"
                postcode = f"{SG_TOWNS[town]}{block:04d}"
                return Address("SG", line1, line2, district=town, city="Singapore",
                               locality="Singapore", postcode=postcode)
            road = rng.choice(list(SG_PRIVATE_ROADS))
            line1 = f"{rng.randint(1, 400)} {road}"
            line2 = f"#{rng.randint(2, 30):02d}-{rng.randint(1, 12):02d}"
            return Address("SG", line1, line2, city="Singapore", locality="Singapore",
                           postcode=SG_PRIVATE_ROADS[road] + digits(rng, 4))
        if country == "AU":
            if culture == "vn" and rng.random() < 0.6 and not city:
                suburb = rng.choice(AU_VN_SUBURBS)
                metro = next(m for m, v in AU_METROS.items() if any(s == suburb for s, _ in v[2]))
            else:
                metro = city or weighted(rng, AU_METROS)
                suburb = rng.choice(AU_METROS[metro][2])[0]
            state = AU_METROS[metro][1]
            postcode = dict(AU_METROS[metro][2])[suburb]
            line1 = f"{rng.randint(1, 250)} {rng.choice(STREET_NAMES['AU'])} {rng.choice(STREET_TYPES['AU'])}"
            line2 = f"Unit {rng.randint(1, 40)}" if rng.random() < 0.3 else ""
            return Address("AU", line1, line2, city=metro, locality=suburb, state=state, postcode=postcode)
        if country == "US":
            if culture == "vn" and rng.random() < 0.6 and not city:
                name = rng.choice(US_VN_CITIES)
            else:
                name = city or weighted(rng, US_CITIES)
            state, prefix = US_CITIES[name][1], US_CITIES[name][2]
            line1 = f"{rng.randint(100, 9999)} {rng.choice(STREET_NAMES['US'])} {rng.choice(STREET_TYPES['US'])}"
            line2 = f"Apt {rng.randint(1, 30)}{rng.choice('ABCD')}" if rng.random() < 0.3 else ""
            return Address("US", line1, line2, city=name, locality=name, state=state,
                           postcode=f"{prefix}{rng.randint(1, 99):02d}")
        town = city or weighted(rng, GB_TOWNS)
        outward = rng.choice(GB_TOWNS[town][1])
        inward = f"{rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
        line1 = f"{rng.randint(1, 180)} {rng.choice(STREET_NAMES['GB'])} {rng.choice(STREET_TYPES['GB'])}"
        line2 = f"Flat {rng.randint(1, 24)}" if rng.random() < 0.25 else ""
        return Address("GB", line1, line2, city=town, locality=town, postcode=f"{outward} {inward}")

    def city_of(self, address: Address) -> str:
        return address.city_key if address.country == "VN" else address.city

    # ----------------------------------------------------------- phones

    def make_mobile(self, address: Address) -> Phone:
        rng = self.rng
        country = address.country
        if country == "VN":
            return Phone("84", rng.choice(VN_MOBILE_PREFIXES)[1:] + digits(rng, 7))
        if country == "SG":
            return Phone("65", rng.choice("89") + digits(rng, 7))
        if country == "AU":
            return Phone("61", "4" + digits(rng, 8))
        if country == "GB":
            return Phone("44", "7" + rng.choice("456789") + digits(rng, 8))
        area = rng.choice(US_CITIES[address.city][3])
        return Phone("1", area + rng.choice("23456789") + digits(rng, 6))

    def make_landline(self, address: Address) -> Phone:
        rng = self.rng
        country = address.country
        if country == "VN":
            area = VN_CITIES[address.city_key][3]
            return Phone("84", area + rng.choice("3568") + digits(rng, 9 - len(area)))
        if country == "SG":
            return Phone("65", "6" + digits(rng, 7))
        if country == "AU":
            return Phone("61", AU_METROS[address.city][3] + rng.choice("3456789") + digits(rng, 7))
        if country == "GB":
            area = GB_TOWNS[address.city][2]
            return Phone("44", area + rng.choice("2345789") + digits(rng, 9 - len(area)))
        area = rng.choice(US_CITIES[address.city][3])
        return Phone("1", area + rng.choice("23456789") + digits(rng, 6))

    # ----------------------------------------------------------- email

    def email_locals(self, p: Person) -> list[str]:
        given = ascii_lower(p.alias or p.given) if p.culture != "vn" else ascii_lower(p.given)
        sur = ascii_lower(p.surname)
        yy = f"{p.dob.year % 100:02d}"
        if p.culture == "vn":
            middle = ascii_lower(p.middle)
            initials = sur[:1] + middle[:1]
            return [f"{sur}{middle}{given}", f"{given}{initials}", f"{initials}{given}",
                    f"{given}.{sur}", f"{given}{sur}{p.dob.year}", f"{given}{initials}{yy}",
                    f"{sur}{given}{yy}", f"{given}{sur}"]
        if p.culture == "sg_chinese":
            parts = p.given.lower().split()
            joined = "".join(parts)
            initials = "".join(x[0] for x in parts)
            alias = ascii_lower(p.alias)
            options = [f"{joined}.{sur}", f"{sur}{joined}", f"{initials}{sur}", f"{sur}.{joined}{yy}"]
            if alias:
                options += [f"{alias}.{sur}", f"{alias}{sur}{initials}", f"{alias}_{sur}"]
            return options
        if p.culture in ("sg_indian", "malay"):
            short = ascii_lower(p.given.split()[-1])
            return [f"{short}.{sur}", f"{short}{sur[:1]}", f"{sur[:1]}{short}", f"{short}_{yy}",
                    f"{given}{sur}"]
        return [f"{given}.{sur}", f"{given}{sur}", f"{given}_{sur}", f"{given[:1]}{sur}",
                f"{given}.{sur}{yy}", f"{given}{sur[:1]}", f"{sur}.{given}", f"{given}{p.dob.year}"]

    def register_email(self, local: str, domain: str, owner: str) -> str:
        email = f"{local}@{domain}"
        while self.email_owner.get(email, owner) != owner:
            email = f"{local}{self.rng.randint(1, 999)}@{domain}"
        self.email_owner[email] = owner
        return email

    def make_email(self, p: Person, country: str) -> str:
        local = self.rng.choice(self.email_locals(p))
        return self.register_email(local, weighted(self.rng, FREEMAIL[country]), p.entity_id)

    def make_work_email(self, p: Person, domain: str) -> str:
        given = ascii_lower(p.alias or p.given.split()[-1])
        sur = ascii_lower(p.surname)
        if p.culture == "vn":
            given = ascii_lower(p.given)
            local = self.rng.choice([f"{given}.{sur}", f"{given}{sur[:1]}{ascii_lower(p.middle)[:1]}", f"{given}"])
        else:
            local = self.rng.choice([f"{given}.{sur}", f"{given[:1]}{sur}", f"{given}"])
        return self.register_email(local, domain, p.entity_id)

    # ----------------------------------------------------------- identifiers

    def make_national_ids(self, p: Person, home: Address) -> list:
        rng = self.rng
        born = p.dob.year
        if p.culture == "vn" and (p.country == "VN" or p.emigrated_on):
            city = home.city_key if home.country == "VN" else rng.choice(["hcm", "hn"])
            century = (0 if born < 2000 else 2) + (0 if p.sex == "M" else 1)
            cccd = f"{VN_CITIES[city][4]}{century}{born % 100:02d}{digits(rng, 6)}"
            ids = [(EPOCH, cccd)]
            if born < 2004:
                switch = self.when(datetime(2016, 1, 1), datetime(2023, 6, 30))
                ids = [(EPOCH, "0" + digits(rng, 8) if city in ("hcm", "hn") else digits(rng, 9)), (switch, cccd)]
            if p.emigrated_on:
                ids.append((p.emigrated_on, self.foreign_id(p, p.country)))
            return ids
        return [(EPOCH, self.foreign_id(p, p.country))]

    def foreign_id(self, p: Person, country: str) -> str:
        rng = self.rng
        if country == "SG":
            citizen = p.culture in ("sg_chinese", "sg_indian", "malay")
            return nric(rng, p.dob.year, foreigner=not citizen)
        if country == "US":
            return ssn(rng)
        if country == "GB":
            return nino(rng)
        if country == "AU":
            return rng.choice(["PA", "PB", "N"]) + digits(rng, 7)
        # a foreigner living in Vietnam: passport of their own country
        if p.culture == "korean":
            return "M" + digits(rng, 8)
        if p.culture == "japanese":
            return "T" + rng.choice("KRZ") + digits(rng, 7)
        if p.culture in ("sg_chinese", "sg_indian", "malay"):
            return "K" + digits(rng, 7) + rng.choice("ABCDEFGHJK")
        return rng.choice(["PA", "N", ""]) + digits(rng, 7 if rng.random() < 0.5 else 9)

    # ----------------------------------------------------------- companies

    def make_company(self, country: str, owner: Person | None) -> Company:
        rng = self.rng
        address = self.make_address(country)
        if country == "VN":
            form = weighted(rng, {"tnhh": 50, "cp": 30, "hkd": 20 if owner else 0})
            core = rng.choice(VN_COMPANY_CORES)
            activity = rng.choice(VN_COMPANY_ACTIVITY)
            if form == "hkd":
                if not owner.personal_tax_id:
                    owner.personal_tax_id = vn_tax_code(rng, "8")
                tax = owner.personal_tax_id
            else:
                tax = vn_tax_code(rng, {"hcm": "03", "hn": "01", "dn": "04"}.get(address.city_key, "0"))
            domain = ascii_lower(core) + rng.choice([".com.vn", ".vn"])
            owner_name = f"{owner.surname} {owner.middle} {owner.given}".replace("  ", " ") if owner else ""
            return Company(core, form, country, tax, address, self.make_landline(address), domain,
                           activity, owner_name)
        core = f"{rng.choice(INTL_COMPANY_WORDS[0])} {rng.choice(INTL_COMPANY_WORDS[1])}"
        form = {"SG": "pte", "AU": "pty", "GB": "ltd"}.get(country) or rng.choice(["llc", "inc"])
        if country == "SG":
            tax = f"{rng.randint(1995, 2023)}{digits(rng, 5)}{rng.choice('ABCDEGHKMNRWZ')}"
        elif country == "AU":
            tax = abn(rng)
        elif country == "GB":
            tax = "GB" + digits(rng, 9)
        else:
            tax = f"{rng.randint(10, 99)}-{digits(rng, 7)}"
        office = {"SG": f"#{rng.randint(2, 30):02d}-{rng.randint(1, 20):02d}", "AU": f"Level {rng.randint(1, 40)}",
                  "GB": f"Unit {rng.randint(1, 30)}", "US": f"Suite {rng.randint(1, 20)}00"}[country]
        address.line2 = office
        domain = ascii_lower(core) + COMPANY_TLD[country]
        return Company(core, form, country, tax, address, self.make_landline(address), domain)

    def assign_company(self, p: Person) -> None:
        pool = self.companies[p.country]
        if pool and self.rng.random() < 0.35:
            company = self.rng.choice(pool)
        else:
            company = self.make_company(p.country, p)
            pool.append(company)
        p.company = company
        p.work_email = self.make_work_email(p, company.domain)

    # ----------------------------------------------------------- people

    def pick_dob(self, lo: int = 18, hi: int = 80) -> date:
        age = lo + int(self.rng.betavariate(2, 3.2) * (hi - lo))
        born = REFERENCE_NOW.date() - timedelta(days=age * 365 + self.rng.randint(0, 364))
        return born

    def new_person(self, culture: str, country: str, sex: str = "", dob: date | None = None,
                   household: Household | None = None, name: dict | None = None) -> Person:
        rng = self.rng
        sex = sex or rng.choice("MF")
        city = ""
        if name is None:
            peers = [q for q in self.by_culture[culture] if q.sex == sex]
            if peers and household is None and self.chance("namesake"):
                twin = rng.choice(peers)
                name = {"given": twin.given, "middle": twin.middle, "surname": twin.surname,
                        "alias": twin.alias, "family_name": twin.family_name}
                if twin.country == country and rng.random() < 0.5:
                    city = self.city_of(twin.address_at(REFERENCE_NOW))
            else:
                name = self.make_name(culture, sex)
        p = Person(f"E{len(self.people) + 1:06d}", culture, sex, dob or self.pick_dob(), **name)
        if household is None:
            household = self.make_household(p, country, city)
        p.household = household
        home = household.addresses[-1][1]
        if culture == "vn" and country != "VN" and not p.alias and rng.random() < 0.4:
            p.alias = rng.choice(VN_ALIASES[sex])
        # mobile history: emigration, then possibly a changed number
        p.mobiles = [(EPOCH, self.make_mobile(home))]
        if len(household.addresses) > 1 and household.addresses[0][1].country != home.country:
            p.emigrated_on = household.addresses[1][0]
            p.mobiles.insert(0, (EPOCH, self.make_mobile(household.addresses[0][1])))
            p.mobiles[1] = (p.emigrated_on, p.mobiles[1][1])
        if self.chance("phone_changed"):
            p.mobiles.append((self.when(datetime(2016, 1, 1), REFERENCE_NOW), self.make_mobile(home)))
            p.mobiles.sort(key=lambda item: item[0])
        # email history
        first = self.make_email(p, home.country)
        p.emails = [(EPOCH, first)]
        if self.chance("email_changed"):
            local = first.split("@")[0]
            provider = weighted(rng, FREEMAIL[home.country])
            if provider != first.split("@")[1]:
                new = self.register_email(local, provider, p.entity_id)
                p.emails.append((self.when(datetime(2016, 1, 1), REFERENCE_NOW), new))
        p.national_ids = self.make_national_ids(p, home)
        if country == "VN" and culture == "vn" and p.age() >= 22 and rng.random() < 0.3:
            p.personal_tax_id = vn_tax_code(rng, "8")
        if 23 <= p.age() <= 66 and rng.random() < 0.12:
            self.assign_company(p)
        elif 22 <= p.age() <= 65 and rng.random() < 0.12:
            employer = f"{rng.choice(INTL_COMPANY_WORDS[0])}{rng.choice(INTL_COMPANY_WORDS[1])}"
            p.work_email = self.make_work_email(p, ascii_lower(employer) + COMPANY_TLD[home.country])
        self.people.append(p)
        self.by_culture[culture].append(p)
        return p

    def make_household(self, p: Person, country: str, city: str = "") -> Household:
        rng = self.rng
        home = self.make_address(country, p.culture, city)
        addresses = [(EPOCH, home)]
        if self.chance("moved"):
            roll = rng.random()
            if roll < 0.6:
                old = self.make_address(country, p.culture, self.city_of(home))
            elif roll < 0.9:
                old = self.make_address(country, p.culture)
            else:
                old = self.make_address(rng.choice(list(CALLING_CODE)), p.culture)
            addresses = [(EPOCH, old), (self.when(datetime(2015, 1, 1), datetime(2025, 3, 1)), home)]
        if p.culture == "vn" and country != "VN" and rng.random() < 0.35:
            # emigrated from Vietnam: older records carry the Vietnamese address
            emigrated = self.when(datetime(2013, 1, 1), datetime(2023, 12, 31))
            addresses = [(EPOCH, self.make_address("VN", "vn")), (emigrated, home)]
        landline = None
        if rng.random() < (0.45 if p.age() >= 40 else 0.2):
            landline = self.make_landline(home)
        return Household(addresses, landline)

    def add_household(self, primary: Person) -> None:
        rng = self.rng
        hh = primary.household
        country = primary.country
        members = []
        if primary.age() >= 23 and rng.random() < 0.85:
            sex = "F" if primary.sex == "M" else "M"
            age = max(18, min(85, primary.age() + rng.randint(-6, 6)))
            culture = primary.culture if rng.random() < 0.85 else weighted(rng, CULTURE_WEIGHTS)
            spouse = self.new_person(culture, country, sex, self.pick_dob(age, age + 1), hh)
            wife, husband = (spouse, primary) if sex == "F" else (primary, spouse)
            if wife.culture in ("western", "japanese") and rng.random() < 0.85:
                younger = max(wife.dob, husband.dob)
                wed_from = max(datetime(younger.year + 21, 1, 1), datetime(1985, 1, 1))
                if wed_from < REFERENCE_NOW - timedelta(days=400):
                    wife.maiden, wife.surname = wife.surname, husband.surname
                    wife.married_on = self.when(wed_from, REFERENCE_NOW - timedelta(days=365))
            members.append(spouse)
        if primary.age() >= 42:
            parents = [primary] + members
            father = next((m for m in parents if m.sex == "M"), primary)
            youngest_parent = min(m.age() for m in parents)
            for _ in range(rng.choice([0, 1, 1, 2]) if youngest_parent >= 38 else 0):
                age = rng.randint(18, youngest_parent - 20)
                sex = rng.choice("MF")
                name = self.make_name(father.culture, sex)
                if father.culture in ("sg_indian", "malay") and not father.family_name and father.sex == "M":
                    name["surname"] = father.given
                    name["family_name"] = False
                elif father.family_name:
                    name["surname"] = father.surname
                    name["family_name"] = True
                if father.culture == "western" and father.sex == sex == "M" and self.chance("junior"):
                    name.update(given=father.given, middle=father.middle, suffix="Jr")
                members.append(self.new_person(father.culture, country, sex, self.pick_dob(age, age + 1), hh, name))
        if members and self.chance("shared_email"):
            hh.shared_email = primary.email_at(REFERENCE_NOW)

    def build_population(self) -> None:
        rng = self.rng
        while len(self.people) < self.customers:
            culture = weighted(rng, CULTURE_WEIGHTS)
            country = weighted(rng, RESIDENCE[culture])
            primary = self.new_person(culture, country)
            if self.chance("household"):
                self.add_household(primary)
            if (primary.culture == "western" and primary.sex == "F" and primary.age() >= 24
                    and not primary.maiden and self.chance("married_name")):
                primary.maiden = primary.surname
                primary.surname = self.make_name("western", "M")["surname"]
                primary.married_on = self.when(datetime(2016, 1, 1), datetime(2025, 1, 1))
        del self.people[self.customers:]

    # ======================================================================
    # Rendering: how one system writes one customer at time t
    # ======================================================================

    def present(self, value, fill: float = 1.0):
        """The value, or blank when the system did not capture it."""
        if value in ("", None) or self.rng.random() >= fill or self.chance("missing"):
            return ""
        return value

    def junk(self, kind: str, value):
        return self.rng.choice(JUNK[kind]) if value and self.chance("junk") else value

    def typo(self, text: str) -> str:
        rng = self.rng
        positions = [i for i, c in enumerate(text) if c.isalpha()]
        if len(positions) < 4:
            return text
        i = rng.choice(positions[1:])
        c = text[i]
        near = KEYBOARD.get(strip_accents(c).lower(), "aeiou")
        op = rng.choice(("insert", "delete", "transpose", "substitute"))
        if op == "delete":
            return text[:i] + text[i + 1:]
        if op == "insert":
            return text[:i] + rng.choice(near) + text[i:]
        if op == "transpose" and i + 1 < len(text) and text[i + 1].isalpha():
            return text[:i] + text[i + 1] + c + text[i + 2:]
        new = rng.choice(near)
        return text[:i] + (new.upper() if c.isupper() else new) + text[i + 1:]

    # ----------------------------------------------------------- names

    def finish_name(self, text: str, ascii_habit: float = 0.0) -> str:
        if not text:
            return text
        if self.rng.random() < ascii_habit or self.chance("accents_dropped"):
            text = strip_accents(text)
        if self.chance("name_typo"):
            text = self.typo(text)
        if self.chance("name_upper"):
            text = text.upper()
        if self.chance("unicode_nfd"):
            text = unicodedata.normalize("NFD", text)
        return text

    def pick(self, options: dict) -> str:
        keys = [k for k, w in options.items() if w > 0]
        return self.rng.choices(keys, weights=[options[k] for k in keys])[0]

    def spell(self, word: str, table: dict, scale: float = 1.0) -> str:
        if word in table and self.chance("romanization", scale):
            return self.rng.choice(table[word])
        return word

    def nick(self, given: str) -> str:
        if given in NICKNAMES and self.chance("nickname"):
            return self.rng.choice(NICKNAMES[given])
        return given

    def surname_for(self, p: Person, t: datetime) -> str:
        if p.maiden and p.married_on and t >= p.married_on:
            if self.chance("stale_maiden"):
                return p.maiden
            if self.chance("hyphenated"):
                return f"{p.maiden}-{p.surname}"
        return p.surname_at(t)

    def korean_given(self, given: str) -> str:
        roll = self.rng.random()
        if roll < 0.5:
            return given
        if roll < 0.8:
            return given.replace("-", "").capitalize()
        return given.replace("-", " ").title()

    def malay_parts(self, p: Person) -> tuple[str, str, str]:
        words = [self.spell(w, MALAY_SPELLINGS, 3.0) for w in p.given.split()]
        given = " ".join(words)
        short = " ".join(words[1:]) if len(words) > 1 else given
        if p.sex == "M":
            link = self.pick({"bin": 80, "Bin": 10, "b.": 5, "B.": 5})
        else:
            link = self.pick({"binti": 60, "binte": 10, "bte": 15, "bt": 5, "Binti": 10})
        return given, short, link

    def indian_link(self, p: Person) -> str:
        base = "s/o" if p.sex == "M" else "d/o"
        return self.pick({base: 70, base.upper(): 25, base.capitalize(): 5})

    def full_name(self, p: Person, t: datetime, local_vn: bool, habit: float) -> str:
        """A one-field name as a system writes it; local_vn: a Vietnamese-run system."""
        rng = self.rng
        sur = self.surname_for(p, t)
        culture = p.culture
        if culture == "vn":
            middle = p.middle
            if middle and self.chance("middle_dropped", 0.3 if local_vn else 1.0):
                middle = ""
            abroad = p.country != "VN"
            order = self.pick({"native": 95 if local_vn else (85 if not abroad else 40),
                               "given_first": 5 if local_vn else (15 if not abroad else 45),
                               "alias": 15 if p.alias and abroad else 0})
            if order == "alias":
                text = f"{self.nick(p.alias)} {sur}" if rng.random() < 0.7 else f"{p.alias} {p.given} {sur}"
            elif order == "given_first":
                text = " ".join(x for x in (middle if rng.random() < 0.3 else "", p.given, sur) if x)
            else:
                text = " ".join(x for x in (sur, middle, p.given) if x)
        elif culture == "western":
            given = self.nick(p.given)
            middle = p.middle if p.middle and rng.random() < 0.4 and not self.chance("middle_dropped") else ""
            if self.chance("initials"):
                if middle and rng.random() < 0.5:
                    middle = middle[0] + "."
                else:
                    given = given[0] + rng.choice([".", ""])
            suffix = rng.choice([" Jr", " Jr.", " Junior"]) if p.suffix and rng.random() < 0.5 else ""
            if local_vn and p.country == "VN" and rng.random() < 0.3:
                text = " ".join(x for x in (sur, p.given, p.middle) if x).upper()  # passport style
            elif self.chance("name_swapped"):
                rest = " ".join(x for x in (given, middle) if x)
                text = rng.choice([f"{sur}, {rest}", f"{sur.upper()} {rest}"])
            else:
                text = " ".join(x for x in (given, middle, sur) if x) + suffix
        elif culture == "sg_chinese":
            given = p.given
            if self.chance("romanization"):
                given = rng.choice([given.replace(" ", "").capitalize(), given.replace(" ", "-")])
            alias = self.nick(p.alias) if p.alias else ""
            style = self.pick({"native": 50, "upper": 8, "western": 12, "alias_native": 15 if alias else 0,
                               "alias_sur": 10 if alias else 0, "native_alias": 5 if alias else 0})
            text = {"native": f"{sur} {given}", "upper": f"{sur.upper()} {given}",
                    "western": f"{given} {sur}", "alias_native": f"{alias} {sur} {given}",
                    "alias_sur": f"{alias} {sur}", "native_alias": f"{sur} {given} {alias}"}[style]
        elif culture == "sg_indian":
            given = p.given
            if p.family_name:
                text = self.pick({f"{given} {sur}": 85, f"{sur} {given}": 5, f"{given[0]}. {sur}": 5, given: 5})
            else:
                text = self.pick({f"{given} {self.indian_link(p)} {sur}": 35, f"{given} {sur}": 40, given: 10,
                                  f"{sur[0]}. {given}": 10, f"{given} {sur[0]}": 5})
        elif culture == "malay":
            given, short, link = self.malay_parts(p)
            text = self.pick({f"{given} {link} {sur}": 40, f"{given} {sur}": 25, f"{short} {link} {sur}": 10,
                              f"{short} {sur}": 10, given: 15})
        elif culture == "korean":
            given = self.korean_given(p.given)
            sur = self.spell(sur, KOREAN_SPELLINGS)
            if local_vn:
                text = self.pick({f"{sur} {given.replace('-', ' ')}".upper(): 30, f"{sur} {given}": 40,
                                  f"{given} {sur}": 30})
            else:
                text = self.pick({f"{given} {sur}": 70, f"{sur} {given}": 30,
                                  f"{p.alias} {sur}": 30 if p.alias else 0})
        else:
            given = self.spell(p.given, JAPANESE_SPELLINGS)
            sur = self.spell(sur, JAPANESE_SPELLINGS)
            text = self.pick({f"{given} {sur}": 60, f"{sur} {given}": 25, f"{sur.upper()} {given}": 15})
        return self.finish_name(text, habit)

    def first_last(self, p: Person, t: datetime, habit: float) -> tuple[str, str]:
        """First and last name as typed into a Western-style form."""
        rng = self.rng
        sur = self.surname_for(p, t)
        culture = p.culture
        if culture == "vn":
            with_middle = f"{p.middle} {p.given}".strip()
            pair = {"middle_given": (with_middle, sur), "given": (p.given, sur), "swapped": (sur, with_middle),
                    "alias": (self.nick(p.alias) if p.alias else "", sur)}[self.pick(
                        {"middle_given": 35, "given": 40, "swapped": 8, "alias": 17 if p.alias else 0})]
        elif culture == "western":
            given = self.nick(p.given)
            if p.middle and rng.random() < 0.08 and not self.chance("middle_dropped"):
                given = f"{given} {p.middle}" if rng.random() < 0.6 else f"{given} {p.middle[0]}."
            elif self.chance("initials", 0.5):
                given = given[0] + rng.choice([".", ""])
            last = sur + (rng.choice([" Jr", " Jr."]) if p.suffix and rng.random() < 0.3 else "")
            pair = (last, given) if self.chance("name_swapped", 0.5) else (given, last)
        elif culture == "sg_chinese":
            given = p.given
            if self.chance("romanization"):
                given = given.replace(" ", "").capitalize()
            alias = self.nick(p.alias) if p.alias else ""
            pair = {"native": (given, sur), "alias": (alias, sur), "alias_given": (f"{alias} {given}", sur),
                    "swapped": (sur, given), "all_first": (f"{sur} {given}", "")}[self.pick(
                        {"native": 45, "alias": 25 if alias else 0, "alias_given": 10 if alias else 0,
                         "swapped": 10, "all_first": 3})]
        elif culture == "sg_indian":
            if p.family_name:
                pair = (p.given, sur)
            else:
                pair = self.rng.choices([(p.given, sur), (p.given, f"{self.indian_link(p)} {sur}"), (p.given, ""),
                                         (sur, p.given)], weights=[55, 15, 10, 5])[0]
        elif culture == "malay":
            given, short, link = self.malay_parts(p)
            pair = self.rng.choices([(given, sur), (given, f"{link} {sur}"), (short, sur), (given, ""),
                                     (f"{given} {link} {sur}", "")], weights=[40, 25, 15, 10, 10])[0]
        elif culture == "korean":
            pair = (self.korean_given(p.given), self.spell(sur, KOREAN_SPELLINGS))
            if rng.random() < 0.15:
                pair = (pair[1], pair[0])
        else:
            pair = (self.spell(p.given, JAPANESE_SPELLINGS), self.spell(sur, JAPANESE_SPELLINGS))
            if rng.random() < 0.15:
                pair = (pair[1], pair[0])
        first, last = pair
        habit = 1.0 if rng.random() < habit else 0.0  # one keyboard for both fields
        return self.finish_name(first, habit), self.finish_name(last, habit)

    def honorific(self, p: Person) -> str:
        rng = self.rng
        old = p.age() >= 40
        if p.culture == "vn" and p.country == "VN":
            if p.sex == "M":
                return "Ông" if old else rng.choice(["Anh", "Anh", "Ông"])
            return "Bà" if old else rng.choice(["Chị", "Chị", "Cô"])
        if p.culture == "malay":
            return rng.choice(["Encik", "En."]) if p.sex == "M" else rng.choice(["Puan", "Pn.", "Cik"])
        if p.sex == "M":
            return rng.choice(["Mr", "Mr", "Mr.", "MR", "Dr"])
        if p.culture == "sg_chinese":
            return rng.choice(["Ms", "Mdm", "Mrs", "Ms."])
        return rng.choice(["Mrs", "Ms", "Miss", "Mrs.", "Ms.", "Dr"])

    # ----------------------------------------------------------- email

    def render_email(self, p: Person, t: datetime, work: bool = False, tag_scale: float = 1.0) -> str:
        rng = self.rng
        if work and p.work_email:
            email = p.work_email
        else:
            email = p.email_at(t)
            shared = p.household.shared_email
            if shared and shared != email and rng.random() < 0.5:
                email = shared
            if p.work_email and self.chance("work_email"):
                email = p.work_email
        local, domain = email.split("@")
        if domain == "gmail.com" and self.chance("gmail_dots"):
            if "." in local:
                local = local.replace(".", "")
            elif len(local) > 3:
                cut = rng.randint(1, len(local) - 1)
                local = f"{local[:cut]}.{local[cut:]}"
        if domain in ("gmail.com", "outlook.com", "icloud.com") and self.chance("plus_tag", tag_scale):
            local = f"{local}+{rng.choice(PLUS_TAGS)}"
        if self.chance("email_typo"):
            if domain in DOMAIN_TYPOS and rng.random() < 0.6:
                domain = rng.choice(DOMAIN_TYPOS[domain])
            else:
                local = self.typo(local)
        email = f"{local}@{domain}"
        if self.chance("email_upper"):
            email = email.upper() if rng.random() < 0.4 else email[0].upper() + email[1:]
        return self.junk("email", email)

    # ----------------------------------------------------------- phones

    @staticmethod
    def phone_groups(ph: Phone) -> list[str]:
        """The number in national notation, grouped the way locals write it."""
        n = ph.nsn
        if ph.cc == "84":
            nat = "0" + n
            if n[:2] in ("28", "24"):
                return [nat[:3], nat[3:7], nat[7:]]
            return [nat[:4], nat[4:7], nat[7:]]
        if ph.cc == "65":
            return [n[:4], n[4:]]
        if ph.cc == "61":
            if n.startswith("4"):
                return ["0" + n[:3], n[3:6], n[6:]]
            return [f"(0{n[0]})", n[1:5], n[5:]]
        if ph.cc == "44":
            if n.startswith("7"):
                return ["0" + n[:4], n[4:]]
            if n[:2] in ("20", "29", "28"):
                return ["0" + n[:2], n[2:6], n[6:]]
            return ["0" + n[:3], n[3:6], n[6:]]
        return [f"({n[:3]})", f"{n[3:6]}-{n[6:]}"]

    def format_phone(self, ph: Phone, style: str) -> str:
        groups = self.phone_groups(ph)
        plain = [g.strip("()") for g in groups]
        trunk = TRUNK[ph.cc]
        intl = [plain[0][len(trunk):] if trunk and plain[0].startswith(trunk) else plain[0]] + plain[1:]
        intl = [g for g in intl if g]
        if style == "nat_spaced":
            return " ".join(groups)
        if style == "nat_plain":
            return trunk + ph.nsn
        if style == "nat_dashed":
            return "-".join(plain)
        if style == "nat_dotted":
            return ".".join(g.replace("-", ".") for g in plain)
        if style == "intl_spaced":
            return f"+{ph.cc} " + " ".join(intl)
        if style == "intl_plain":
            return f"+{ph.cc}{ph.nsn}"
        if style == "intl_noplus":
            return f"{ph.cc}{ph.nsn}"
        if style == "intl_00":
            return f"00{ph.cc} " + " ".join(intl)
        if style == "intl_paren":
            return f"(+{ph.cc}) {ph.nsn}"
        return f"+{ph.cc} (0)" + " ".join(intl)  # intl_trunk

    def render_phone(self, p: Person, t: datetime, region: str, local_style: str, intl_style: str,
                     landline_scale: float = 1.0, phone: Phone | None = None) -> str:
        rng = self.rng
        ph = phone or p.mobile_at(t)
        if phone is None and p.household.landline and self.chance("landline", landline_scale):
            ph = p.household.landline
        prefix = "0" + ph.nsn[:2]
        if ph.cc == "84" and prefix in VN_LEGACY_PREFIX and (t < VN_MOBILE_SWITCH or self.chance("legacy_kept")):
            ph = Phone("84", VN_LEGACY_PREFIX[prefix][1:] + ph.nsn[2:])
        national = ["nat_spaced", "nat_plain", "nat_dashed", "nat_dotted"]
        international = ["intl_spaced", "intl_plain", "intl_noplus", "intl_00", "intl_paren"]
        if TRUNK[ph.cc] == "0":
            international.append("intl_trunk")
        if CALLING_CODE[region] == ph.cc:
            style = local_style
            if self.chance("phone_format"):
                style = rng.choice(national + international)
        else:
            style = intl_style
            if self.chance("phone_no_cc"):
                style = rng.choice(national)
            elif self.chance("phone_format"):
                style = rng.choice(international)
        return self.junk("phone", self.format_phone(ph, style))

    # ----------------------------------------------------------- dates

    def dob_value(self, p: Person) -> date | None:
        """The date of birth as entered (maybe swapped or a 1900 placeholder), or None."""
        if self.chance("dob_missing"):
            return None
        if self.chance("junk"):
            return date(1900, 1, 1)
        d = p.dob
        if self.chance("dob_swapped") and d.day <= 12 and d.day != d.month:
            d = date(d.year, d.day, d.month)
        return d

    def render_dob(self, p: Person, order: str) -> str:
        d = self.dob_value(p)
        if d is None:
            return ""
        if d.year == 1900 and self.rng.random() < 0.5:
            return self.rng.choice(JUNK["date"])
        if order == "month_first":
            styles = {"usual": f"{d.month:02d}/{d.day:02d}/{d.year}", "short": f"{d.month}/{d.day}/{d.year}",
                      "iso": d.isoformat(), "dashed": f"{d.month:02d}-{d.day:02d}-{d.year}",
                      "text": d.strftime("%b %d, %Y")}
        else:
            styles = {"usual": f"{d.day:02d}/{d.month:02d}/{d.year}", "short": f"{d.day}/{d.month}/{d.year}",
                      "iso": d.isoformat(), "dashed": f"{d.day:02d}-{d.month:02d}-{d.year}",
                      "dotted": f"{d.day:02d}.{d.month:02d}.{d.year}", "text": d.strftime("%d %b %Y")}
        if self.chance("dob_format"):
            return styles[self.rng.choice([k for k in styles if k != "usual"])]
        return styles["usual"]

    # ----------------------------------------------------------- addresses

    def street(self, text: str) -> str:
        if self.chance("address_format"):
            text = " ".join(STREET_ABBREV.get(w, w) for w in text.split())
        if self.chance("address_typo"):
            text = self.typo(text)
        return text

    def vn_line1(self, a: Address, ascii_only: bool = False) -> str:
        line = a.line1
        if self.chance("address_format"):
            line = line.removeprefix("Số ") if line.startswith("Số ") else self.rng.choice(
                [line, line.replace(" ", " đường ", 1), line.replace(" ", " Đường ", 1)])
        if self.chance("address_typo"):
            line = self.typo(line)
        return strip_accents(line) if ascii_only else line

    def vn_ward(self, ward: str) -> str:
        name = ward.removeprefix("Phường ")
        if not self.chance("address_format"):
            return ward
        if name.isdigit():
            return self.rng.choice([f"P.{name}", f"P{name}", f"P. {name}", f"phường {name}", f"F.{name}"])
        return self.rng.choice([f"P. {name}", f"P.{name}", name, f"phường {name}"])

    def vn_district(self, district: str) -> str:
        if not self.chance("address_format"):
            return district
        if district.startswith("Quận "):
            name = district[5:]
            if name.isdigit():
                return self.rng.choice([f"Q.{name}", f"Q{name}", f"Q. {name}", f"quận {name}"])
            return self.rng.choice([f"Q. {name}", f"Q.{name}", name])
        name = district.removeprefix("TP. ")
        return self.rng.choice([name, f"TP {name}", f"Thành phố {name}"])

    def vn_city(self, key: str, english: bool = False) -> str:
        if english:
            return self.rng.choice(VN_CITY_ENGLISH[key])
        if self.chance("address_format"):
            return self.rng.choice(VN_CITIES[key][2])
        return VN_CITIES[key][1]

    def unit_line(self, a: Address) -> str:
        line2 = a.line2
        if not line2 or not self.chance("address_format"):
            return line2
        if a.country == "SG":
            return self.rng.choice([line2.lstrip("#"), line2.replace("#", "# "), line2])
        if a.country == "US":
            number = line2.split()[-1]
            return self.rng.choice([f"Apt. {number}", f"#{number}", f"Unit {number}", f"APT {number}"])
        return line2

    def postcode(self, a: Address) -> str:
        code = a.postcode
        if self.chance("address_format"):
            if a.country == "GB":
                code = self.rng.choice([code.replace(" ", ""), code.lower()])
            elif a.country == "US":
                code = f"{code}-{digits(self.rng, 4)}"
        return code

    def sg_line1(self, a: Address) -> str:
        line = a.line1
        if line.startswith("Blk ") and self.chance("address_format"):
            line = self.rng.choice(["Block ", "BLK ", "", "Blk. "]) + line[4:]
        return self.street(line)

    def one_line_address(self, a: Address, with_city: float) -> str:
        """A single free-text address line (customer service, invoicing)."""
        rng = self.rng
        if a.country == "VN":
            parts = [self.vn_line1(a)]
            if a.line2 and rng.random() < 0.6:
                parts.insert(0, a.line2)
            parts += [self.vn_ward(a.ward), self.vn_district(a.district)]
            if rng.random() < with_city:
                parts.append(self.vn_city(a.city_key))
            return ", ".join(parts)
        if a.country == "SG":
            text = f"{self.sg_line1(a)} {self.unit_line(a)}"
            if rng.random() < with_city:
                text += rng.choice([f" Singapore {a.postcode}", f", Singapore {a.postcode}", f" S({a.postcode})"])
            return text
        line1 = self.street(a.line1)
        if a.country == "AU":
            text = line1
            if a.line2:
                number = a.line2.split()[-1]
                text = rng.choice([f"{number}/{line1}", f"Unit {number}, {line1}", f"U{number} {line1}"])
            if rng.random() < with_city:
                text += f", {a.locality} {a.state} {self.postcode(a)}"
            return text
        if a.country == "US":
            text = f"{line1} {self.unit_line(a)}".strip()
            if rng.random() < with_city:
                text += f", {a.city}, {a.state} {self.postcode(a)}"
            return text
        text = f"{a.line2}, {line1}" if a.line2 else line1
        if rng.random() < with_city:
            text += f", {a.city} {self.postcode(a)}"
        return text

    def country_name(self, country: str) -> str:
        names = COUNTRY_NAMES[country]
        return self.rng.choice(names[1:]) if self.chance("address_format") else names[0]

    # ----------------------------------------------------------- companies and ids

    def company_name(self, c: Company) -> str:
        rng = self.rng
        if c.country == "VN":
            vn_act, en_act = c.activity
            if c.form == "hkd":
                name = f"Hộ kinh doanh {c.owner_name}"
                variants = [f"HKD {c.owner_name}", name.upper(), strip_accents(name)]
            elif c.form == "tnhh":
                name = f"Công ty TNHH {vn_act} {c.core}"
                variants = [f"Cty TNHH {vn_act} {c.core}", name.upper(), f"{strip_accents(c.core)} {en_act} Co., Ltd",
                            f"{strip_accents(c.core)} {en_act} Company Limited", f"CÔNG TY TNHH {c.core.upper()}"]
            else:
                name = f"Công ty Cổ phần {vn_act} {c.core}"
                variants = [f"CTCP {vn_act} {c.core}", f"Công ty CP {vn_act} {c.core}", name.upper(),
                            f"{strip_accents(c.core)} {en_act} JSC",
                            f"{strip_accents(c.core)} {en_act} Joint Stock Company"]
        else:
            forms = {"pte": ["Pte Ltd", "Pte. Ltd.", "PTE LTD", "Private Limited"],
                     "pty": ["Pty Ltd", "Pty. Ltd.", "PTY LTD", "Pty Limited"],
                     "ltd": ["Ltd", "Limited", "Ltd.", "LTD"],
                     "llc": ["LLC", "L.L.C.", "LLC.", "llc"],
                     "inc": ["Inc", "Inc.", "Incorporated", "INC"]}[c.form]
            name = f"{c.core} {forms[0]}"
            variants = [f"{c.core} {f}" for f in forms[1:]] + [f"{c.core} {forms[0]}".upper(), c.core]
        text = rng.choice(variants) if self.chance("address_format") else name
        return self.typo(text) if self.chance("name_typo") else text

    def tax_id(self, c: Company) -> str:
        tax = c.tax_id
        if not self.chance("address_format"):
            return tax
        if c.country == "VN":
            return self.rng.choice([f"{tax}-001", f"{tax[:4]} {tax[4:7]} {tax[7:]}", f"MST: {tax}"])
        if c.country == "AU":
            return f"{tax[:2]} {tax[2:5]} {tax[5:8]} {tax[8:]}"
        if c.country == "GB":
            return f"GB {tax[2:5]} {tax[5:9]} {tax[9:]}"
        if c.country == "US":
            return tax.replace("-", "")
        return tax.lower()

    def national_id(self, p: Person, t: datetime) -> str:
        value = p.national_id_at(t)
        if value and self.chance("address_format"):
            if value[0] in "STFG" and len(value) == 9:  # NRIC / FIN
                value = value.lower()
            elif "-" in value:  # SSN
                value = value.replace("-", "")
            elif len(value) == 12 and value.isdigit():  # CCCD
                value = f"{value[:3]} {value[3:6]} {value[6:9]} {value[9:]}"
            elif len(value) == 9 and value[:2].isalpha() and value[2:8].isdigit() and value[8].isalpha():  # NINO
                value = f"{value[:2]} {value[2:4]} {value[4:6]} {value[6:8]} {value[8]}"
        return self.junk("national_id", value)

    # ======================================================================
    # The five systems
    # ======================================================================

    def earlier(self, t: datetime, max_days: int, source: str) -> datetime:
        """A creation time before t, not before the system went live."""
        start = max(SOURCE_START[source], t - timedelta(days=max_days))
        return t if t <= start else self.when(start, t)

    def habit(self, p: Person, source: str) -> float:
        """How often this system holds the customer's name typed without accents."""
        in_vn, abroad = ASCII_HABIT[source]
        return in_vn if p.country == "VN" else abroad

    def row_webshop(self, p: Person, t: datetime) -> dict:
        rng = self.rng
        a = p.address_at(t)
        first, last = self.first_last(p, t, self.habit(p, "webshop"))
        state = ""
        if a.country == "VN":
            ascii_only = rng.random() < 0.6
            line1 = self.vn_line1(a, ascii_only)
            line2 = ", ".join(x for x in (a.line2 if rng.random() < 0.5 else "", self.vn_ward(a.ward),
                                          self.vn_district(a.district)) if x)
            line2 = strip_accents(line2) if ascii_only else line2
            suburb = self.vn_city(a.city_key, english=True)
            postcode = a.postcode if rng.random() < 0.3 else ""
        elif a.country == "SG":
            line1, line2, suburb, postcode = self.sg_line1(a), self.unit_line(a), "Singapore", a.postcode
        elif a.country == "AU":
            line1, line2 = self.street(a.line1), a.line2
            if line2 and self.chance("address_format"):
                line1, line2 = f"{line2.split()[-1]}/{line1}", ""
            suburb, state, postcode = a.locality, a.state, a.postcode
            if self.chance("address_format", 0.3):
                state = AU_STATE_NAMES[state]
            if self.chance("address_format", 0.3):
                suburb = suburb.upper()
        elif a.country == "US":
            line1, line2 = self.street(a.line1), self.unit_line(a)
            suburb, state, postcode = a.city, a.state, self.postcode(a)
        else:
            line1, line2 = self.street(a.line1), a.line2
            if line2 and self.chance("address_format"):
                line1, line2 = f"{line2}, {line1}", ""
            suburb, postcode = a.city, self.postcode(a)
        created = self.earlier(t, 1500, "webshop")
        return {
            "first_name": first,
            "last_name": last,
            "email": self.present(self.render_email(p, t), 0.97),
            "phone": self.present(self.render_phone(p, t, "AU", "nat_spaced", "intl_spaced"), 0.85),
            "birth_date": self.present(self.render_dob(p, "month_first"), 0.45),
            "company": self.company_name(p.company) if p.company and rng.random() < 0.3 else "",
            "addr_line1": self.present(self.junk("address", line1), 0.97),
            "addr_line2": line2,
            "suburb": self.present(suburb, 0.97),
            "state": state,
            "postcode": self.present(postcode, 0.95),
            "country": self.present(self.country_name(a.country), 0.9),
            "created_at": local_time(created, "Australia/Sydney"),
            "last_modified": local_time(t, "Australia/Sydney"),
            "marketing_opt_in": rng.choice(["Y", "N", "Y"]),
            "orders_count": rng.randint(1, 40),
        }

    def row_erp_vn(self, p: Person, t: datetime) -> dict:
        rng = self.rng
        a = p.address_at(t)
        habit = self.habit(p, "erp_vn")
        if a.country == "VN":
            street = self.vn_line1(a)
            if a.line2 and rng.random() < 0.6:
                street = f"{a.line2}, {street}"
            ward, district, city = self.vn_ward(a.ward), self.vn_district(a.district), self.vn_city(a.city_key)
            if rng.random() < habit:
                street, ward, district, city = map(strip_accents, (street, ward, district, city))
        else:
            street, ward, district = self.one_line_address(a, 0.0), "", ""
            city = a.locality if a.country == "AU" and rng.random() < 0.4 else a.city
        created = self.earlier(t, 2500, "erp_vn")
        return {
            "ho_ten": self.full_name(p, t, True, habit),
            "gioi_tinh": self.present({"M": "Nam", "F": "Nữ"}[p.sex], 0.8),
            "ngay_sinh": self.present(self.render_dob(p, "day_first"), 0.75),
            "so_dien_thoai": self.present(self.render_phone(p, t, "VN", "nat_plain", "intl_plain", 1.5), 0.93),
            "email": self.present(self.render_email(p, t), 0.5),
            "so_nha_duong": self.present(self.junk("address", street), 0.95),
            "phuong_xa": ward,
            "quan_huyen": district,
            "tinh_thanh": self.present(city, 0.97),
            "ma_so_thue": self.present(p.personal_tax_id, 0.6),
            "so_cccd": self.present(self.national_id(p, t), 0.5),
            "ngay_tao": local_time(created, "Asia/Ho_Chi_Minh"),
            "ngay_cap_nhat": local_time(t, "Asia/Ho_Chi_Minh"),
            "ghi_chu": rng.choice(["", "", "", "", "Khách quen", "VIP", "Giao giờ hành chính",
                                   "Gọi trước khi giao"]),
        }

    def row_newsletter(self, p: Person, t: datetime) -> dict:
        rng = self.rng
        first, last = self.first_last(p, t, self.habit(p, "newsletter"))
        has_first = rng.random() < 0.75
        signed_up = self.earlier(t, 900, "newsletter")
        return {
            "email": self.render_email(p, t, tag_scale=2.0),
            "first_name": self.present(first if has_first else "", 1.0),
            "last_name": self.present(last if has_first else "", 0.55),
            "country": self.present(self.country_name(p.address_at(t).country), 0.6),
            "mobile": self.present(self.render_phone(p, t, "SG", "intl_plain", "intl_plain"), 0.2),
            "subscribed_at": utc_iso(signed_up),
            "updated_at": utc_iso(t),
            "source": rng.choice(["footer", "checkout", "popup", "instore_qr", "event"]),
            "status": rng.choice(["subscribed"] * 8 + ["unsubscribed", "bounced"]),
        }

    def row_care(self, p: Person, t: datetime) -> dict:
        rng = self.rng
        a = p.address_at(t)
        habit = self.habit(p, "care")
        name = self.full_name(p, t, p.country == "VN", habit)
        if rng.random() < 0.55:
            title = self.honorific(p)
            if title in ("Anh", "Chị", "Cô") and rng.random() < 0.3:
                name = self.finish_name(f"{title} {p.given}", habit)  # "Chị Lan": given name only
            else:
                name = f"{title} {name}"
        if a.country == "VN":
            city = self.vn_city(a.city_key, english=rng.random() < 0.1)
        elif a.country == "AU":
            city = a.locality if rng.random() < 0.4 else a.city
        else:
            city = a.city
        return {
            "contact_name": name,
            "phone": self.present(self.render_phone(p, t, "VN", "nat_spaced", "intl_spaced", 1.5), 0.9),
            "email": self.present(self.render_email(p, t), 0.5),
            "dob": self.dob_value(p) if rng.random() < 0.35 else None,
            "address_text": self.present(self.junk("address", self.one_line_address(a, 0.4)), 0.55),
            "city": self.present(city, 0.6),
            "id_document": self.present(self.national_id(p, t), 0.25),
            "last_interaction": datetime.fromisoformat(local_time(t, "Asia/Ho_Chi_Minh")),
            "channel": rng.choice(["hotline", "hotline", "chat", "email", "store", "zalo", "facebook"]),
            "ticket_count": rng.randint(1, 12),
        }

    def row_invoicing(self, p: Person, t: datetime) -> dict:
        rng = self.rng
        c = p.company
        a = c.address
        contact = self.full_name(p, t, False, self.habit(p, "invoicing"))
        if rng.random() < 0.2:
            contact = f"{rng.choice(['Mr', 'Mr.']) if p.sex == 'M' else rng.choice(['Ms', 'Mrs', 'Ms.'])} {contact}"
        if rng.random() < 0.5:
            phone = self.render_phone(p, t, "SG", "nat_spaced", "intl_spaced", 0.0, phone=c.phone)
        else:
            phone = self.render_phone(p, t, "SG", "nat_spaced", "intl_spaced", 0.0)
        if a.country == "VN":
            city = self.vn_city(a.city_key, english=rng.random() < 0.5)
            postcode = a.postcode if rng.random() < 0.3 else ""
        else:
            city, postcode = a.city, self.postcode(a)
        offset = "+08:00"
        return {
            "company_name": self.company_name(c),
            "tax_registration": self.present(self.tax_id(c), 0.92),
            "contact_person": contact,
            "contact_email": self.present(self.render_email(p, t, work=rng.random() < 0.85), 0.95),
            "contact_phone": self.present(phone, 0.9),
            "billing_address": self.present(self.one_line_address(a, 0.0), 0.97),
            "billing_city": self.present(city, 0.95),
            "billing_postcode": self.present(postcode, 0.9),
            "country_code": a.country,
            "last_invoice_at": local_time(t, "Asia/Singapore").replace(" ", "T") + offset,
            "credit_terms": rng.choice(["NET30", "NET30", "NET14", "COD", "NET60"]),
            "currency": {"VN": "VND", "SG": "SGD", "AU": "AUD", "GB": "GBP", "US": "USD"}[c.country],
        }

    # ======================================================================
    # Assembly
    # ======================================================================

    def pick_sources(self, p: Person) -> list[str]:
        rng = self.rng
        in_vn = p.country == "VN"
        lived_in_vn = p.household.addresses[0][1].country == "VN"
        probs = {
            "invoicing": 0.92 if p.company else 0.0,
            "erp_vn": 0.9 if in_vn else (0.6 if lived_in_vn else (0.08 if p.culture == "vn" else 0.03)),
            "webshop": 0.3 if in_vn else 0.88,
            "care": 0.45,
            "newsletter": 0.5,
        }
        chosen = [name for name, prob in probs.items() if rng.random() < prob]
        if not chosen:
            chosen = ["erp_vn" if in_vn else "webshop"]
        while len(chosen) > 4:
            chosen.remove(rng.choice([s for s in chosen if s != "invoicing"]))
        return chosen

    def record_time(self, p: Person, source: str) -> datetime:
        lo = max(SOURCE_START[source], p.adult_from())
        hi = REFERENCE_NOW
        history = p.household.addresses
        if source == "erp_vn" and p.country != "VN" and history[0][1].country == "VN" and len(history) > 1:
            hi = history[1][0]  # the Vietnamese shop knew them before they left
        if hi <= lo:
            lo = hi - timedelta(days=30)
        t = lo + (hi - lo) * (self.rng.random() ** 0.6)
        return t.replace(microsecond=0)

    def new_id(self, source: str) -> str:
        rng = self.rng
        used = self.used_ids.setdefault(source, set())
        while True:
            if source == "webshop":
                value = str(rng.randint(100000, 999999))
            elif source == "erp_vn":
                value = f"KH{rng.randint(1, 999999):06d}"
            elif source == "newsletter":
                value = f"nl_{rng.getrandbits(40):010x}"
            elif source == "care":
                value = f"CS-{rng.randint(1, 9999999):07d}"
            else:
                value = f"ACC-{rng.randint(10000, 99999)}"
            if value not in used:
                used.add(value)
                return value

    def render(self, source: str, p: Person, t: datetime) -> dict:
        row = getattr(self, f"row_{source}")(p, t)
        return {ID_COLUMN[source]: self.new_id(source), **row}

    def build_records(self) -> dict[str, list]:
        """Per source: [entity_id or None, row] pairs (None = broken row)."""
        rng = self.rng
        rows: dict[str, list] = {spec["name"]: [] for spec in SOURCES}
        for p in self.people:
            for source in self.pick_sources(p):
                copies = 2 if self.chance("dup_in_source", DUP_SCALE[source]) else 1
                for _ in range(copies):
                    rows[source].append([p.entity_id, self.render(source, p, self.record_time(p, source))])
        by_id = {p.entity_id: p for p in self.people}
        for source, records in rows.items():
            id_col = ID_COLUMN[source]
            good = list(records)
            for kind in ("blank_id", "repeat_id"):
                for _ in range(max(1, round(len(good) * self.p[kind]))):
                    p = by_id[rng.choice(good)[0]]
                    row = self.render(source, p, self.record_time(p, source))
                    row[id_col] = "" if kind == "blank_id" else rng.choice(good)[1][id_col]
                    records.append([None, row])
            rng.shuffle(records)
        return rows

    def write(self, out: Path, rows: dict[str, list]) -> list[tuple[str, str, str]]:
        out.mkdir(parents=True, exist_ok=True)
        truth = []
        for spec in SOURCES:
            name, id_col = spec["name"], spec["id_column"]
            records = rows[name]
            counts: dict[str, int] = {}
            for _, row in records:
                counts[row[id_col]] = counts.get(row[id_col], 0) + 1
            for entity, row in records:
                if entity and row[id_col] and counts[row[id_col]] == 1:
                    truth.append((name, row[id_col], entity))
            columns = list(records[0][1])
            path = out / spec["path"]
            if spec["format"] == "csv":
                with open(path, "w", newline="", encoding=spec.get("encoding", "utf-8")) as handle:
                    writer = csv.writer(handle, delimiter=spec.get("delimiter", ","))
                    writer.writerow(columns)
                    for _, row in records:
                        writer.writerow(["" if row[c] is None else row[c] for c in columns])
            elif spec["format"] == "jsonl":
                with open(path, "w", encoding="utf-8") as handle:
                    for _, row in records:
                        obj = {c: (None if row[c] == "" else row[c]) for c in columns}
                        if self.rng.random() < 0.3:  # sparse exports leave empty keys out
                            obj = {c: v for c, v in obj.items() if v is not None or c == id_col}
                        handle.write(json.dumps(obj, ensure_ascii=False) + "\n")
            else:
                frame = pd.DataFrame([{c: (None if row[c] == "" else row[c]) for c in columns}
                                      for _, row in records], columns=columns)
                frame.to_parquet(path, index=False)
        config = {"sources": [{k: v for k, v in spec.items()} for spec in SOURCES]}
        (out / "sources.yaml").write_text(
            "# Written by bench/independent_sample_intl.py; paths are relative to this file.\n"
            + yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
        with open(out / "truth.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["source", "source_id", "entity_id"])
            writer.writerows(truth)
        return truth


def verify(out: Path, truth: list[tuple[str, str, str]]) -> None:
    """Re-read the written files and check truth.csv against the ids a reader would accept."""
    expected = {}
    for spec in SOURCES:
        path = out / spec["path"]
        if spec["format"] == "csv":
            frame = pd.read_csv(path, sep=spec.get("delimiter", ","), encoding=spec.get("encoding", "utf-8"),
                                dtype=str, keep_default_na=False)
        elif spec["format"] == "jsonl":
            frame = pd.read_json(path, lines=True, dtype=False)
        else:
            frame = pd.read_parquet(path)
        ids = frame[spec["id_column"]].map(lambda v: "" if v is None or pd.isna(v) else str(v).strip())
        counts = ids.value_counts()
        expected[spec["name"]] = {i for i in ids if i and counts[i] == 1}
        missing = [c for cols in spec["fields"].values() for c in ([cols] if isinstance(cols, str) else cols)
                   if c not in frame.columns]
        assert not missing, f"{spec['name']}: mapped columns missing from the file: {missing}"
    listed: dict[str, set] = {name: set() for name in expected}
    for source, source_id, _ in truth:
        assert source_id not in listed[source], f"{source}/{source_id} listed twice in truth"
        listed[source].add(source_id)
    for name in expected:
        assert listed[name] == expected[name], f"{name}: truth ids differ from the accepted ids"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--mix", choices=list(MIX_FACTOR), default="default")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)

    gen = Generator(args.seed, args.customers, args.mix)
    gen.build_population()
    rows = gen.build_records()
    truth = gen.write(args.out, rows)
    verify(args.out, truth)

    total = sum(len(r) for r in rows.values())
    print(f"wrote {args.out}: {len(gen.people)} customers, {total} rows, {len(truth)} in truth.csv")
    for spec in SOURCES:
        records = rows[spec["name"]]
        accepted = sum(1 for s, _, _ in truth if s == spec["name"])
        print(f"  {spec['name']:<11} {spec['format']:<8} {len(records):>6} rows, {accepted:>6} accepted")
    spread: dict[int, int] = {}
    systems: dict[str, set] = {}
    for source, _, entity in truth:
        systems.setdefault(entity, set()).add(source)
    for names in systems.values():
        spread[len(names)] = spread.get(len(names), 0) + 1
    print("  customers by number of systems:", dict(sorted(spread.items())))


if __name__ == "__main__":
    main()
