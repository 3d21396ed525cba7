"""Independent sample generator: customer extracts of a Vietnamese business, with the truth.

What it is: a synthetic customer base (Vietnamese customers and 15-25% international ones, households,
B2B buyers) held in five source systems with their own schemas -- an ERP customer master (CSV), a
call-centre CRM (CSV), a loyalty app (JSONL), a web-shop order export (Parquet) and a point-of-sale
export (CSV) -- with the source config that maps them (`sources.yaml`) and the truth (`truth.csv`:
source,source_id,entity_id). Every real-world variation has a probability, scaled by --mix.

Why it exists: `sample_data/generate.py` was written by the team that tuned the matcher, so its quirks
may be over-fitted. This file was written only from the public contract (the source-config format, the
canonical fields, the truth format) and a list of real-world variations, without reading the product's
code, rules, notes or own generator, so the model can be judged on data it was never tuned on.

Usage:
    python bench/independent_sample.py --seed 1 --customers 5000 --out /tmp/indep/s1 \
        [--mix default|clean|messy]
    mdm reconcile --sources /tmp/indep/s1/sources.yaml --db /tmp/indep/s1.duckdb
    mdm evaluate --db /tmp/indep/s1.duckdb --truth /tmp/indep/s1/truth.csv

Deterministic for a seed: one random.Random, no global random state, no network.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import string
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import yaml


def weighted(text: str) -> list[tuple[str, float]]:
    """ "Nguyễn:38 Trần:11" -> [("Nguyễn", 38.0), ("Trần", 11.0)]"""
    return [(w.split(":")[0], float(w.split(":")[1])) for w in text.split()]


# ---- People ---------------------------------------------------------------------------------------------
FAMILY = weighted("Nguyễn:38 Trần:11 Lê:9.5 Phạm:7 Hoàng:3 Huỳnh:2.1 Phan:4.5 Vũ:2.4 Võ:2.6 Đặng:2.1 Bùi:2 "
                  "Đỗ:1.4 Hồ:1.3 Ngô:1.3 Dương:1 Lý:0.5 Đinh:0.7 Trương:0.8 Đoàn:0.5 Trịnh:0.5 Đào:0.4 "
                  "Lương:0.3 Mai:0.4 Lâm:0.4 Hà:0.4 Cao:0.3 Lưu:0.3 Tạ:0.2 Châu:0.2 Thái:0.2 Tô:0.2 "
                  "Quách:0.1 Vương:0.1 Kiều:0.1 La:0.1")
MIDDLE = {"M": weighted("Văn:30 Minh:12 Đức:10 Hữu:8 Quốc:7 Thanh:6 Công:5 Quang:5 Xuân:4 Hoàng:4 Trung:4 "
                        "Tuấn:3 Ngọc:3 Anh:3 Gia:3 Bảo:2 Nhật:2 Thành:2"),
          "F": weighted("Thị:45 Ngọc:10 Thanh:7 Thu:7 Minh:5 Kim:5 Hồng:5 Bích:4 Mỹ:4 Phương:4 Thùy:4 "
                        "Hoài:3 Khánh:3 Diệu:2 Bảo:2 Gia:2 Quỳnh:2 Hải:2")}
OLD_STYLE_MIDDLE = ("Văn", "Thị")  # given this much less often to people born from 1990 on:
OLD_STYLE_AFTER_1990 = 0.4
GIVEN = {"M": ("An Anh Bách Bảo Bình Chiến Công Cường Danh Dũng Duy Đạt Định Đông Đức Giang Hải Hào Hậu "
               "Hiển Hiếu Hiệp Hòa Hoàng Hùng Hưng Huy Khải Khang Khánh Khoa Khôi Kiên Kiệt Lâm Lộc Long "
               "Luân Lực Mạnh Minh Nam Nghĩa Nguyên Nhân Nhật Phát Phong Phúc Phước Quân Quang Quý Sang "
               "Sơn Tài Tâm Tân Thái Thắng Thành Thiện Thịnh Thông Tiến Toàn Trí Triều Trọng Trung Tú "
               "Tuấn Tùng Tường Việt Vinh Vũ").split(),
         "F": ("Anh Ánh Bích Cúc Châu Chi Đào Diệp Dung Duyên Giang Hà Hạnh Hằng Hiền Hoa Hồng Huệ Hương "
               "Hường Huyền Khánh Kiều Lan Lệ Liên Linh Loan Ly Mai My Nga Ngân Ngọc Nguyệt Nhàn Nhi "
               "Nhiên Nhung Oanh Phương Phượng Quyên Quỳnh Sương Tâm Thảo Thanh Thoa Thơ Thư Thu Thương "
               "Thúy Thủy Tiên Trà Trâm Trang Trinh Tuyết Uyên Vân Vi Vy Xuân Yến").split()}
POPULAR_GIVEN = set("Anh Linh Huy Nam Tuấn Minh Hương Trang Hùng Dũng Hà Lan Thảo Ngọc Phương Long Hải "
                    "Mai".split())  # three times as likely as the others
HONORIFICS = {"M": ["Ông", "Anh", "Mr", "Mr.", "Dr"], "F": ["Bà", "Chị", "Mrs", "Ms", "Ms.", "Dr"]}
INTL_HONORIFICS = {"M": ["Mr", "Mr.", "Dr"], "F": ["Mrs", "Ms", "Ms.", "Miss", "Dr"]}
# culture: (weight, family name first?, male given, female given, family names, home countries);
# "_" joins a two-syllable given name
INTL = {
    "en": (30, False, "James John Michael David Daniel Thomas Andrew Matthew Ryan Peter Mark Paul Robert "
           "William Richard Steven Kevin Brian Jason Adam Simon Chris Ben Sam Luke",
           "Emily Sarah Jessica Emma Olivia Sophie Laura Rachel Hannah Kate Anna Claire Lucy Amy Megan "
           "Rebecca Charlotte Grace Chloe Amanda Nicole Helen Jennifer Lisa Karen",
           "Smith Johnson Brown Williams Jones Taylor Wilson Davies Miller Anderson Clarke Walker Evans "
           "Thomas Roberts Hughes Lewis Harris Martin Moore White Hall Green Baker Wood Turner Cooper Hill "
           "Scott Young", ["US", "GB", "AU"]),
    "zh": (22, True, "Wei_Ming Jun_Jie Zhi_Hao Kai_Wen Yong_Sheng Jian_Guo Wei_Jie Jia_Wei Zi_Xuan Hao_Ran "
           "Yi_Chen Jun_Hao Chee_Keong Boon_Huat Kok_Leong",
           "Jia_Hui Xin_Yi Mei_Ling Hui_Min Li_Na Shu_Fen Xiao_Min Yu_Ting Jing_Yi Pei_Shan Siew_Ling "
           "Hui_Ling Wan_Ting Yan_Ni Li_Ying",
           "Tan Lim Lee Ng Wong Chen Wang Zhang Liu Goh Chua Ong Teo Koh Chan Yeo Huang Lin Zhao Wu Sim Low",
           ["SG", "CN"]),
    "ko": (18, True, "Min-jun Seo-jun Ji-hoon Hyun-woo Dong-hyun Jae-won Sung-min Jun-ho Tae-yang Woo-jin "
           "Sang-hoon Young-ho Jin-woo Kyung-soo", "Ji-woo Seo-yeon Min-ji Soo-bin Ha-eun Yu-na Ji-yeon "
           "Eun-ji Hye-jin So-young Mi-kyung Su-jin Da-eun Yeon-woo",
           "Kim Lee Park Choi Jung Kang Cho Yoon Jang Lim Han Oh Seo Shin Kwon Hwang Song", ["KR"]),
    "ja": (12, False, "Haruto Yuto Sota Takumi Kenji Hiroshi Daiki Ren Kaito Takeshi Satoshi Ryo Shota "
           "Kazuki",
           "Yui Sakura Aoi Hina Yuki Naomi Mei Rin Haruka Ayaka Misaki Nanami Emi Keiko",
           "Sato Suzuki Takahashi Tanaka Watanabe Ito Yamamoto Nakamura Kobayashi Kato Yoshida Yamada "
           "Sasaki Matsumoto Inoue Kimura", ["JP"]),
    "fr": (8, False, "Jean Pierre Louis Nicolas Julien Antoine François Thomas Hugo Mathieu Olivier Philippe "
           "Laurent Guillaume", "Marie Camille Léa Chloé Sophie Élodie Hélène Manon Julie Céline Isabelle "
           "Nathalie Aurélie Margaux", "Martin Bernard Dubois Robert Richard Petit Durand Leroy Moreau "
           "Lefèvre Simon Laurent Michel Garcia Fournier Girard Bonnet Rousseau", ["FR"]),
    "in": (10, False, "Rahul Amit Arjun Vikram Rohan Sanjay Karthik Rajesh Suresh Anil Deepak Manish Aditya "
           "Nikhil", "Priya Anjali Neha Pooja Divya Kavya Sneha Ananya Lakshmi Meera Shreya Deepika Sunita "
           "Aishwarya", "Sharma Patel Singh Kumar Gupta Reddy Iyer Nair Mehta Shah Rao Joshi Verma Menon "
           "Pillai Das Banerjee", ["IN"]),
}

# ---- Places ---------------------------------------------------------------------------------------------
# key: (weight, landline area code, CCCD province code, tax-id prefix, postcode, aliases, districts
#       (Quận ...; none where wards sit directly under the city), named wards (None: numbered wards))
CITIES = {
    "hcm": (42, "028", "079", "03", "70000", ["TP.HCM", "TP HCM", "TP. Hồ Chí Minh", "Hồ Chí Minh", "HCMC",
            "Sài Gòn", "Ho Chi Minh City", "Tp.HCM", "Thành phố Hồ Chí Minh"],
            ["1", "3", "5", "7", "10", "Bình Thạnh", "Phú Nhuận", "Tân Bình", "Gò Vấp"], None),
    "hn": (30, "024", "001", "01", "10000", ["Hà Nội", "Ha Noi", "Hanoi", "TP. Hà Nội", "HN"],
           ["Ba Đình", "Hoàn Kiếm", "Đống Đa", "Cầu Giấy", "Hai Bà Trưng", "Thanh Xuân"],
           ["Láng Hạ", "Dịch Vọng", "Kim Mã", "Trung Hòa", "Khương Mai", "Bạch Mai"]),
    "dn": (7, "0236", "048", "04", "50000", ["Đà Nẵng", "Da Nang", "TP. Đà Nẵng", "Danang"],
           ["Hải Châu", "Thanh Khê", "Sơn Trà"], ["Hòa Thuận Đông", "Thạch Thang", "An Hải Bắc"]),
    "hp": (5, "0225", "031", "02", "04000", ["Hải Phòng", "Hai Phong", "TP. Hải Phòng"],
           ["Lê Chân", "Ngô Quyền", "Hồng Bàng"], ["An Biên", "Máy Tơ", "Hoàng Văn Thụ"]),
    "ct": (5, "0292", "092", "18", "94000", ["Cần Thơ", "Can Tho", "TP. Cần Thơ"],
           ["Ninh Kiều", "Cái Răng", "Bình Thủy"], ["Tân An", "Xuân Khánh", "An Hòa"]),
    "nt": (4, "0258", "056", "42", "57000", ["Nha Trang", "Khánh Hòa", "Nha Trang, Khánh Hòa"], [],
           ["Lộc Thọ", "Vĩnh Hải", "Phước Hòa"]),
    "hue": (3.5, "0234", "046", "33", "49000", ["Huế", "Hue", "TP. Huế", "Thừa Thiên Huế"], [],
            ["Vĩnh Ninh", "Phú Hội", "Thuận Thành"]),
    "bh": (3.5, "0251", "075", "36", "76000", ["Biên Hòa", "Bien Hoa", "Biên Hòa, Đồng Nai"], [],
           ["Tân Phong", "Trảng Dài", "Quyết Thắng"]),
}
STREETS = ["Nguyễn Trãi", "Lê Lợi", "Trần Hưng Đạo", "Hai Bà Trưng", "Lý Thường Kiệt", "Quang Trung",
           "Lê Duẩn", "Nguyễn Huệ", "Điện Biên Phủ", "Cách Mạng Tháng Tám", "Hùng Vương", "Phan Chu Trinh",
           "Bạch Đằng", "Võ Văn Tần", "Nguyễn Văn Cừ", "Lạc Long Quân", "Hoàng Diệu", "Nguyễn Thị Minh Khai",
           "Pasteur", "Lê Văn Sỹ", "Phan Đình Phùng", "Trường Chinh", "Nguyễn Du", "Bà Triệu", "Lê Thánh Tôn",
           "Tôn Đức Thắng", "Nguyễn Chí Thanh", "Giải Phóng", "Ngô Quyền", "Nguyễn Văn Linh"]
WARD_PREFIX = ["Phường ", "Phường ", "P. ", "P."]  # a numbered ward is also written F.5
DISTRICT_PREFIX = ["Quận ", "Quận ", "Q. ", "Q."]
STREET_PREFIX = ["Đường ", "Đ. ", "đường "]
VN_COUNTRY = ["Việt Nam", "Vietnam", "VN", "Viet Nam"]
# code: (aliases, phone pattern, [(city, postcode pattern)], street pattern, streets, company suffix);
# in patterns '#' is a digit and '@' an upper-case letter
COUNTRIES = {
    "US": (["United States", "USA", "US"], "+1 415 2##-####",
           [("New York", "100##"), ("San Francisco", "941##"), ("Houston", "770##")], "{n} {s} Street",
           ["Main", "Oak", "Maple", "Park", "Washington"], "Inc."),
    "GB": (["United Kingdom", "UK", "GB"], "+44 79## ######",
           [("London", "SW# #@@"), ("Manchester", "M# #@@")], "{n} {s} Road",
           ["Church", "Station", "Victoria", "Baker"], "Ltd"),
    "AU": (["Australia", "AU"], "+61 41# ### ###", [("Sydney", "2###"), ("Melbourne", "3###")],
           "{n} {s} Street", ["George", "Collins", "Pitt", "King"], "Pty Ltd"),
    "SG": (["Singapore", "SG"], "+65 91## ####", [("Singapore", "5#####")], "Blk {n} {s}",
           ["Tampines Ave 4", "Bedok North Rd", "Jurong West St 52"], "Pte. Ltd."),
    "CN": (["China", "CN", "PRC"], "+86 13# #### ####", [("Shanghai", "200###"), ("Beijing", "100###")],
           "No. {n} {s}", ["Nanjing Road", "Huaihai Road"], "Co., Ltd."),
    "KR": (["South Korea", "Korea", "KR"], "+82 10-####-####", [("Seoul", "0####"), ("Busan", "4####")],
           "{n} {s}", ["Teheran-ro", "Gangnam-daero"], "Co., Ltd."),
    "JP": (["Japan", "JP"], "+81 90-5###-####", [("Tokyo", "1##-####"), ("Osaka", "5##-####")], "{n} {s}",
           ["Shibuya", "Shinjuku", "Umeda"], "K.K."),
    "FR": (["France", "FR"], "+33 6 1# ## ## ##", [("Paris", "750##"), ("Lyon", "6900#")], "{n} {s}",
           ["rue de Rivoli", "avenue Victor Hugo"], "SARL"),
    "IN": (["India", "IN"], "+91 98### #####", [("Mumbai", "400###"), ("Bangalore", "560###")], "{n} {s}",
           ["MG Road", "Linking Road", "Brigade Road"], "Pvt. Ltd."),
}

# ---- Phones, e-mails, companies, extras -----------------------------------------------------------------
MOBILE_PREFIXES = ("086 096 097 098 032 033 034 035 036 037 038 039 088 091 094 081 082 083 084 085 090 093 "
                   "070 076 077 078 079 092 056 058 099 059").split()
OLD_PLAN = {**{f"03{d}": f"016{d}" for d in "23456789"}, "070": "0120", "079": "0121", "077": "0122",
            "076": "0126", "078": "0128", "083": "0123", "084": "0124", "085": "0125", "081": "0127",
            "082": "0129", "056": "0186", "058": "0188", "059": "0199"}  # today's prefix -> pre-2018 one
CONVERSION_DAY = datetime(2018, 9, 15)  # 11-digit mobiles became 10-digit ones in late 2018
GARBAGE_PHONES = ["n/a", "123", "0000000000", "chưa có", "-", "0"]
EMAIL_DOMAINS = weighted("gmail.com:60 yahoo.com:12 hotmail.com:6 outlook.com:5 icloud.com:4 yahoo.com.vn:5 "
                         "fpt.vn:2 vnn.vn:1")
BRANDS = ["Minh Phát", "Hoàng Long", "Sao Việt", "An Khang", "Thành Công", "Phú Thịnh", "Đại Việt",
          "Tân Tiến", "Hưng Thịnh", "Kim Cương", "Bình Minh", "Trường Sơn", "Nam Á", "Việt Hàn", "Hòa Bình",
          "Phương Đông", "Thiên Long", "Gia Huy"]
BUSINESSES = ["Thương mại", "Thương mại Dịch vụ", "Xây dựng", "Công nghệ", "Xuất nhập khẩu", "Vận tải",
              "Thực phẩm", ""]
COMPANY_STYLES = {"TNHH": ["Công ty TNHH {biz} {brand}", "CÔNG TY TNHH {BIZ} {BRAND}",
                           "CTY TNHH {biz} {brand}", "Cty TNHH {brand}", "{ascii} Co., Ltd",
                           "{ascii} Company Limited", "Công ty Trách nhiệm hữu hạn {biz} {brand}"],
                  "CP": ["Công ty Cổ phần {biz} {brand}", "CTCP {biz} {brand}", "CTCP {brand}", "{ascii} JSC",
                         "{ascii} Joint Stock Company", "CÔNG TY CP {BIZ} {BRAND}"]}
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
ERP_GROUPS = ["Khách lẻ", "Thân thiết", "Đại lý"]
CRM_AGENTS = ["thuy.nt", "hung.lv", "mai.pt", "bot"]
CRM_REASONS = ["Bảo hành", "Khiếu nại", "Tư vấn", "Đổi trả", ""]
POS_STORES = ["CH Quận 1", "CH Cầu Giấy", "CH Hải Châu", "CH Ninh Kiều", "Online"]

# ---- Rates ----------------------------------------------------------------------------------------------
INTL_SHARE, EXPAT_SHARE, B2B_SHARE, SHARED_COMPANY = 0.20, 0.5, 0.12, 0.15
EMAIL_SHARE, MOVED, PHONE_CHANGED, EMAIL_CHANGED, CMND_SHARE = 0.8, 0.12, 0.12, 0.08, 0.35
HOUSEHOLD_SIZES = [(1, 70), (2, 14), (3, 9), (4, 5), (5, 2)]
SAME_FAMILY, SHARED_EMAIL, TWINS = 0.65, 0.08, 0.15
LANDLINE = {"household": 0.5, "single": 0.12}
# Record-level variation in the default mix; --mix scales each (capped at 0.9), Source.bias per system.
NOISE = {"no_accents": 0.25, "upper": 0.08, "drop_middle": 0.12, "given_first": 0.06, "initial": 0.04,
         "honorific": 0.06, "name_typo": 0.04, "family_upper": 0.12, "family_comma": 0.06,
         "swap_first_last": 0.03, "name_in_one": 0.03, "phone_missing": 0.07, "phone_garbage": 0.02,
         "phone_typo": 0.025, "email_missing": 0.08, "email_variant": 0.08, "email_typo": 0.02,
         "email_invalid": 0.02, "email_upper": 0.05, "dob_missing": 0.12, "dob_typo": 0.03, "dob_bad": 0.006,
         "addr_missing": 0.06, "city_missing": 0.06, "id_typo": 0.03, "field_missing": 0.15,
         "duplicate_account": 0.035}
MIXES = {"clean": 0.35, "default": 1.0, "messy": 2.0}
BROKEN_ROWS = {"clean": (0, 1), "default": (1, 2), "messy": (2, 4)}  # of each kind, per source
LAST_DAY = datetime(2025, 6, 30)


class Gen:
    """The one random source, the mix's noise scale and the current source's bias."""

    def __init__(self, seed: int, mix: str):
        self.rng, self.scale, self.bias = random.Random(seed), MIXES[mix], {}

    def chance(self, prob: float) -> bool:
        return self.rng.random() < prob

    def p(self, key: str) -> bool:
        return self.chance(min(0.9, NOISE[key] * self.scale * self.bias.get(key, 1.0)))

    def pick(self, pairs):
        values, weights = zip(*pairs, strict=True)
        return self.rng.choices(values, weights)[0]

    def fill(self, pattern: str) -> str:
        return "".join(str(self.rng.randrange(10)) if c == "#" else
                       self.rng.choice(string.ascii_uppercase) if c == "@" else c for c in pattern)


@dataclass
class Person:
    eid: str
    culture: str  # "vn" or a key of INTL
    gender: str
    family: str
    middle: str
    given: str
    dob: date
    country: str
    addr: dict
    phone: str
    landline: str | None = None
    email: str | None = None
    old_phone: str | None = None  # the phone, e-mail and address before t_change
    old_email: str | None = None
    old_addr: dict | None = None
    t_change: datetime | None = None
    company: dict | None = None
    tax_id: str | None = None
    cccd: str | None = None
    cmnd: str | None = None  # the old 9-digit id, shown by records from before mid-2021

    def before_change(self, ts: datetime) -> bool:
        return self.t_change is not None and ts < self.t_change


# ---- Text helpers ---------------------------------------------------------------------------------------
def strip_accents(s: str) -> str:
    s = s.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))


def ascii_key(s: str) -> str:
    return "".join(c for c in strip_accents(s).lower() if c.isalnum())


def typo(rng: random.Random, word: str) -> str:
    """Drop, double or swap one letter (never the first)."""
    if len(word) < 3:
        return word
    i = rng.randrange(1, len(word) - 1)
    return rng.choice([word[:i] + word[i + 1:], word[:i] + word[i] + word[i:],
                       word[:i] + word[i + 1] + word[i] + word[i + 2:]])


def digit_typo(rng: random.Random, digits: str) -> str:
    """One digit (not the first two) changed."""
    i = rng.randrange(2, len(digits))
    return digits[:i] + str((int(digits[i]) + rng.randint(1, 9)) % 10) + digits[i + 1:]


def random_time(rng: random.Random, start: datetime, end: datetime) -> datetime:
    return start + timedelta(seconds=rng.randrange(int((end - start).total_seconds())))


# ---- Making people --------------------------------------------------------------------------------------
def vn_address(g: Gen, city: str | None = None) -> dict:
    city = city or g.pick([(k, v[0]) for k, v in CITIES.items()])
    districts, wards = CITIES[city][6], CITIES[city][7]
    n = g.rng.randint(1, 350)
    house = g.pick([(str(n), 55), (f"{n}/{g.rng.randint(1, 60)}", 20), (f"{n}{g.rng.choice('AB')}", 10),
                    (f"Số {n} ngõ {g.rng.randint(2, 200)}", 10 if city == "hn" else 0)])
    return {"kind": "vn", "city": city, "house": house, "street": g.rng.choice(STREETS),
            "ward": str(g.rng.randint(1, 15)) if wards is None else g.rng.choice(wards),
            "district": g.rng.choice(districts) if districts else ""}


def foreign_address(g: Gen, country: str) -> dict:
    _, _, cities, pattern, streets, _ = COUNTRIES[country]
    city, postcode = g.rng.choice(cities)
    line = pattern.format(n=g.rng.randint(1, 400), s=g.rng.choice(streets))
    return {"kind": "intl", "country": country, "city": city, "line": line, "postcode": g.fill(postcode)}


def vn_mobile(g: Gen) -> str:
    return g.rng.choice(MOBILE_PREFIXES) + g.fill("#######")


def make_email(g: Gen, p: Person, taken: set[str]) -> str:
    giv, fam, mid, year = ascii_key(p.given), ascii_key(p.family), ascii_key(p.middle), str(p.dob.year)
    local = g.rng.choice([f"{giv}.{fam}", f"{fam}{mid}{giv}{year[2:]}", f"{giv}.{fam[0]}{mid[:1]}",
                          f"{giv}{fam}{year}", f"{giv}{fam}", f"{fam}.{giv}",
                          f"{giv}{g.rng.randint(1, 999)}"])
    domain = g.pick(EMAIL_DOMAINS)
    if p.company and p.company["kind"] == "vn" and g.chance(0.4):
        domain = ascii_key(p.company["brand"]) + ".com.vn"
    while f"{local}@{domain}" in taken:
        local += str(g.rng.randrange(10))
    taken.add(f"{local}@{domain}")
    return f"{local}@{domain}"


def company(g: Gen, p: Person, previous: list) -> None:
    """A B2B customer's company (sometimes a colleague's) and, for a Vietnamese one, its tax id."""
    if previous and g.chance(SHARED_COMPANY):
        p.company, p.tax_id = g.rng.choice(previous)
        return
    if p.addr["kind"] == "vn":
        p.company = {"kind": "vn", "form": g.rng.choice(["TNHH", "TNHH", "CP"]),
                     "brand": g.rng.choice(BRANDS), "biz": g.rng.choice(BUSINESSES)}
        branch = g.fill("###") if g.chance(0.2) else ""  # 13 digits: a branch of the company
        p.tax_id = CITIES[p.addr["city"]][3] + g.fill("########") + branch
    else:
        trade = g.rng.choice(["Trading", "Holdings", "Logistics"])
        p.company = {"kind": "intl", "name": f"{p.family} {trade}", "suffix": COUNTRIES[p.country][5]}
    previous.append((p.company, p.tax_id))


def new_person(g: Gen, eid: str, taken: set[str], companies: list,
               head: Person | None = None, twin: Person | None = None) -> Person:
    """One customer; a household member shares the head's culture and address, a twin also a birthday."""
    rng = g.rng
    culture = head.culture if head else (
        g.pick([(k, v[0]) for k, v in INTL.items()]) if g.chance(INTL_SHARE) else "vn")
    gender = rng.choice("MF")
    dob = random_time(rng, datetime(1945, 1, 1), datetime(2006, 12, 31)).date()
    if culture == "vn":
        old_style = 1.0 if dob.year < 1990 else OLD_STYLE_AFTER_1990
        middle = g.pick([(n, w * old_style if n in OLD_STYLE_MIDDLE else w) for n, w in MIDDLE[gender]])
        given = g.pick([(n, 3 if n in POPULAR_GIVEN else 1) for n in GIVEN[gender]])
        family, country = g.pick(FAMILY), "VN"
    else:
        _, _, male, female, families, countries = INTL[culture]
        family, middle = rng.choice(families.split()), ""
        given = rng.choice((male if gender == "M" else female).split()).replace("_", " ")
        country = head.country if head else rng.choice(countries)
    if head and g.chance(SAME_FAMILY):
        family = head.family
    if twin:
        family, dob = twin.family, twin.dob
    if head:
        addr = head.addr
    elif culture == "vn":
        addr = vn_address(g)
    elif g.chance(EXPAT_SHARE):
        addr = vn_address(g, rng.choice(["hcm", "hcm", "hn", "dn"]))
    else:
        addr = foreign_address(g, country)
    foreign_phone = culture != "vn" and (addr["kind"] == "intl" or g.chance(0.3))
    phone = g.fill(COUNTRIES[country][1]) if foreign_phone else vn_mobile(g)
    p = Person(f"E{eid}", culture, gender, family, middle, given, dob, country, addr, phone)
    if g.chance(B2B_SHARE):
        company(g, p, companies)
    if g.chance(EMAIL_SHARE):
        p.email = make_email(g, p, taken)
    if culture == "vn":
        province = CITIES[g.pick([(k, v[0]) for k, v in CITIES.items()])][2]
        century_gender = (0 if dob.year < 2000 else 2) + (gender == "F")
        p.cccd = f"{province}{century_gender}{dob.year % 100:02d}{g.fill('######')}"
        p.cmnd = rng.choice("0123") + g.fill("########") if g.chance(CMND_SHARE) else None
    moved = head is None and g.chance(MOVED)
    if moved:
        p.old_addr = (vn_address(g, addr["city"] if g.chance(0.6) else None) if addr["kind"] == "vn"
                      else foreign_address(g, country))
    if g.chance(PHONE_CHANGED):
        p.old_phone = g.fill(COUNTRIES[country][1]) if foreign_phone else vn_mobile(g)
    if p.email and g.chance(EMAIL_CHANGED):
        p.old_email = make_email(g, p, taken)
    if moved or p.old_phone or p.old_email:
        p.t_change = random_time(rng, datetime(2019, 1, 1), datetime(2024, 6, 30))
    return p


def make_people(g: Gen, n: int) -> list[Person]:
    """Households of 1-5 people sharing an address (and often a landline and family name)."""
    people, taken, companies = [], set(), []
    while len(people) < n:
        size = min(g.pick(HOUSEHOLD_SIZES), n - len(people))
        twins = size >= 3 and g.chance(TWINS)
        head = new_person(g, f"{len(people) + 1:06d}", taken, companies)
        house = [head]
        for i in range(1, size):
            twin = house[1] if twins and i == 2 else None
            m = new_person(g, f"{len(people) + i + 1:06d}", taken, companies, head, twin)
            if head.old_addr:  # the household moved together
                m.old_addr, m.t_change = head.old_addr, head.t_change
            if head.email and g.chance(SHARED_EMAIL):
                m.email, m.old_email, m.t_change = head.email, head.old_email, m.t_change or head.t_change
            house.append(m)
        if head.addr["kind"] == "vn" and g.chance(LANDLINE["household" if size > 1 else "single"]):
            area = CITIES[head.addr["city"]][1]
            line = area + "3" + g.fill("#" * (10 - len(area)))
            for m in house:
                m.landline = line
        people += house
    return people


# ---- Rendering values -----------------------------------------------------------------------------------
def name_tokens(g: Gen, p: Person) -> list[str]:
    if p.culture == "vn":
        fam, mid, giv = p.family, "" if g.p("drop_middle") else p.middle, p.given
        if g.p("initial"):
            if not mid or g.chance(0.5):
                return [giv[0] + ".", fam]  # A. Nguyễn
            mid = mid[0] + "."  # Nguyễn V. An
        if g.p("given_first"):
            return [giv, fam] if g.chance(0.5) else [giv, mid, fam]
        return [fam, mid, giv]
    giv, fam = p.given, p.family
    if p.culture == "ko" and g.chance(0.3):
        giv = giv.replace("-", g.rng.choice(["", " "]))
    if g.p("initial"):
        return [giv[0] + ".", fam]
    if g.p("family_upper"):
        return [fam.upper(), giv]  # SMITH John
    if g.p("family_comma"):
        return [fam + ",", giv]  # Smith, John
    family_first = INTL[p.culture][1] != g.p("given_first")
    return [fam, giv] if family_first else [giv, fam]


def finish(g: Gen, *parts: str) -> list[str]:
    """Values as one clerk types them: maybe without accents, maybe in capitals."""
    strip, upper = g.p("no_accents"), g.p("upper")
    parts = [strip_accents(x) if strip else x for x in parts]
    return [x.upper() if upper else x for x in parts]


def full_name(g: Gen, p: Person, honorific: bool = True) -> str:
    tokens = [t for t in name_tokens(g, p) if t]
    if g.p("name_typo"):
        i = g.rng.randrange(len(tokens))
        tokens[i] = typo(g.rng, tokens[i])
    name = finish(g, " ".join(tokens))[0]
    if honorific and g.p("honorific"):
        name = f"{g.rng.choice((HONORIFICS if p.culture == 'vn' else INTL_HONORIFICS)[p.gender])} {name}"
    return name


def split_name(g: Gen, p: Person) -> tuple[str, str]:
    first = p.given if (not p.middle or g.p("drop_middle")) else f"{p.middle} {p.given}"
    last = p.family
    if g.p("name_typo"):
        first, last = (typo(g.rng, first), last) if g.chance(0.6) else (first, typo(g.rng, last))
    if g.p("swap_first_last"):
        first, last = last, first
    elif g.p("name_in_one"):
        return full_name(g, p, honorific=False), ""
    first, last = finish(g, first, last)
    return first, last


def fmt_vn_phone(g: Gen, digits: str, prefer: int | None = None) -> str:
    if digits.startswith("02"):  # a landline: area code + subscriber number
        area = digits[:3] if digits[2] in "48" else digits[:4]
        rest = digits[len(area):]
        return g.rng.choice([f"{area} {rest[:4]} {rest[4:]}", f"({area}) {rest}", digits,
                             f"+84 {area[1:]} {rest[:4]} {rest[4:]}"])
    n, a, b, c = digits[1:], digits[:4], digits[4:7], digits[7:]
    styles = [f"{a} {b} {c}", digits, f"+84 {n[:3]} {n[3:6]} {n[6:]}", "84" + n,
              f"(+84) {n[:2]}-{n[2:5]}-{n[5:]}", f"{a}.{b}.{c}"]
    if prefer is not None and g.chance(0.6):
        return styles[prefer]
    return g.pick(zip(styles, [30, 30, 15, 8, 5, 5], strict=True))


def phone_str(g: Gen, p: Person, ts: datetime, landline_share: float = 0.0, prefer: int | None = None):
    if g.p("phone_missing"):
        return None
    if g.p("phone_garbage"):
        return g.rng.choice(GARBAGE_PHONES)
    if p.landline and g.chance(landline_share):
        return fmt_vn_phone(g, p.landline)
    number = p.old_phone if p.old_phone and p.before_change(ts) else p.phone
    if number.startswith("+"):
        return g.pick([(number, 50), (number.replace(" ", "").replace("-", ""), 25), ("00" + number[1:], 15),
                       (number.replace("+", ""), 10)])
    if number[:3] in OLD_PLAN and g.chance(0.8 if ts < CONVERSION_DAY else 0.04):
        number = OLD_PLAN[number[:3]] + number[3:]
    if g.p("phone_typo"):
        number = digit_typo(g.rng, number)
    return fmt_vn_phone(g, number, prefer)


def email_str(g: Gen, p: Person, ts: datetime) -> str | None:
    email = p.old_email if p.old_email and p.before_change(ts) else p.email
    if email is None or g.p("email_missing"):
        return None
    local, domain = email.split("@")
    if g.p("email_variant") and domain in ("gmail.com", "outlook.com"):
        if domain == "gmail.com" and g.chance(0.5):  # gmail ignores dots
            i = g.rng.randrange(1, len(local))
            local = local.replace(".", "") if "." in local else local[:i] + "." + local[i:]
        else:
            local += g.rng.choice(["+shop", "+promo", "+vn"])
    if g.p("email_typo"):
        local = typo(g.rng, local)
    if g.p("email_invalid"):
        return g.rng.choice([f"{local}@@{domain}", f"{local}@{domain.split('.')[0]}", local, "n/a"])
    return f"{local}@{domain}".upper() if g.p("email_upper") else f"{local}@{domain}"


def dob_str(g: Gen, p: Person, formats: list[str]) -> str | None:
    if g.p("dob_missing"):
        return None
    y, m, d = p.dob.year, p.dob.month, p.dob.day
    if g.p("dob_typo"):
        if d <= 12 and d != m and g.chance(0.5):
            d, m = m, d
        elif g.chance(0.5):
            d = min(28, max(1, d + g.rng.choice([-1, 1])))
        else:
            y += g.rng.choice([-1, 1, -10, 10])
    elif g.p("dob_bad"):
        if g.chance(0.5):
            d, m = g.rng.choice([(31, 2), (30, 2), (31, 4), (31, 6), (31, 9), (31, 11)])
        else:
            y = g.rng.randint(2026, 2035)
    return g.rng.choice(formats).format(d=d, m=m, y=y, mon=MONTHS[m - 1])


def vn_address_parts(g: Gen, a: dict) -> list[str]:
    """House number, street, "ward, district"."""
    street = (g.rng.choice(STREET_PREFIX) if g.chance(0.15) else "") + a["street"]
    ward = g.rng.choice(WARD_PREFIX + ["F."] * a["ward"].isdigit()) + a["ward"]
    district = g.rng.choice(DISTRICT_PREFIX) + a["district"] if a["district"] else ""
    return finish(g, a["house"], street, ", ".join(x for x in (ward, district) if x))


def city_str(g: Gen, a: dict) -> str | None:
    if g.p("city_missing"):
        return None
    if a["kind"] == "intl":
        return a["city"]
    name = g.rng.choice(CITIES[a["city"]][5])
    return strip_accents(name) if g.p("no_accents") else name


def address_str(g: Gen, a: dict, with_city: float) -> str | None:
    if g.p("addr_missing"):
        return None
    if a["kind"] == "intl":
        return f"{a['line']}, {a['city']} {a['postcode']}"
    house, street, rest = vn_address_parts(g, a)
    city = city_str(g, a) if g.chance(with_city) else None
    return f"{house} {street}, {rest}" + (f", {city}" if city else "")


def company_str(g: Gen, p: Person, share: float) -> str | None:
    c = p.company
    if c is None or not g.chance(share):
        return None
    if c["kind"] == "intl":
        return finish(g, f"{c['name']} {c['suffix']}")[0]
    style = g.rng.choice(COMPANY_STYLES[c["form"]])
    name = style.format(biz=c["biz"], brand=c["brand"], BIZ=c["biz"].upper(), BRAND=c["brand"].upper(),
                        ascii=strip_accents(c["brand"]))
    return finish(g, " ".join(name.split()))[0]


def tax_str(g: Gen, p: Person, share: float) -> str | None:
    t = p.tax_id
    if t is None or not g.chance(share) or g.p("field_missing"):
        return None
    if g.p("id_typo"):
        t = digit_typo(g.rng, t)
    base, branch = t[:10], t[10:]
    base = g.rng.choice([base] + [f"{base[:4]}{c}{base[4:7]}{c}{base[7:]}" for c in " -"])
    return base + (g.rng.choice(["-", " ", ""]) + branch if branch else "")


def national_id_str(g: Gen, p: Person, ts: datetime, share: float) -> str | None:
    if p.cccd is None or not g.chance(share):
        return None
    nid = p.cmnd if p.cmnd and ts < datetime(2021, 7, 1) else p.cccd
    if g.p("id_typo"):
        nid = digit_typo(g.rng, nid)
    return f"{nid[:3]} {nid[3:6]} {nid[6:]}" if g.chance(0.15) else nid


# ---- Sources --------------------------------------------------------------------------------------------
def erp_row(g: Gen, p: Person, ts: datetime) -> dict:
    a = p.old_addr if p.old_addr and p.before_change(ts) else p.addr
    return {"ten_khach_hang": full_name(g, p), "dien_thoai": phone_str(g, p, ts, 0.3),
            "ngay_sinh": dob_str(g, p, ["{d:02d}/{m:02d}/{y}"] * 3 + ["{d}/{m}/{y}"]),
            "dia_chi": address_str(g, a, 0.25), "tinh_thanh": city_str(g, a),
            "ten_cong_ty": company_str(g, p, 0.9), "ma_so_thue": tax_str(g, p, 0.9),
            "so_cmnd_cccd": national_id_str(g, p, ts, 0.6), "ngay_cap_nhat": ts.strftime("%d/%m/%Y %H:%M:%S"),
            "nhom_kh": "Doanh nghiệp" if p.company else g.rng.choice(ERP_GROUPS),
            "han_muc_cong_no": g.rng.choice(["0", "5000000", "20000000", "100000000"])}


def crm_row(g: Gen, p: Person, ts: datetime) -> dict:
    first, last = split_name(g, p)
    salutation = g.rng.choice((HONORIFICS if p.culture == "vn" else INTL_HONORIFICS)[p.gender])
    return {"salutation": salutation if g.chance(0.5) else "", "given_name": first, "surname": last,
            "email_address": email_str(g, p, ts), "phone_primary": phone_str(g, p, ts, 0.1),
            "phone_secondary": fmt_vn_phone(g, p.landline) if p.landline and g.chance(0.4) else "",
            "birth_date": dob_str(g, p, ["{d:02d}/{m:02d}/{y}", "{d:02d}-{m:02d}-{y}", "{d} {mon} {y}",
                                         "{y}-{m:02d}-{d:02d}"]),
            "account_name": company_str(g, p, 0.8), "vat_number": tax_str(g, p, 0.7),
            "id_card_no": national_id_str(g, p, ts, 0.4), "modified_on": ts.strftime("%Y-%m-%d %H:%M"),
            "agent": g.rng.choice(CRM_AGENTS), "last_call_reason": g.rng.choice(CRM_REASONS)}


def loyalty_row(g: Gen, p: Person, ts: datetime) -> dict:
    first, last = split_name(g, p)
    a = p.old_addr if p.old_addr and p.before_change(ts) else p.addr
    return {"firstName": first, "lastName": last, "email": email_str(g, p, ts),
            "msisdn": phone_str(g, p, ts, prefer=3),
            "birthday": dob_str(g, p, ["{y}-{m:02d}-{d:02d}"] * 4 + ["{d:02d}/{m:02d}/{y}"]),
            "city": city_str(g, a), "lastActive": ts.strftime("%Y-%m-%dT%H:%M:%S+07:00"),
            "tier": g.rng.choice(["Silver", "Gold", "Platinum"]), "points": g.rng.randint(0, 20000)}


def webshop_row(g: Gen, p: Person, ts: datetime) -> dict:
    a = p.old_addr if p.old_addr and p.before_change(ts) else p.addr
    vn = a["kind"] == "vn"
    if g.p("addr_missing"):
        house = street = rest = None
    else:
        house, street, rest = vn_address_parts(g, a) if vn else ("", a["line"], "")
    return {"buyer_name": full_name(g, p), "buyer_email": email_str(g, p, ts),
            "buyer_phone": phone_str(g, p, ts), "ship_house_no": house, "ship_street": street,
            "ship_ward_district": rest, "ship_city": city_str(g, a),
            "ship_postcode": (CITIES[a["city"]][4] if g.chance(0.2) else None) if vn else a["postcode"],
            "ship_country": g.rng.choice(VN_COUNTRY if vn else COUNTRIES[a["country"]][0]),
            "last_order_at": ts.replace(tzinfo=timezone(timedelta(hours=7))),
            "order_count": g.rng.randint(1, 40), "total_spent_vnd": g.rng.randrange(100, 50000) * 1000}


def pos_row(g: Gen, p: Person, ts: datetime) -> dict:
    return {"ho_ten": full_name(g, p), "sdt": phone_str(g, p, ts, 0.15),
            "sinh_nhat": dob_str(g, p, ["{d}/{m}/{y}"] * 5 + ["{d:02d}/{m:02d}"]),  # dd/mm: no year asked
            "lan_mua_cuoi": ts.strftime("%d-%m-%Y %H:%M"), "cua_hang": g.rng.choice(POS_STORES)}


@dataclass(frozen=True)
class Source:
    name: str
    path: str
    format: str
    id_column: str
    priority: int
    rates: tuple[float, float, float]  # chance to hold a customer: in Vietnam, B2B, living abroad
    since: int  # first year of the system's updated_at
    bias: dict  # multipliers on NOISE for this system's data entry
    fields: dict  # canonical field -> column(s)
    row: Callable[[Gen, Person, datetime], dict]  # the columns of one record
    new_id: Callable[[Gen, int], object]  # the id of the i-th record


SOURCES = [
    Source("erp", "erp_khach_hang.csv", "csv", "ma_kh", 1, (0.45, 0.85, 0.35), 2015,
           {"no_accents": 0.5, "honorific": 0.3},
           {"full_name": "ten_khach_hang", "phone": "dien_thoai", "date_of_birth": "ngay_sinh",
            "address": "dia_chi", "city": "tinh_thanh", "company": "ten_cong_ty", "tax_id": "ma_so_thue",
            "national_id": "so_cmnd_cccd", "updated_at": "ngay_cap_nhat"},
           erp_row, lambda g, i: f"KH{i + 1:06d}"),
    Source("crm", "crm_contacts.csv", "csv", "contact_id", 2, (0.35, 0.5, 0.35), 2017, {"no_accents": 0.8},
           {"first_name": "given_name", "last_name": "surname", "email": "email_address",
            "phone": "phone_primary", "date_of_birth": "birth_date", "company": "account_name",
            "tax_id": "vat_number", "national_id": "id_card_no", "updated_at": "modified_on"},
           crm_row, lambda g, i: f"CRM-{i + 100001}"),
    Source("loyalty", "loyalty_members.jsonl", "jsonl", "member_id", 3, (0.5, 0.3, 0.15), 2019,
           {"no_accents": 2.5, "given_first": 2.0, "upper": 0.5},
           {"first_name": "firstName", "last_name": "lastName", "email": "email", "phone": "msisdn",
            "date_of_birth": "birthday", "city": "city", "updated_at": "lastActive"},
           loyalty_row, lambda g, i: 500001 + 3 * i + g.rng.randrange(3)),
    Source("webshop", "webshop_orders.parquet", "parquet", "customer_ref", 4, (0.5, 0.5, 0.6), 2018,
           {"upper": 3.0, "no_accents": 1.5},
           {"full_name": "buyer_name", "email": "buyer_email", "phone": "buyer_phone",
            "address": ["ship_house_no", "ship_street", "ship_ward_district"], "city": "ship_city",
            "postcode": "ship_postcode", "country": "ship_country", "updated_at": "last_order_at"},
           webshop_row, lambda g, i: f"{g.rng.getrandbits(40):010x}"),
    Source("pos", "pos_customers.csv", "csv", "card_no", 5, (0.3, 0.2, 0.0), 2016,
           {"initial": 3.0, "drop_middle": 2.0, "no_accents": 1.8, "honorific": 2.0},
           {"full_name": "ho_ten", "phone": "sdt", "date_of_birth": "sinh_nhat",
            "updated_at": "lan_mua_cuoi"},
           pos_row, lambda g, i: g.fill("00########")),
]


def assign(g: Gen, people: list[Person]) -> dict[str, list[Person]]:
    """Which customers each source holds (1..N sources, sometimes two accounts in one)."""
    held = {s.name: [] for s in SOURCES}
    for p in people:
        kind = 2 if p.addr["kind"] == "intl" else 1 if p.company else 0
        chosen = [s for s in SOURCES if g.chance(s.rates[kind])] or [g.rng.choice(SOURCES[:4])]
        for s in chosen:
            held[s.name] += [p] * (2 if g.p("duplicate_account") else 1)
    return held


def build_source(g: Gen, s: Source, people: list[Person], mix: str) -> list[tuple]:
    """Rows of one source as (id, entity id, columns), with a few broken rows among them."""
    g.bias = s.bias
    g.rng.shuffle(people)
    ids, rows = set(), []
    for i, p in enumerate(people):
        rid = s.new_id(g, i)
        while rid in ids:
            rid = s.new_id(g, i)
        ids.add(rid)
        rows.append((rid, p.eid, p, s.row(g, p, random_time(g.rng, datetime(s.since, 1, 1), LAST_DAY))))
    lo, hi = BROKEN_ROWS[mix]
    for _ in range(g.rng.randint(lo, hi)):  # an id repeated: the record exported again, later
        rid, eid, p, _ = rows[g.rng.randrange(len(rows))]
        first = next(i for i, r in enumerate(rows) if r[0] == rid)
        row = s.row(g, p, random_time(g.rng, datetime(2024, 1, 1), LAST_DAY))
        rows.insert(g.rng.randint(first + 1, len(rows)), (rid, eid, p, row))
    for _ in range(g.rng.randint(lo, hi)):  # a record without its id
        p = g.rng.choice(people)
        row = s.row(g, p, random_time(g.rng, datetime(s.since, 1, 1), LAST_DAY))
        rows.insert(g.rng.randrange(len(rows)), (None, None, p, row))
    for _ in range(g.rng.randint(lo, hi)):  # a blank row
        rows.insert(g.rng.randrange(len(rows)), (None, None, None, {}))
    g.bias = {}
    return [(rid, eid, row) for rid, eid, _, row in rows]


def write_source(out: Path, s: Source, rows: list[tuple]) -> None:
    example = next(row for _, _, row in rows if row)
    columns = [s.id_column, *example]
    records = [{s.id_column: rid, **row} for rid, _, row in rows]
    if s.format == "csv":
        with open(out / s.path, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=columns)
            writer.writeheader()
            writer.writerows({k: "" if v is None else v for k, v in r.items()} for r in records)
    elif s.format == "jsonl":  # keys without a value are left out; a blank row is {}
        with open(out / s.path, "w", encoding="utf-8") as f:
            for r in records:
                blank = len(r) == 1
                kept = {k: v for k, v in r.items() if v not in (None, "") or (k == s.id_column and not blank)}
                f.write(json.dumps(kept, ensure_ascii=False) + "\n")
    else:
        df = pd.DataFrame(records, columns=columns)
        for c, v in example.items():
            if isinstance(v, datetime):
                df[c] = pd.to_datetime(df[c], utc=True)
            elif isinstance(v, int):
                df[c] = pd.array([r.get(c) for r in records], dtype="Int64")
        df.to_parquet(out / s.path, index=False)


def write_config(out: Path) -> None:
    sources = [{"name": s.name, "path": s.path, "format": s.format, "id_column": s.id_column,
                "priority": s.priority, "phone_region": "VN", "fields": s.fields} for s in SOURCES]
    text = yaml.safe_dump({"sources": sources}, sort_keys=False, allow_unicode=True)
    header = "# Made by bench/independent_sample.py; paths are relative to this file.\n"
    (out / "sources.yaml").write_text(header + text, encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--customers", type=int, default=5000)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--mix", choices=sorted(MIXES), default="default")
    args = ap.parse_args()
    g = Gen(args.seed, args.mix)
    args.out.mkdir(parents=True, exist_ok=True)
    people = make_people(g, args.customers)
    held = assign(g, people)
    truth, counts = [("source", "source_id", "entity_id")], {}
    for s in SOURCES:
        rows = build_source(g, s, held[s.name], args.mix)
        write_source(args.out, s, rows)
        counts[s.name] = len(rows)
        seen = set()
        for rid, eid, _ in rows:
            if rid is not None and rid not in seen:  # the first of a repeated id is the truth
                seen.add(rid)
                truth.append((s.name, str(rid), eid))
    with open(args.out / "truth.csv", "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(truth)
    write_config(args.out)
    per_source = ", ".join(f"{name} {n}" for name, n in counts.items())
    summary = (f"seed {args.seed}, mix {args.mix}: {len(people)} customers, {sum(counts.values())} rows "
               f"({per_source}), {len(truth) - 1} truth rows -> {args.out}")
    print(summary)  # noqa: T201


if __name__ == "__main__":
    main()
