#!/usr/bin/env python3
"""Independent test data: a Vietnamese insurance and consumer-finance group.

What it is
    A self-contained generator of five source extracts (CSV with ";", JSONL with
    nested objects, CSV with ",", typed Parquet, month-first CSV), a
    ``sources.yaml`` that declares them and a ``truth.csv`` that says which
    records belong to which real customer (``source,source_id,entity_id``).

Why it exists
    To judge the matcher on data it was never tuned on.  It was written only from
    the public source-config contract (README "Your own sources" section and
    sample_data/sources.yaml), without reading the matcher, its rules, its tests
    or the other generators, so nothing here mirrors how the product matches.

The business
    About 80% Vietnamese customers, the rest Korean, Japanese, Chinese and
    Western expatriates living in Vietnam.  Five systems:
      policy_admin  policyholders; CSV ";"; name often ALL CAPS WITHOUT ACCENTS;
                    CCCD (12 digits) or the old CMND (9 digits); dob dd/mm/yyyy;
                    address in four columns; local-time updated_at.
      claims        claimants (policyholder or a family member of one); JSONL
                    with nested claimant.contact / claimant.address; ISO dates;
                    pre-2018 11-digit mobiles (0168..., 0129...) and +84.
      agents_crm    agent-entered leads; given-name-first names, missing middle
                    names, honorifics; agents typing their OWN phone/email for
                    customers who gave none; company and tax code.
      loans         borrowers; Parquet with date32 dob, UTC timestamp, phone as
                    int64 (leading zero lost), id string; one-line abbreviated
                    addresses (Q.1, P. Bến Nghé, TP.HCM, HN).
      app_users     app registrations; first/last boxes (family name in either);
                    dob month-first; local updated_at without offset.

What varies (probabilities scaled by --mix: clean 0.3x, default 1x, messy 2x,
as p' = 1-(1-p)^x)
    one-letter name typos; dropped / wrong / old-style-placed diacritics; NFD vs
    NFC; Western married names and nicknames (Robert/Bob); CJK names in either
    order and romanisations (Sato/Satoh, Min-jun/Minjun); moves (old address in
    older records), changed phones and e-mails, second SIMs; day/month swapped
    and typo'd dates; per-source missing values; junk values (0000000000,
    none@none.com, 01/01/1900); duplicate records within a source; households
    (shared address, landline, family name; spouses with their own family
    names; twins); namesakes (Nguyễn Văn Hùng in the same city); CMND vs CCCD;
    passport renewals; the 2021 Thủ Đức merger and 2025 two-level address
    reform; family members using the head's mobile; shared employer names;
    broken rows (blank id, repeated id).  Each customer is in 1-4 systems.

Output depends only on --seed, --customers and --mix (one random.Random(seed),
reference date 2026-06-30, no network, no wall clock).

Usage
    python bench/independent_sample_insurance.py --seed 1 --customers 5000 \
        --mix default --out /tmp/ins1
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import unicodedata
import uuid

import pyarrow as pa
import pyarrow.parquet as pq

REF_DATE = dt.date(2026, 6, 30)
REF_END = dt.datetime(2026, 6, 30, 9, 0, 0)  # UTC (16:00 in Vietnam)
VN_OFFSET = dt.timedelta(hours=7)
REFORM = dt.date(2025, 7, 1)  # districts abolished, provinces merged
THU_DUC = dt.date(2021, 1, 1)  # Quận 2/9/Thủ Đức -> TP. Thủ Đức
MOBILE_SWITCH = dt.date(2018, 10, 1)  # 11-digit mobiles converted to 10 digits
CHIP_CCCD = dt.date(2021, 7, 1)  # mass CCCD issuance replaces CMND
MIX = {"clean": 0.3, "default": 1.0, "messy": 2.0}
SOURCES = ["policy_admin", "claims", "agents_crm", "loans", "app_users"]

# --------------------------------------------------------------------------
# Reference data
# --------------------------------------------------------------------------

GEO = {
    "HCM": dict(
        w=38,
        prov="079",
        cmnd="02",
        tax="03",
        area="028",
        city=[
            ("Thành phố Hồ Chí Minh", 3),
            ("TP. Hồ Chí Minh", 5),
            ("TP.HCM", 4),
            ("TP HCM", 2),
            ("Hồ Chí Minh", 4),
            ("HCM", 2),
            ("TPHCM", 2),
            ("Ho Chi Minh City", 2),
            ("Sài Gòn", 1),
            ("HCMC", 1),
        ],
        abbr=["TP.HCM", "TPHCM", "HCM", "Tp. HCM", "TP. HCM", "Tp.HCM"],
        en=["Ho Chi Minh City", "HCMC", "Saigon", "HCM City"],
        districts=[
            (
                ("Quận", "1"),
                [
                    "Bến Nghé",
                    "Bến Thành",
                    "Đa Kao",
                    "Nguyễn Thái Bình",
                    "Cầu Ông Lãnh",
                    "Tân Định",
                    "Phạm Ngũ Lão",
                ],
            ),
            (("Quận", "3"), ["Võ Thị Sáu", "4", "5", "9", "11", "12", "14"]),
            (("Quận", "5"), ["1", "4", "7", "11", "14"]),
            (("Quận", "7"), ["Tân Phong", "Tân Phú", "Tân Hưng", "Phú Mỹ", "Tân Quy", "Bình Thuận"]),
            (("Quận", "10"), ["12", "14", "15", "2"]),
            (("Quận", "Bình Thạnh"), ["1", "13", "22", "25", "26", "17"]),
            (("Quận", "Phú Nhuận"), ["2", "7", "9", "15", "10"]),
            (("Quận", "Tân Bình"), ["2", "4", "12", "13", "15"]),
            (("Quận", "Gò Vấp"), ["3", "5", "10", "17", "16"]),
            (("Thành phố", "Thủ Đức"), ["Thảo Điền", "An Phú", "Bình Thọ", "Linh Trung", "Hiệp Bình Chánh"]),
            (("Quận", "Bình Tân"), ["An Lạc", "Bình Trị Đông", "Tân Tạo"]),
            (("Huyện", "Bình Chánh"), ["Xã Vĩnh Lộc A", "Xã Bình Hưng", "Thị trấn Tân Túc"]),
        ],
        streets=[
            "Lê Lợi",
            "Nguyễn Huệ",
            "Hai Bà Trưng",
            "Điện Biên Phủ",
            "Nguyễn Thị Minh Khai",
            "Cách Mạng Tháng Tám",
            "Võ Văn Tần",
            "Pasteur",
            "Lý Tự Trọng",
            "Nguyễn Văn Linh",
            "Phan Xích Long",
            "Xô Viết Nghệ Tĩnh",
            "Quang Trung",
            "Nguyễn Văn Trỗi",
            "Hoàng Văn Thụ",
            "Lê Văn Sỹ",
            "Nguyễn Đình Chiểu",
            "Trần Hưng Đạo",
            "Nguyễn Trãi",
            "Phan Đăng Lưu",
            "Lê Quang Định",
            "Nguyễn Oanh",
            "Huỳnh Tấn Phát",
            "Kinh Dương Vương",
            "Tô Hiến Thành",
            "3 Tháng 2",
            "Nguyễn Thị Thập",
            "Quốc Hương",
            "Võ Văn Ngân",
            "Kha Vạn Cân",
            "Phạm Văn Đồng",
            "Nguyễn Xí",
            "Bạch Đằng",
            "Trường Chinh",
        ],
        buildings=[
            ("Vinhomes Central Park", "208", "Nguyễn Hữu Cảnh", ("Quận", "Bình Thạnh"), "22"),
            ("Masteri Thảo Điền", "159", "Xa lộ Hà Nội", ("Thành phố", "Thủ Đức"), "Thảo Điền"),
            ("Sunrise City", "23", "Nguyễn Hữu Thọ", ("Quận", "7"), "Tân Hưng"),
            ("The Vista An Phú", "628C", "Xa lộ Hà Nội", ("Thành phố", "Thủ Đức"), "An Phú"),
            ("Chung cư Hoàng Anh Gia Lai", "357", "Lê Văn Lương", ("Quận", "7"), "Tân Quy"),
        ],
        expat=[0, 3, 9, 5],
    ),
    "HN": dict(
        w=27,
        prov="001",
        cmnd="01",
        tax="01",
        area="024",
        city=[
            ("Hà Nội", 8),
            ("TP. Hà Nội", 3),
            ("Thành phố Hà Nội", 2),
            ("Ha Noi", 2),
            ("Hanoi", 1),
            ("HN", 1),
        ],
        abbr=["HN", "Hà Nội", "Ha Noi", "TP. HN", "Hn"],
        en=["Hanoi", "Ha Noi", "Hanoi City"],
        districts=[
            (("Quận", "Hoàn Kiếm"), ["Hàng Bạc", "Hàng Trống", "Tràng Tiền", "Hàng Bài", "Cửa Nam"]),
            (("Quận", "Ba Đình"), ["Kim Mã", "Liễu Giai", "Điện Biên", "Ngọc Hà", "Cống Vị"]),
            (("Quận", "Đống Đa"), ["Láng Hạ", "Ô Chợ Dừa", "Văn Miếu", "Trung Liệt", "Khâm Thiên"]),
            (("Quận", "Cầu Giấy"), ["Dịch Vọng", "Nghĩa Đô", "Yên Hòa", "Quan Hoa", "Mai Dịch"]),
            (("Quận", "Hai Bà Trưng"), ["Bạch Đằng", "Lê Đại Hành", "Bách Khoa", "Minh Khai"]),
            (("Quận", "Tây Hồ"), ["Quảng An", "Xuân La", "Nhật Tân", "Bưởi"]),
            (("Quận", "Thanh Xuân"), ["Khương Trung", "Nhân Chính", "Thượng Đình"]),
            (("Quận", "Hoàng Mai"), ["Định Công", "Hoàng Liệt", "Tương Mai"]),
            (("Quận", "Long Biên"), ["Ngọc Lâm", "Bồ Đề", "Gia Thụy"]),
            (("Quận", "Nam Từ Liêm"), ["Mỹ Đình 1", "Mỹ Đình 2", "Mễ Trì", "Cầu Diễn"]),
            (("Quận", "Hà Đông"), ["Văn Quán", "Mộ Lao", "Kiến Hưng"]),
            (("Huyện", "Gia Lâm"), ["Thị trấn Trâu Quỳ", "Xã Đa Tốn"]),
        ],
        streets=[
            "Láng Hạ",
            "Kim Mã",
            "Trần Duy Hưng",
            "Xuân Thủy",
            "Hoàng Quốc Việt",
            "Tôn Đức Thắng",
            "Bà Triệu",
            "Phố Huế",
            "Nguyễn Chí Thanh",
            "Đội Cấn",
            "Lạc Long Quân",
            "Giải Phóng",
            "Nguyễn Trãi",
            "Lê Văn Lương",
            "Cầu Giấy",
            "Trường Chinh",
            "Minh Khai",
            "Nguyễn Văn Cừ",
            "Hàng Bông",
            "Thái Hà",
            "Tây Sơn",
            "Âu Cơ",
            "Phạm Hùng",
            "Khuất Duy Tiến",
            "Xuân Diệu",
        ],
        buildings=[
            ("Royal City", "72A", "Nguyễn Trãi", ("Quận", "Thanh Xuân"), "Thượng Đình"),
            ("Times City", "458", "Minh Khai", ("Quận", "Hai Bà Trưng"), "Vĩnh Tuy"),
            ("Keangnam Landmark", "72", "Phạm Hùng", ("Quận", "Nam Từ Liêm"), "Mễ Trì"),
            ("Ciputra", "1", "Nguyễn Văn Huyên", ("Quận", "Tây Hồ"), "Xuân La"),
        ],
        expat=[5, 1, 9],
    ),
    "DN": dict(
        w=7,
        prov="048",
        cmnd="20",
        tax="04",
        area="0236",
        city=[("Đà Nẵng", 8), ("TP. Đà Nẵng", 3), ("Da Nang", 2), ("Danang", 1)],
        abbr=["ĐN", "Đà Nẵng", "Da Nang", "TP.ĐN"],
        en=["Da Nang", "Danang"],
        districts=[
            (("Quận", "Hải Châu"), ["Thạch Thang", "Hòa Thuận Đông", "Phước Ninh", "Bình Hiên"]),
            (("Quận", "Sơn Trà"), ["An Hải Bắc", "Phước Mỹ", "Mân Thái"]),
            (("Quận", "Thanh Khê"), ["Chính Gián", "Thạc Gián", "An Khê"]),
            (("Quận", "Ngũ Hành Sơn"), ["Mỹ An", "Khuê Mỹ"]),
            (("Quận", "Liên Chiểu"), ["Hòa Khánh Bắc", "Hòa Minh"]),
            (("Quận", "Cẩm Lệ"), ["Hòa Thọ Đông", "Khuê Trung"]),
        ],
        streets=[
            "Bạch Đằng",
            "Lê Duẩn",
            "Nguyễn Văn Linh",
            "Võ Nguyên Giáp",
            "Hùng Vương",
            "Trần Phú",
            "Phan Châu Trinh",
            "Ngô Quyền",
            "Điện Biên Phủ",
            "Núi Thành",
            "Hoàng Diệu",
            "Nguyễn Tất Thành",
            "Tôn Đức Thắng",
            "2 Tháng 9",
        ],
        buildings=[],
        expat=[1, 3],
    ),
    "HP": dict(
        w=5,
        prov="031",
        cmnd="03",
        tax="02",
        area="0225",
        city=[("Hải Phòng", 8), ("TP. Hải Phòng", 3), ("Hai Phong", 2)],
        abbr=["HP", "Hải Phòng", "Hai Phong"],
        en=["Hai Phong", "Haiphong"],
        districts=[
            (("Quận", "Lê Chân"), ["An Biên", "Dư Hàng Kênh", "Trại Cau"]),
            (("Quận", "Ngô Quyền"), ["Máy Tơ", "Lạch Tray", "Đằng Giang"]),
            (("Quận", "Hồng Bàng"), ["Hoàng Văn Thụ", "Minh Khai"]),
            (("Quận", "Hải An"), ["Đằng Hải", "Cát Bi"]),
        ],
        streets=[
            "Lạch Tray",
            "Lê Lợi",
            "Trần Phú",
            "Điện Biên Phủ",
            "Văn Cao",
            "Tô Hiệu",
            "Lê Hồng Phong",
            "Cầu Đất",
            "Hai Bà Trưng",
        ],
        buildings=[],
        expat=[0],
    ),
    "CT": dict(
        w=4,
        prov="092",
        cmnd="36",
        tax="18",
        area="0292",
        city=[("Cần Thơ", 8), ("TP. Cần Thơ", 3), ("Can Tho", 2)],
        abbr=["CT", "Cần Thơ", "Can Tho", "TP.CT"],
        en=["Can Tho"],
        districts=[
            (("Quận", "Ninh Kiều"), ["Tân An", "An Hòa", "Xuân Khánh", "Hưng Lợi"]),
            (("Quận", "Cái Răng"), ["Lê Bình", "Hưng Phú"]),
            (("Quận", "Bình Thủy"), ["An Thới", "Bình Thủy"]),
        ],
        streets=[
            "Nguyễn Văn Cừ",
            "30 Tháng 4",
            "Trần Hưng Đạo",
            "Mậu Thân",
            "Hòa Bình",
            "Nguyễn Trãi",
            "3 Tháng 2",
        ],
        buildings=[],
        expat=[0],
    ),
    "DNAI": dict(
        w=4,
        prov="075",
        cmnd="27",
        tax="36",
        area="0251",
        city=[("Đồng Nai", 8), ("Tỉnh Đồng Nai", 2), ("Dong Nai", 2), ("Biên Hòa, Đồng Nai", 1)],
        abbr=["Đồng Nai", "ĐN", "Dong Nai", "Biên Hòa"],
        en=["Dong Nai"],
        districts=[(("Thành phố", "Biên Hòa"), ["Tân Phong", "Trảng Dài", "Tam Hiệp", "Hố Nai"])],
        streets=[
            "Phạm Văn Thuận",
            "Đồng Khởi",
            "Võ Thị Sáu",
            "Nguyễn Ái Quốc",
            "Cách Mạng Tháng Tám",
            "Bùi Văn Hòa",
        ],
        buildings=[],
        expat=[0],
    ),
    "BD": dict(
        w=5,
        prov="074",
        cmnd="28",
        tax="37",
        area="0274",
        city=[("Bình Dương", 8), ("Tỉnh Bình Dương", 2), ("Binh Duong", 2)],
        abbr=["BD", "Bình Dương", "Binh Duong", "T. Bình Dương"],
        en=["Binh Duong"],
        districts=[
            (("Thành phố", "Thủ Dầu Một"), ["Phú Cường", "Hiệp Thành", "Phú Hòa"]),
            (("Thành phố", "Thuận An"), ["Lái Thiêu", "An Phú"]),
            (("Thành phố", "Dĩ An"), ["Dĩ An", "Đông Hòa"]),
        ],
        streets=["Đại lộ Bình Dương", "Yersin", "Cách Mạng Tháng Tám", "Phú Lợi", "Nguyễn Văn Tiết"],
        buildings=[],
        expat=[0],
    ),
    "KH": dict(
        w=3,
        prov="056",
        cmnd="22",
        tax="42",
        area="0258",
        city=[("Khánh Hòa", 8), ("Tỉnh Khánh Hòa", 2), ("Khanh Hoa", 2), ("Nha Trang, Khánh Hòa", 1)],
        abbr=["Khánh Hòa", "KH", "Nha Trang", "Khanh Hoa"],
        en=["Khanh Hoa", "Nha Trang"],
        districts=[(("Thành phố", "Nha Trang"), ["Lộc Thọ", "Tân Lập", "Phước Hải", "Vĩnh Hòa"])],
        streets=["Trần Phú", "Nguyễn Thiện Thuật", "Lê Thánh Tôn", "23 Tháng 10", "Phạm Văn Đồng"],
        buildings=[],
        expat=[0],
    ),
    "HUE": dict(
        w=2,
        prov="046",
        cmnd="19",
        tax="33",
        area="0234",
        city=[("Thừa Thiên Huế", 6), ("TT Huế", 2), ("Huế", 3), ("Hue", 1)],
        abbr=["TT Huế", "Huế", "TTH", "Hue"],
        en=["Hue"],
        districts=[(("Thành phố", "Huế"), ["Phú Hội", "Vĩnh Ninh", "Thuận Thành", "An Cựu"])],
        streets=["Lê Lợi", "Hùng Vương", "Trần Hưng Đạo", "Bà Triệu", "Nguyễn Huệ"],
        buildings=[],
        expat=[0],
    ),
    "BRVT": dict(
        w=3,
        prov="077",
        cmnd="27",
        tax="35",
        area="0254",
        city=[
            ("Bà Rịa - Vũng Tàu", 6),
            ("Bà Rịa Vũng Tàu", 2),
            ("BR-VT", 2),
            ("Vũng Tàu", 2),
            ("Ba Ria - Vung Tau", 1),
        ],
        abbr=["BR-VT", "BRVT", "Vũng Tàu", "Vung Tau"],
        en=["Vung Tau", "Ba Ria - Vung Tau"],
        districts=[
            (("Thành phố", "Vũng Tàu"), ["1", "2", "Thắng Tam", "Rạch Dừa"]),
            (("Thành phố", "Bà Rịa"), ["Phước Trung", "Phước Hiệp"]),
        ],
        streets=["Thùy Vân", "Hạ Long", "Lê Hồng Phong", "Ba Cu", "Nguyễn An Ninh", "Trương Công Định"],
        buildings=[],
        expat=[0],
    ),
}
CITY_KEYS = list(GEO)
MERGED_INTO_HCM = {"BD", "BRVT"}  # provinces merged into Ho Chi Minh City on 2025-07-01
Q2_WARDS = {"Thảo Điền", "An Phú"}
OTHER_PROV = [
    "038",
    "040",
    "036",
    "034",
    "035",
    "037",
    "042",
    "044",
    "052",
    "054",
    "082",
    "083",
    "084",
    "086",
    "087",
    "089",
    "091",
    "094",
    "095",
    "096",
    "030",
    "033",
    "022",
    "024",
    "025",
    "019",
    "020",
    "026",
    "027",
    "017",
    "045",
    "049",
    "051",
    "064",
    "066",
    "068",
    "080",
    "072",
]

VN_FAMILY = [
    ("Nguyễn", 38),
    ("Trần", 11),
    ("Lê", 9.5),
    ("Phạm", 7),
    ("Hoàng", 4),
    ("Huỳnh", 3),
    ("Phan", 4.5),
    ("Vũ", 3),
    ("Võ", 3),
    ("Đặng", 2),
    ("Bùi", 2),
    ("Đỗ", 1.4),
    ("Hồ", 1.3),
    ("Ngô", 1.3),
    ("Dương", 1),
    ("Lý", 0.5),
    ("Trương", 0.8),
    ("Đinh", 0.6),
    ("Lâm", 0.4),
    ("Mai", 0.4),
    ("Tô", 0.3),
    ("Cao", 0.4),
    ("Lương", 0.4),
    ("Đoàn", 0.5),
    ("Trịnh", 0.5),
    ("Hà", 0.4),
    ("Tạ", 0.2),
    ("Châu", 0.2),
    ("La", 0.1),
    ("Quách", 0.1),
]
VN_MID = {
    "M": [
        ("Văn", 38),
        ("Hữu", 8),
        ("Đức", 10),
        ("Minh", 12),
        ("Quốc", 7),
        ("Thanh", 6),
        ("Công", 5),
        ("Ngọc", 3),
        ("Hoàng", 4),
        ("Xuân", 3),
        ("Thành", 3),
        ("Gia", 3),
        ("Đình", 4),
        ("Trọng", 3),
        ("Quang", 4),
        ("Minh Đức", 1),
        ("", 2),
    ],
    "F": [
        ("Thị", 45),
        ("Ngọc", 10),
        ("Thanh", 6),
        ("Thu", 5),
        ("Kim", 5),
        ("Minh", 4),
        ("Hồng", 4),
        ("Mỹ", 3),
        ("Phương", 3),
        ("Bảo", 3),
        ("Hoài", 2),
        ("Khánh", 3),
        ("Thùy", 2),
        ("Diệu", 2),
        ("Quỳnh", 2),
        ("Thị Thanh", 1),
        ("", 2),
    ],
}
VN_GIVEN = {
    "M": [
        ("Hùng", 5),
        ("Dũng", 4),
        ("Minh", 4),
        ("Tuấn", 4),
        ("Nam", 3),
        ("Long", 3),
        ("Huy", 3),
        ("Hải", 3),
        ("Phúc", 2),
        ("Sơn", 2),
        ("Quang", 2),
        ("Khoa", 2),
        ("Trung", 2),
        ("Thắng", 2),
        ("Đạt", 2),
        ("Hiếu", 2),
        ("Tài", 1),
        ("Bình", 2),
        ("Cường", 2),
        ("Vinh", 2),
        ("Thành", 3),
        ("Hoàng", 1),
        ("Phong", 2),
        ("Khánh", 1),
        ("Tâm", 1),
        ("Tú", 1),
        ("Việt", 2),
        ("Hưng", 2),
        ("Lâm", 1),
        ("Duy", 2),
        ("Trí", 1),
        ("Nhân", 1),
        ("Hào", 1),
        ("Thịnh", 1),
        ("Kiên", 1),
        ("Bảo", 2),
        ("Đức", 2),
        ("An", 2),
        ("Lộc", 1),
        ("Quân", 2),
        ("Thái", 1),
        ("Toàn", 1),
    ],
    "F": [
        ("Mai", 3),
        ("Lan", 3),
        ("Hương", 4),
        ("Linh", 4),
        ("Trang", 4),
        ("Hoa", 2),
        ("Ngọc", 2),
        ("Thảo", 3),
        ("Hà", 3),
        ("Vy", 2),
        ("Anh", 4),
        ("Nhung", 2),
        ("Phương", 2),
        ("Yến", 2),
        ("Thủy", 2),
        ("Hằng", 2),
        ("Nga", 2),
        ("Oanh", 1),
        ("Tâm", 1),
        ("Trinh", 1),
        ("Hạnh", 2),
        ("Loan", 1),
        ("Diễm", 1),
        ("Nhi", 2),
        ("Uyên", 2),
        ("Thư", 2),
        ("Hiền", 2),
        ("Dung", 2),
        ("Tuyết", 1),
        ("Hồng", 1),
        ("Châu", 1),
        ("Quyên", 1),
        ("Giang", 2),
        ("My", 1),
        ("Huyền", 2),
        ("Thúy", 1),
        ("Hòa", 1),
        ("Chi", 1),
        ("Ngân", 2),
        ("Vân", 1),
        ("Thoa", 1),
        ("Quỳnh", 2),
    ],
}
# Common full names held by many unrelated customers (namesakes), pinned to a city.
COMMON_FULL = [
    ("Nguyễn", "Văn", "Hùng", "M", "HCM"),
    ("Nguyễn", "Thị", "Lan", "F", "HN"),
    ("Nguyễn", "Văn", "Nam", "M", "HN"),
    ("Trần", "Văn", "Dũng", "M", "HCM"),
    ("Nguyễn", "Thị", "Hương", "F", "HCM"),
    ("Lê", "Văn", "Minh", "M", "HCM"),
    ("Nguyễn", "Thị", "Mai", "F", "HN"),
    ("Phạm", "Văn", "Tuấn", "M", "HN"),
    ("Nguyễn", "Văn", "Thành", "M", "HCM"),
    ("Trần", "Thị", "Hoa", "F", "HCM"),
    ("Nguyễn", "Thị", "Thu Trang", "F", "HN"),
    ("Lê", "Thị", "Hồng", "F", "DN"),
]
VN_ENGLISH_NICK = {
    "M": ["Kevin", "Tony", "David", "Henry", "Jimmy", "Peter", "Alex", "Ken", "Leo"],
    "F": ["Jenny", "Linda", "Vicky", "Lily", "Anna", "Cindy", "Kelly", "Mia", "Sophie"],
}

KR_FAMILY = [
    ("Kim", 22),
    ("Lee", 15),
    ("Park", 8),
    ("Choi", 5),
    ("Jung", 4),
    ("Kang", 2),
    ("Cho", 2),
    ("Yoon", 2),
    ("Jang", 2),
    ("Lim", 2),
    ("Han", 1),
    ("Shin", 1),
    ("Seo", 1),
    ("Kwon", 1),
]
KR_ROMAN = {
    "Lee": ["Yi", "Rhee"],
    "Park": ["Pak", "Bak"],
    "Choi": ["Choe"],
    "Jung": ["Jeong", "Chung"],
    "Yoon": ["Yun"],
    "Kang": ["Gang"],
    "Cho": ["Jo"],
    "Lim": ["Im"],
    "Shin": ["Sin"],
}
KR_GIVEN = {
    "M": [
        "Min-jun",
        "Ji-hoon",
        "Seo-jun",
        "Hyun-woo",
        "Sung-min",
        "Jae-won",
        "Dong-hyun",
        "Young-ho",
        "Sang-woo",
        "Jin-ho",
        "Tae-yang",
        "Jun-seo",
    ],
    "F": [
        "Seo-yeon",
        "Ji-woo",
        "Hye-jin",
        "Min-ji",
        "Soo-jin",
        "Eun-ji",
        "Yu-na",
        "Ji-eun",
        "Hae-won",
        "Da-eun",
        "Su-bin",
        "Ye-jin",
    ],
}
JP_FAMILY = [
    ("Sato", 6),
    ("Suzuki", 5),
    ("Takahashi", 4),
    ("Tanaka", 4),
    ("Watanabe", 3),
    ("Ito", 3),
    ("Yamamoto", 3),
    ("Nakamura", 3),
    ("Kobayashi", 2),
    ("Kato", 2),
    ("Yoshida", 2),
    ("Yamada", 2),
    ("Saito", 2),
]
JP_GIVEN = {
    "M": [
        "Haruto",
        "Sota",
        "Kenji",
        "Hiroshi",
        "Takeshi",
        "Daisuke",
        "Yuto",
        "Kazuki",
        "Ryo",
        "Shota",
        "Kota",
        "Yusuke",
    ],
    "F": [
        "Yui",
        "Aoi",
        "Yuki",
        "Akiko",
        "Haruka",
        "Misaki",
        "Naoko",
        "Emi",
        "Sakura",
        "Ayaka",
        "Yoko",
        "Mai",
    ],
}
JP_ROMAN = {
    "Sato": ["Satoh", "Satou", "Satō"],
    "Ito": ["Itoh", "Itou", "Itō"],
    "Kato": ["Katoh", "Katō"],
    "Saito": ["Saitoh", "Saitō"],
    "Yuki": ["Yuuki", "Yūki"],
    "Ryo": ["Ryou", "Ryō"],
    "Shota": ["Shouta", "Shōta"],
    "Yuto": ["Yuuto", "Yūto"],
    "Kota": ["Kouta", "Kōta"],
    "Yusuke": ["Yuusuke", "Yūsuke"],
    "Yoko": ["Youko", "Yōko"],
    "Ohno": ["Ono"],
}
CN_FAMILY = [
    ("Wang", 8),
    ("Li", 8),
    ("Zhang", 7),
    ("Liu", 6),
    ("Chen", 6),
    ("Yang", 4),
    ("Huang", 3),
    ("Zhao", 3),
    ("Wu", 3),
    ("Zhou", 3),
    ("Xu", 2),
    ("Sun", 2),
    ("Lin", 2),
]
CN_GIVEN = {
    "M": [
        ["Wei"],
        ["Jian"],
        ["Hao"],
        ["Lei"],
        ["Jun"],
        ["Ming"],
        ["Qiang"],
        ["Tao"],
        ["Jian", "guo"],
        ["Zhi", "wei"],
        ["Hao", "ran"],
        ["Yu", "hang"],
    ],
    "F": [
        ["Fang"],
        ["Na"],
        ["Xiu", "ying"],
        ["Li"],
        ["Jing"],
        ["Min"],
        ["Yan"],
        ["Xiao", "mei"],
        ["Li", "na"],
        ["Ting"],
        ["Yu", "xin"],
        ["Shu", "fen"],
    ],
}
WEST_FIRST = {
    "M": [
        ("Robert", ["Bob", "Rob", "Bobby"]),
        ("William", ["Bill", "Will"]),
        ("James", ["Jim", "Jimmy"]),
        ("Michael", ["Mike"]),
        ("Thomas", ["Tom"]),
        ("Richard", ["Rick", "Rich"]),
        ("Christopher", ["Chris"]),
        ("Daniel", ["Dan", "Danny"]),
        ("Andrew", ["Andy", "Drew"]),
        ("Alexander", ["Alex"]),
        ("David", ["Dave"]),
        ("Joseph", ["Joe"]),
        ("Matthew", ["Matt"]),
        ("Peter", ["Pete"]),
        ("John", ["Jack", "Johnny"]),
        ("Stephen", ["Steve"]),
        ("Benjamin", ["Ben"]),
        ("Nicholas", ["Nick"]),
        ("Edward", ["Ed", "Ted"]),
        ("Lukas", []),
        ("Pierre", []),
        ("Hans", []),
        ("Marco", []),
        ("Sven", []),
        ("Olivier", []),
    ],
    "F": [
        ("Elizabeth", ["Liz", "Beth"]),
        ("Katherine", ["Kate", "Kathy", "Katie"]),
        ("Jennifer", ["Jen", "Jenny"]),
        ("Margaret", ["Maggie", "Peggy"]),
        ("Patricia", ["Pat", "Trish"]),
        ("Susan", ["Sue"]),
        ("Rebecca", ["Becky"]),
        ("Victoria", ["Vicky", "Tori"]),
        ("Jessica", ["Jess"]),
        ("Samantha", ["Sam"]),
        ("Alexandra", ["Alex", "Sasha"]),
        ("Christine", ["Chris", "Tina"]),
        ("Anna", []),
        ("Sophie", []),
        ("Emma", []),
        ("Laura", []),
        ("Claire", []),
        ("Marie", []),
        ("Julia", []),
        ("Sarah", []),
    ],
}
WEST_MIDDLE = {
    "M": ["James", "John", "Paul", "Michael", "Lee", "Alan", "Thomas"],
    "F": ["Anne", "Marie", "Louise", "Jane", "Elizabeth", "Rose"],
}
WEST_LAST = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Miller",
    "Davis",
    "Wilson",
    "Taylor",
    "Anderson",
    "Thomas",
    "Martin",
    "Thompson",
    "White",
    "Clark",
    "Walker",
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Dubois",
    "Lefebvre",
    "Bernard",
    "Rossi",
    "Bianchi",
    "Jansen",
    "de Vries",
    "Andersson",
    "Nielsen",
    "O'Brien",
    "MacDonald",
    "Murphy",
    "Kelly",
    "Wright",
]
TRANSLIT = {"ü": "ue", "ö": "oe", "ä": "ae", "Ü": "Ue", "Ö": "Oe", "Ä": "Ae"}

ETHNICITY = [("vn", 80), ("kr", 6), ("jp", 4), ("cn", 4), ("west", 6)]

MOBILE_PREFIX = [
    ("086", 3),
    ("096", 4),
    ("097", 4),
    ("098", 4),
    ("032", 2),
    ("033", 2),
    ("034", 2),
    ("035", 2),
    ("036", 2),
    ("037", 2),
    ("038", 2),
    ("039", 2),
    ("088", 2),
    ("091", 3),
    ("094", 2),
    ("081", 1),
    ("082", 1),
    ("083", 1),
    ("084", 1),
    ("085", 1),
    ("089", 2),
    ("090", 4),
    ("093", 3),
    ("070", 2),
    ("076", 1),
    ("077", 1),
    ("078", 1),
    ("079", 2),
    ("092", 1),
    ("056", 1),
    ("058", 1),
    ("099", 0.5),
    ("059", 0.5),
]
OLD_PREFIX = {
    "032": "0162",
    "033": "0163",
    "034": "0164",
    "035": "0165",
    "036": "0166",
    "037": "0167",
    "038": "0168",
    "039": "0169",
    "070": "0120",
    "079": "0121",
    "077": "0122",
    "076": "0126",
    "078": "0128",
    "083": "0123",
    "084": "0124",
    "085": "0125",
    "081": "0127",
    "082": "0129",
    "056": "0186",
    "058": "0188",
    "059": "0199",
}
JUNK_PHONES = ["0000000000", "0123456789", "1111111111", "0999999999", "0"]
JUNK_EMAILS = [
    "none@none.com",
    "noemail@gmail.com",
    "khongco@gmail.com",
    "na@na.com",
    "abc@gmail.com",
    "test@test.com",
    "khachhang@gmail.com",
]
JUNK_DOBS = [dt.date(1900, 1, 1), dt.date(1900, 1, 1), dt.date(1970, 1, 1), dt.date(1901, 1, 1)]

COMPANY_KIND = [
    ("Công ty TNHH", 40),
    ("Công ty Cổ phần", 20),
    ("Công ty TNHH MTV", 15),
    ("Hộ kinh doanh", 20),
    ("Doanh nghiệp tư nhân", 5),
]
COMPANY_TRADE = [
    "Thương mại Dịch vụ",
    "Xây dựng",
    "Đầu tư",
    "Sản xuất Thương mại",
    "Vận tải",
    "Công nghệ",
    "Thực phẩm",
    "Nội thất",
    "Du lịch",
    "Xuất nhập khẩu",
]
COMPANY_BRAND = [
    "Minh Phát",
    "An Khang",
    "Hoàng Long",
    "Phú Thịnh",
    "Tân Việt",
    "Đại Nam",
    "Sao Mai",
    "Hưng Thịnh",
    "Thành Công",
    "Kim Ngân",
    "Phúc An",
    "Bảo Tín",
    "Thiên Ân",
    "Nam Việt",
    "Trường Sơn",
    "Hòa Bình",
    "Đông Á",
    "Vạn Lộc",
]
SHOP_KIND = ["Tạp hóa", "Quán ăn", "Tiệm vàng", "Nhà thuốc", "Cửa hàng điện thoại", "Tiệm may"]
EMPLOYERS = [
    "Công ty CP Tập đoàn Sao Việt",
    "Công ty TNHH Điện tử Đông Á Vina",
    "Công ty TNHH May mặc Tân Phú",
    "Trường THPT Lê Quý Đôn",
    "Bệnh viện Đa khoa Hòa Bình",
    "Công ty CP Logistics Cảng Xanh",
    "Ngân hàng TMCP Phương Đông Á",
    "Công ty TNHH Giày da Thái Bình Dương",
    "UBND Phường",
    "Công ty CP Thực phẩm Hưng Phát",
]

NEIGH = {
    "a": "qwsz",
    "b": "vghn",
    "c": "xdfv",
    "d": "serfcx",
    "e": "wsdr",
    "f": "drtgvc",
    "g": "ftyhbv",
    "h": "gyujnb",
    "i": "ujko",
    "j": "huikmn",
    "k": "jiolm",
    "l": "kop",
    "m": "njk",
    "n": "bhjm",
    "o": "iklp",
    "p": "ol",
    "q": "wa",
    "r": "edft",
    "s": "awedxz",
    "t": "rfgy",
    "u": "yhji",
    "v": "cfgb",
    "w": "qase",
    "x": "zsdc",
    "y": "tghu",
    "z": "asx",
}
TONES = "\u0300\u0301\u0303\u0309\u0323"
MODIFIERS = "\u0302\u0306\u031b"
OLD_STYLE = {
    "òa": "oà",
    "óa": "oá",
    "ỏa": "oả",
    "õa": "oã",
    "ọa": "oạ",
    "òe": "oè",
    "óe": "oé",
    "ùy": "uỳ",
    "úy": "uý",
    "ủy": "uỷ",
    "ũy": "uỹ",
    "ụy": "uỵ",
}


# --------------------------------------------------------------------------
# Text helpers
# --------------------------------------------------------------------------


def strip_accents(s):
    if not s:
        return s
    s = s.replace("Đ", "D").replace("đ", "d")
    d = unicodedata.normalize("NFD", s)
    return unicodedata.normalize("NFC", "".join(ch for ch in d if not unicodedata.combining(ch)))


def slug(s):
    return "".join(ch for ch in strip_accents(s).lower() if ch.isalnum())


def old_tone_style(s):
    out = []
    for w in s.split(" "):
        tail = w[-2:]
        if tail in OLD_STYLE and not w[:-2].lower().endswith("q"):
            w = w[:-2] + OLD_STYLE[tail]
        out.append(w)
    return " ".join(out)


def title_vn(s):
    return " ".join(w[:1].upper() + w[1:].lower() if w else w for w in s.split(" "))


def add_years(d, years):
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


class Person:
    """One real customer (one entity in the truth)."""


class Agent:
    pass


# --------------------------------------------------------------------------
# Generator
# --------------------------------------------------------------------------


class World:
    def __init__(self, seed, n, mix):
        self.r = random.Random(seed)
        self.f = MIX[mix]
        self.n = n
        self.people = []
        self.households = []
        self.agents = []
        self.used_emails = set()
        self.used_ids = set()
        self.used_phones = set()

    # ---- randomness ----------------------------------------------------
    def p(self, base):
        """A data-quality variation: probability scaled by the mix."""
        if base <= 0:
            return False
        q = 1.0 - (1.0 - min(base, 0.999)) ** self.f
        return self.r.random() < q

    def fixed(self, base):
        """A structural property of a system or population: not scaled."""
        return self.r.random() < base

    def w(self, pairs):
        return self.r.choices([a for a, _ in pairs], [b for _, b in pairs])[0]

    def c(self, seq):
        return self.r.choice(seq)

    def rand_date(self, lo, hi):
        if hi <= lo:
            return lo
        return lo + dt.timedelta(days=self.r.randint(0, (hi - lo).days))

    # ---- identifiers ---------------------------------------------------
    def unique(self, make):
        while True:
            v = make()
            if v not in self.used_ids:
                self.used_ids.add(v)
                return v

    def new_mobile(self):
        while True:
            v = self.w(MOBILE_PREFIX) + f"{self.r.randint(0, 9999999):07d}"
            if v not in self.used_phones:
                self.used_phones.add(v)
                return v

    def foreign_phone(self, eth):
        r = self.r
        if eth == "kr":
            return f"+82 10-{r.randint(1000, 9999)}-{r.randint(1000, 9999)}"
        if eth == "jp":
            return f"+81 {r.choice(['80', '90', '70'])}-{r.randint(1000, 9999)}-{r.randint(1000, 9999)}"
        if eth == "cn":
            return (
                f"+86 1{r.choice(['38', '39', '86', '58'])} {r.randint(1000, 9999)} {r.randint(1000, 9999)}"
            )
        return r.choice(
            [
                f"+44 7{r.randint(100, 999)} {r.randint(100000, 999999)}",
                f"+1 {r.randint(201, 989)} 555 {r.randint(1000, 9999)}",
                f"+49 15{r.randint(10, 99)} {r.randint(1000000, 9999999)}",
                f"+61 4{r.randint(10, 99)} {r.randint(100, 999)} {r.randint(100, 999)}",
                f"+33 6 {r.randint(10, 99)} {r.randint(10, 99)} {r.randint(10, 99)} {r.randint(10, 99)}",
            ]
        )

    def landline(self, city):
        area = GEO[city]["area"]
        rest = 11 - len(area)
        first = "3" if area in ("028", "024") else "3"
        while True:
            v = area + first + f"{self.r.randint(0, 10 ** (rest - 1) - 1):0{rest - 1}d}"
            if v not in self.used_phones:
                self.used_phones.add(v)
                return v

    def cccd(self, c):
        prov = GEO[c.city]["prov"] if self.fixed(0.55) and c.eth == "vn" else self.c(OTHER_PROV)
        century = 0 if c.dob.year < 2000 else 2
        g = century + (1 if c.gender == "F" else 0)
        return self.unique(lambda: f"{prov}{g}{c.dob.year % 100:02d}{self.r.randint(0, 999999):06d}")

    def cmnd(self, c):
        pre = GEO[c.city]["cmnd"] if self.fixed(0.6) else f"{self.r.randint(1, 38):02d}"
        return self.unique(lambda: f"{pre}{self.r.randint(0, 9999999):07d}")

    def passport(self, eth):
        r = self.r
        if eth == "kr":
            return self.unique(lambda: f"M{r.randint(10000000, 99999999)}")
        if eth == "jp":
            return self.unique(lambda: f"T{r.choice('KRZ')}{r.randint(1000000, 9999999)}")
        if eth == "cn":
            return self.unique(lambda: f"E{r.randint(10000000, 99999999)}")
        return self.unique(
            lambda: r.choice(
                [
                    f"{r.randint(500000000, 599999999)}",
                    f"C{r.randint(10000000, 99999999)}",
                    f"{r.randint(100000000, 999999999)}",
                    f"PA{r.randint(1000000, 9999999)}",
                ]
            )
        )

    # ---- addresses -----------------------------------------------------
    def new_address(self, city, eth="vn"):
        g = GEO[city]
        r = self.r
        if eth != "vn" and g["buildings"] and self.fixed(0.55) or (g["buildings"] and self.fixed(0.08)):
            name, bnum, street, district, ward = self.c(g["buildings"])
            block = r.choice(["", "A", "B", "C", "T1-", "S2."])
            unit = f"{block}{r.randint(2, 35)}.{r.randint(1, 20):02d}"
            house = dict(kind="apt", unit=unit, building=name, num=bnum)
            return dict(city=city, house=house, street=street, ward=ward, district=district)
        if eth != "vn" and g["expat"] and self.fixed(0.7):
            district, wards = g["districts"][self.c(g["expat"])]
        else:
            district, wards = self.c(g["districts"])
        ward = self.c(wards)
        num = r.randint(1, 450)
        letter = r.choice(["", "", "", "", "A", "B", "C"])
        if self.fixed(0.3):
            house = dict(kind="alley", alley=str(r.randint(2, 400)), num=str(r.randint(1, 80)) + letter)
        else:
            house = dict(kind="plain", num=str(num) + letter)
        return dict(city=city, house=house, street=self.c(g["streets"]), ward=ward, district=district)

    def address_history(self, city, eth):
        cur = self.new_address(city, eth)
        hist = [(dt.date(1900, 1, 1), cur)]
        if self.p(0.15):  # moved; older records keep the old address
            old_city = city if self.fixed(0.65) else self.w([(k, GEO[k]["w"]) for k in CITY_KEYS])
            old = self.new_address(old_city, eth)
            move = self.rand_date(dt.date(2016, 1, 1), dt.date(2026, 3, 1))
            hist = [(dt.date(1900, 1, 1), old), (move, cur)]
            if self.p(0.15):
                older = self.new_address(old_city, eth)
                hist.insert(0, (dt.date(1900, 1, 1), older))
                hist[1] = (self.rand_date(dt.date(2012, 1, 1), move - dt.timedelta(days=200)), old)
        return hist

    # ---- people --------------------------------------------------------
    def pick_city(self, eth):
        if eth == "vn":
            return self.w([(k, GEO[k]["w"]) for k in CITY_KEYS])
        return self.w([("HCM", 60), ("HN", 28), ("DN", 8), ("BD", 2), ("BRVT", 2)])

    def person(self, eth, gender, dob, city, fam=None, mid=None):
        c = Person()
        c.eth, c.gender, c.dob, c.city = eth, gender, dob, city
        c.hh = None
        c.role = "single"
        c.maiden = None
        c.married_on = None
        c.eng_nick = None
        c.wmid = None
        if eth == "vn":
            c.fam = fam or self.w(VN_FAMILY)
            c.mid = mid if mid is not None else self.w(VN_MID[gender])
            c.giv = self.w(VN_GIVEN[gender])
            if self.age(c) < 40 and self.fixed(0.06):
                c.eng_nick = self.c(VN_ENGLISH_NICK[gender])
        elif eth == "kr":
            c.fam = fam or self.w(KR_FAMILY)
            c.giv = self.c(KR_GIVEN[gender])
        elif eth == "jp":
            c.fam = fam or self.w(JP_FAMILY)
            c.giv = self.c(JP_GIVEN[gender])
        elif eth == "cn":
            c.fam = fam or self.w(CN_FAMILY)
            c.giv = self.c(CN_GIVEN[gender])
        else:
            first, nicks = self.c(WEST_FIRST[gender])
            c.giv, c.nicks = first, nicks
            c.fam = fam or self.c(WEST_LAST)
            if self.fixed(0.5):
                c.wmid = self.c(WEST_MIDDLE[gender])
        return c

    def finish(self, c, addr_hist, landline):
        """Identifiers, phones, e-mail, company; called once per person."""
        c.addr_hist = addr_hist
        c.landline = landline
        age = self.age(c)
        # national ids
        if c.eth == "vn":
            c.cccd = self.cccd(c)
            c.cmnd = self.cmnd(c) if c.dob.year < 2000 and self.fixed(0.6) else None
            c.passports = None
        else:
            c.cccd = c.cmnd = None
            pp = [(dt.date(1900, 1, 1), self.passport(c.eth))]
            if self.p(0.25):  # passport renewed: new number in newer records
                pp.append((self.rand_date(dt.date(2017, 1, 1), dt.date(2026, 1, 1)), self.passport(c.eth)))
            c.passports = pp
        # mobiles
        no_mobile = (age > 70 and self.fixed(0.35)) or self.fixed(0.01)
        if no_mobile:
            c.mobiles = []
        else:
            home = c.eth != "vn" and self.fixed(0.12)
            first = self.foreign_phone(c.eth) if home else self.new_mobile()
            c.mobiles = [(dt.date(1900, 1, 1), first)]
            if self.p(0.12):  # changed number
                c.mobiles.append(
                    (self.rand_date(dt.date(2015, 6, 1), dt.date(2026, 3, 1)), self.new_mobile())
                )
        c.second_sim = self.new_mobile() if c.mobiles and self.p(0.08) else None
        # e-mail
        has_email = self.fixed(0.95 if c.eth != "vn" else (0.8 if age < 50 else 0.45))
        c.emails = []
        if has_email:
            c.emails.append((dt.date(1900, 1, 1), self.make_email(c)))
            if self.p(0.06):
                c.emails.append(
                    (self.rand_date(dt.date(2016, 1, 1), dt.date(2026, 3, 1)), self.make_email(c))
                )
        # business owner
        c.company = c.tax = c.company_kind = None
        if age >= 25 and self.fixed(0.10 if c.eth == "vn" else 0.2):
            self.make_company(c)
        c.employer = self.c(EMPLOYERS) if c.company is None and self.fixed(0.15) else None
        c.systems = []

    def age(self, c):
        return (REF_DATE - c.dob).days // 365

    def dob_for_age(self, age):
        return REF_DATE - dt.timedelta(days=int(age * 365.25) + self.r.randint(0, 364))

    def make_email(self, c):
        r = self.r
        if c.eth == "vn":
            fam, giv, mid = slug(c.fam), slug(c.giv), slug(c.mid)
            yy = c.dob.year % 100
            locs = [
                f"{giv}{fam}{yy:02d}",
                f"{giv}.{fam}",
                f"{fam}{mid}{giv}",
                f"{giv}{fam[:1]}{mid[:1]}",
                f"{giv}.{fam}{r.randint(1, 999)}",
                f"{fam}.{giv}{c.dob.year}",
                f"{giv}{fam}{r.randint(10, 9999)}",
                f"{giv}_{fam}",
                f"{mid}{giv}{c.dob.year}",
            ]
            if c.eng_nick:
                locs.append(f"{slug(c.eng_nick)}.{fam}")
            dom = self.w(
                [
                    ("gmail.com", 70),
                    ("yahoo.com", 8),
                    ("yahoo.com.vn", 6),
                    ("hotmail.com", 5),
                    ("outlook.com", 5),
                    ("icloud.com", 4),
                ]
            )
        elif c.eth == "kr":
            g = slug(c.giv)
            locs = [
                f"{g}{slug(c.fam)}",
                f"{slug(c.fam)}.{g}",
                f"{g}{r.randint(10, 99)}",
                f"{slug(c.fam)}{g}{r.randint(1, 999)}",
            ]
            dom = self.w([("naver.com", 40), ("gmail.com", 45), ("daum.net", 10), ("hanmail.net", 5)])
        elif c.eth == "jp":
            g = slug(c.giv)
            locs = [f"{g}.{slug(c.fam)}", f"{slug(c.fam)}{g}", f"{g}{r.randint(10, 999)}"]
            dom = self.w([("gmail.com", 50), ("yahoo.co.jp", 30), ("icloud.com", 10), ("docomo.ne.jp", 10)])
        elif c.eth == "cn":
            g = slug("".join(c.giv))
            dom = self.w([("qq.com", 40), ("163.com", 20), ("gmail.com", 30), ("126.com", 10)])
            locs = (
                [str(r.randint(100000000, 2999999999))]
                if dom == "qq.com"
                else [f"{slug(c.fam)}{g}", f"{g}.{slug(c.fam)}", f"{slug(c.fam)}{g}{r.randint(1, 99)}"]
            )
        else:
            g, f_ = slug(c.giv), slug(c.fam)
            locs = [
                f"{g}.{f_}",
                f"{g[:1]}{f_}",
                f"{g}{f_}{r.randint(1, 99)}",
                f"{g}.{f_}{c.dob.year % 100:02d}",
            ]
            dom = self.w(
                [
                    ("gmail.com", 50),
                    ("outlook.com", 15),
                    ("hotmail.com", 10),
                    ("icloud.com", 10),
                    ("yahoo.com", 5),
                    ("gmx.de", 5),
                    ("hotmail.co.uk", 5),
                ]
            )
        base = self.c(locs) or "kh"
        e = f"{base}@{dom}"
        k = 1
        while e in self.used_emails:
            k += 1
            e = f"{base}{k}@{dom}"
        self.used_emails.add(e)
        return e

    def make_company(self, c):
        kind = self.w(COMPANY_KIND)
        if c.eth != "vn":
            surname = c.fam if isinstance(c.fam, str) else c.fam
            name = self.c(
                [
                    f"{surname} Vietnam Co., Ltd",
                    f"Công ty TNHH {surname} Việt Nam",
                    f"{surname} & Partners Co., Ltd",
                    f"Công ty TNHH {self.c(COMPANY_BRAND)}",
                ]
            )
            kind = "Công ty TNHH"
        elif kind == "Hộ kinh doanh":
            name = f"Hộ kinh doanh {self.c(SHOP_KIND)} {c.giv}"
        else:
            name = f"{kind} {self.c(COMPANY_TRADE)} {self.c(COMPANY_BRAND)}"
        c.company, c.company_kind = name, kind
        c.tax = self.unique(lambda: f"{GEO[c.city]['tax']}{self.r.randint(0, 99999999):08d}")

    # ---- population ----------------------------------------------------
    def build(self):
        hh_sizes = [(2, 50), (3, 25), (4, 17), (5, 8)]
        while len(self.people) < self.n:
            eth = self.w(ETHNICITY)
            if self.p(0.10):
                members = self.household(self.w(hh_sizes), eth)
            else:
                members = [self.single(eth)]
            for m in members[: self.n - len(self.people)]:
                self.people.append(m)
        for i, c in enumerate(self.people):
            c.eid = f"E{i + 1:06d}"
        self.make_agents()
        for c in self.people:
            self.assign_systems(c)
        # family members of policyholders file claims
        for hh in self.households:
            members = [m for m in hh if m in self._index]
            if any("policy_admin" in m.systems for m in members):
                for m in members:
                    if (
                        "policy_admin" not in m.systems
                        and "claims" not in m.systems
                        and len(m.systems) < 4
                        and self.fixed(0.35)
                    ):
                        m.systems.append("claims")

    def single(self, eth):
        gender = self.c("MF")
        age = max(19, min(85, int(self.r.triangular(19, 80, 36))))
        city = self.pick_city(eth)
        c = None
        if eth == "vn" and self.p(0.05):
            fam, mid, giv, gender, city = self.c(COMMON_FULL)
            c = self.person("vn", gender, self.dob_for_age(age), city, fam=fam, mid=mid)
            c.giv = giv
        if c is None:
            c = self.person(eth, gender, self.dob_for_age(age), city)
        if eth == "west" and gender == "F" and age > 24 and self.fixed(0.35):
            c.maiden = c.fam
            c.fam = self.c([x for x in WEST_LAST if x != c.maiden])
            c.married_on = self.rand_date(max(add_years(c.dob, 21), dt.date(2000, 1, 1)), dt.date(2026, 1, 1))
        ll = self.landline(city) if self.fixed(0.12) else None
        self.finish(c, self.address_history(city, eth), ll)
        return c

    def household(self, size, eth):
        r = self.r
        city = self.pick_city(eth)
        hist = self.address_history(city, eth)
        ll = self.landline(city) if self.fixed(0.5) else None
        head_age = r.randint(40, 66) if size >= 3 else r.randint(26, 70)
        head = self.person(eth, "M", self.dob_for_age(head_age), city)
        head.role = "head"
        members = [head]
        mixed = eth != "vn" and self.fixed(0.35)
        sp_eth = "vn" if mixed else eth
        sp_age = max(20, head_age - r.randint(-2, 8))
        if sp_eth == "vn":
            fam = self.w(VN_FAMILY)
            while head.eth == "vn" and fam == head.fam:
                fam = self.w(VN_FAMILY)
            spouse = self.person("vn", "F", self.dob_for_age(sp_age), city, fam=fam)
        elif sp_eth == "west":
            spouse = self.person("west", "F", self.dob_for_age(sp_age), city, fam=head.fam)
            spouse.maiden = self.c([x for x in WEST_LAST if x != head.fam])
            spouse.married_on = self.rand_date(
                max(add_years(spouse.dob, 20), dt.date(1995, 1, 1)), dt.date(2025, 6, 1)
            )
        elif sp_eth == "jp":
            spouse = self.person("jp", "F", self.dob_for_age(sp_age), city, fam=head.fam)
        else:
            spouse = self.person(sp_eth, "F", self.dob_for_age(sp_age), city)
        spouse.role = "spouse"
        members.append(spouse)
        slots = size - 2
        if slots >= 1 and head.eth == "vn" and head_age < 62 and self.fixed(0.3):
            pg = self.c("MF")
            pa_age = min(92, head_age + r.randint(24, 32))
            if pg == "M":
                parent = self.person("vn", "M", self.dob_for_age(pa_age), city, fam=head.fam)
            else:
                parent = self.person("vn", "F", self.dob_for_age(pa_age), city)
            parent.role = "parent"
            members.append(parent)
            slots -= 1
        max_child_age = min(head_age, sp_age) - 20
        kids = []
        while slots > 0 and max_child_age >= 19:
            g = self.c("MF")
            if kids and self.p(0.12) and not any(getattr(k, "twin", False) for k in kids):
                prev = kids[-1]
                kid = self.person(
                    head.eth,
                    g,
                    prev.dob,
                    city,
                    fam=head.fam,
                    mid=prev.mid if head.eth == "vn" and prev.gender == g else None,
                )
                while kid.giv == prev.giv:
                    kid.giv = self.person(head.eth, g, prev.dob, city).giv
                kid.twin = prev.twin = True
            else:
                kid = self.person(
                    head.eth, g, self.dob_for_age(r.randint(19, max_child_age)), city, fam=head.fam
                )
            kid.role = "child"
            kids.append(kid)
            slots -= 1
        members += kids
        for m in members:
            own = m.role == "child" and self.fixed(0.25)
            if own:
                self.finish(m, self.address_history(city, m.eth), None)
            else:
                self.finish(m, hist, ll)
            m.hh = members
        self.households.append(members)
        return members

    def make_agents(self):
        self._index = set(self.people)  # membership only, never iterated
        adults = [c for c in self.people if c.eth == "vn" and 25 <= self.age(c) <= 55 and c.mobiles]
        for i in range(70):
            a = Agent()
            a.code = f"DL{10000 + i * 37:05d}"
            a.weight = 1.0 / (i + 1) ** 0.8
            a.habit = 0.85 if self.fixed(0.25) else 0.08
            if adults and self.fixed(0.25):
                a.person = self.c(adults)
                a.phone = a.person.mobiles[-1][1]
                a.email = a.person.emails[-1][1] if a.person.emails else None
                if "policy_admin" not in a.person.systems:
                    a.person.agent_holder = True
            else:
                a.person = None
                a.phone = self.new_mobile()
                fam, giv = self.w(VN_FAMILY), self.w(VN_GIVEN[self.c("MF")])
                e = f"tuvan.{slug(giv)}{slug(fam)}{self.r.randint(1, 99)}@gmail.com"
                self.used_emails.add(e)
                a.email = e if self.fixed(0.8) else None
            self.agents.append(a)
        self.agent_weights = [a.weight for a in self.agents]

    def assign_systems(self, c):
        age = self.age(c)
        k = self.w([(1, 33), (2, 32), (3, 20), (4, 15)])
        wts = {"policy_admin": 1.0, "claims": 0.45, "agents_crm": 0.6, "loans": 0.65, "app_users": 0.85}
        if age > 60:
            wts["app_users"] *= 0.25
            wts["loans"] *= 0.4
            wts["claims"] *= 1.5
        if c.eth != "vn":
            wts["loans"] *= 0.3
            wts["app_users"] *= 1.2
        if getattr(c, "agent_holder", False):
            wts["policy_admin"] *= 20
        pool = list(SOURCES)
        chosen = []
        for _ in range(k):
            s = self.r.choices(pool, [wts[x] for x in pool])[0]
            chosen.append(s)
            pool.remove(s)
        c.systems = chosen

    # ---- time-dependent facts -----------------------------------------
    def rec_time(self, c, src):
        start = {
            "policy_admin": dt.date(2010, 1, 1),
            "claims": dt.date(2015, 1, 1),
            "agents_crm": dt.date(2019, 3, 1),
            "loans": dt.date(2017, 1, 1),
            "app_users": dt.date(2020, 6, 1),
        }[src]
        lo = max(start, add_years(c.dob, 18))
        hi = REF_END.date() - dt.timedelta(days=1)
        if lo >= hi:
            lo = hi - dt.timedelta(days=60)
        span = (hi - lo).days
        d = lo + dt.timedelta(days=int(span * self.r.random() ** 0.6))
        return dt.datetime(d.year, d.month, d.day) + dt.timedelta(seconds=self.r.randint(0, 86399))

    @staticmethod
    def at(hist, t):
        val = hist[0][1]
        for start, v in hist:
            if start <= t.date():
                val = v
        return val

    def mobile_at(self, c, t):
        if not c.mobiles:
            return None
        if c.second_sim and self.fixed(0.3):
            return c.second_sim
        return self.at(c.mobiles, t)

    def email_at(self, c, t):
        return self.at(c.emails, t) if c.emails else None

    # ---- rendering: names ---------------------------------------------
    def name_parts(self, c, t):
        """Family name as of t (Western women married after t keep the maiden name)."""
        fam = c.fam
        if c.maiden and c.married_on:
            if t.date() < c.married_on or self.fixed(0.15):
                fam = c.maiden
            elif self.fixed(0.08):
                fam = f"{c.maiden}-{c.fam}"
        return fam

    def romanise(self, c, fam):
        if c.eth == "kr":
            giv = c.giv
            style = self.w([("hy", 40), ("join", 25), ("space", 25), ("Hy", 10)])
            a, b = giv.split("-")
            giv = {"hy": giv, "join": a + b, "space": f"{a} {b.capitalize()}", "Hy": f"{a}-{b.capitalize()}"}[
                style
            ]
            if fam in KR_ROMAN and self.p(0.04):
                fam = self.c(KR_ROMAN[fam])
            return fam, giv
        if c.eth == "jp":
            giv = c.giv
            if fam in JP_ROMAN and self.p(0.1):
                fam = self.c(JP_ROMAN[fam])
            if giv in JP_ROMAN and self.p(0.1):
                giv = self.c(JP_ROMAN[giv])
            return fam, giv
        if c.eth == "cn":
            syl = c.giv
            if len(syl) == 1:
                return fam, syl[0]
            style = self.w([("join", 60), ("space", 30), ("hy", 10)])
            return fam, {
                "join": syl[0] + syl[1],
                "space": f"{syl[0]} {syl[1].capitalize()}",
                "hy": f"{syl[0]}-{syl[1].capitalize()}",
            }[style]
        return fam, c.giv

    def full_name(self, c, t, src):
        fam = self.name_parts(c, t)
        given_first = {"policy_admin": 0.0, "claims": 0.02, "agents_crm": 0.25, "loans": 0.01}[src]
        drop_mid = {"policy_admin": 0.02, "claims": 0.04, "agents_crm": 0.15, "loans": 0.02}[src]
        if c.eth == "vn":
            mid, giv = c.mid, c.giv
            if mid and self.p(drop_mid):
                mid = ""
            if src == "agents_crm" and c.eng_nick and self.p(0.3):
                name = f"{c.eng_nick} {fam}"
            elif self.p(given_first):
                name = " ".join(x for x in (giv, fam, mid) if x)
            else:
                name = " ".join(x for x in (fam, mid, giv) if x)
        elif c.eth in ("kr", "jp", "cn"):
            f2, g2 = self.romanise(c, fam)
            given_first_cjk = {"policy_admin": 0.3, "claims": 0.45, "agents_crm": 0.5, "loans": 0.35}[src]
            name = f"{g2} {f2}" if self.p(given_first_cjk) else f"{f2} {g2}"
        else:
            first = c.giv
            nick_rate = {"policy_admin": 0.03, "claims": 0.1, "agents_crm": 0.3, "loans": 0.03}[src]
            if c.nicks and self.p(nick_rate):
                first = self.c(c.nicks)
            mid = ""
            if c.wmid:
                mid_rate = {"policy_admin": 0.45, "claims": 0.2, "agents_crm": 0.05, "loans": 0.3}[src]
                if self.fixed(mid_rate):
                    mid = c.wmid
                elif self.fixed(0.1):
                    mid = c.wmid[0] + "."
            if src == "policy_admin" and self.fixed(0.3):
                name = " ".join(x for x in (fam, first, mid) if x)  # passport order SURNAME GIVEN
            else:
                name = " ".join(x for x in (first, mid, fam) if x)
        if src == "agents_crm" and self.p(0.2):
            name = self.honorific(c, name)
        return self.noise_name(name, src, c)

    def honorific(self, c, name):
        age = self.age(c)
        if c.eth == "vn":
            if c.gender == "M":
                h = self.c(["Ông", "Chú"]) if age >= 50 else self.c(["Anh", "Anh", "A.", "a"])
            else:
                h = self.c(["Bà", "Cô"]) if age >= 50 else self.c(["Chị", "Chị", "C.", "c"])
            if self.p(0.25):
                return f"{h} {c.giv}"  # the agent only noted the given name
            return f"{h} {name}"
        if c.gender == "M":
            h = self.c(["Mr", "Mr.", "Mr.", "Anh"])
        else:
            h = self.c(["Ms", "Mrs.", "Ms.", "Miss", "Chị"])
        return f"{h} {name}"

    def noise_name(self, s, src, c):
        if c.eth == "west" and self.fixed(0.4) and any(ch in s for ch in TRANSLIT) and src != "app_users":
            s = "".join(TRANSLIT.get(ch, ch) for ch in s)
        strip_rate = {
            "policy_admin": 0.15,
            "claims": 0.1,
            "agents_crm": 0.25,
            "loans": 0.1,
            "app_users": 0.3,
        }[src]
        if self.p(0.08):
            s = old_tone_style(s)
        if self.p(0.04):
            s = self.wrong_diacritic(s)
        if self.p(strip_rate):
            s = strip_accents(s)
        if self.p(0.04):
            s = self.typo(s)
        if self.p(0.01):
            s = s.replace(" ", "  ", 1) if self.fixed(0.5) else f" {s} "
        return s

    def wrong_diacritic(self, s):
        words = s.split(" ")
        toned = [
            i for i, w_ in enumerate(words) if any(ch in TONES for ch in unicodedata.normalize("NFD", w_))
        ]
        if toned:
            i = self.c(toned)
            d = unicodedata.normalize("NFD", words[i])
            cur = next(ch for ch in d if ch in TONES)
            d = d.replace(cur, self.c([x for x in TONES if x != cur] + [""]), 1)
            words[i] = unicodedata.normalize("NFC", d)
            return " ".join(words)
        mod = [
            i for i, w_ in enumerate(words) if any(ch in MODIFIERS for ch in unicodedata.normalize("NFD", w_))
        ]
        if mod:
            i = self.c(mod)
            d = unicodedata.normalize("NFD", words[i])
            for k, ch in enumerate(d):
                if ch in MODIFIERS:
                    d = d[:k] + d[k + 1 :]
                    break
            words[i] = unicodedata.normalize("NFC", d)
        return " ".join(words)

    def typo(self, s):
        pos = [i for i, ch in enumerate(s) if ch.isalpha()]
        if len(pos) < 4:
            return s
        i = self.c(pos[1:])
        ch = s[i]
        op = self.c(["sub", "sub", "del", "dup", "swap"])
        if op == "sub":
            base = strip_accents(ch).lower()
            if base in NEIGH:
                n = self.c(NEIGH[base])
                return s[:i] + (n.upper() if ch.isupper() else n) + s[i + 1 :]
            op = "del"
        if op == "del":
            return s[:i] + s[i + 1 :]
        if op == "dup":
            return s[:i] + ch + s[i:]
        j = i + 1
        if j >= len(s) or not s[j].isalpha():
            return s[:i] + s[i + 1 :]
        return s[:i] + s[j] + s[i] + s[j + 1 :]

    def split_name(self, c, t):
        """(first_name, last_name) as typed into the app's two boxes."""
        fam = self.name_parts(c, t)
        if c.eth == "vn":
            mid, giv = c.mid, c.giv
            if c.eng_nick and self.p(0.35):
                return c.eng_nick, fam
            opts = [
                ((giv, f"{fam} {mid}".strip()), 35),
                ((f"{fam} {mid}".strip(), giv), 25),
                ((f"{mid} {giv}".strip(), fam), 25),
                ((fam, f"{mid} {giv}".strip()), 10),
                ((giv, fam), 5),
            ]
            first, last = self.w(opts)
        elif c.eth in ("kr", "jp", "cn"):
            f2, g2 = self.romanise(c, fam)
            first, last = (g2, f2) if self.fixed(0.7) else (f2, g2)
        else:
            first = c.giv
            if c.nicks and self.p(0.25):
                first = self.c(c.nicks)
            if c.wmid and self.fixed(0.05):
                first = f"{first} {c.wmid}"
            first, last = (first, fam) if self.fixed(0.96) else (fam, first)
        first = self.noise_name(first, "app_users", c)
        last = self.noise_name(last, "app_users", c)
        if self.fixed(0.06):
            first, last = first.lower(), last.lower()
        return first, last

    # ---- rendering: dates, ids, phones, e-mail -------------------------
    def dob(self, c, missing):
        if self.p(missing):
            return None
        if self.p(0.012):
            return self.c(JUNK_DOBS)
        d = c.dob
        if d.day <= 12 and d.day != d.month and self.p(0.02):
            return dt.date(d.year, d.day, d.month)
        if self.p(0.015):
            return self.typo_date(d)
        return d

    def typo_date(self, d):
        for _ in range(20):
            kind = self.c(["day", "month", "yswap", "year", "dswap"])
            try:
                if kind == "day":
                    n = d.replace(day=max(1, min(28, d.day + self.c([-1, 1, 10, -10]))))
                elif kind == "month":
                    n = d.replace(month=self.c([m for m in range(1, 13) if m != d.month]))
                elif kind == "yswap":
                    y = d.year // 100 * 100 + int(f"{d.year % 100:02d}"[::-1])
                    n = d.replace(year=y)
                elif kind == "year":
                    n = d.replace(year=d.year + self.c([-1, 1]))
                else:
                    n = d.replace(day=int(f"{d.day:02d}"[::-1]))
            except ValueError:
                continue
            if n != d and 1920 <= n.year <= 2008:
                return n
        return d

    def national_id(self, c, t, missing):
        if self.p(missing):
            return None
        if self.p(0.005):
            return self.c(["000000000000", "0", "123456789"])
        if c.eth != "vn":
            return self.at(c.passports, t)
        if c.cmnd and (t.date() < CHIP_CCCD or self.fixed(0.2)):
            return c.cmnd
        return c.cccd

    def pick_phone(self, c, t, missing, src):
        """The number a record holds (canonical, unformatted), or None."""
        if self.p(missing):
            return None
        if self.p(0.015):
            return "JUNK:" + self.c(JUNK_PHONES)
        if c.hh and c.role in ("child", "parent", "spouse") and self.p(0.05):
            head = c.hh[0]
            if head.mobiles:
                return self.mobile_at(head, t)  # family member gave the head's mobile
        num = self.mobile_at(c, t)
        if c.landline and (num is None or (src in ("policy_admin", "claims") and self.fixed(0.06))):
            return c.landline
        return num

    def fmt_phone(self, num, src, t):
        if num is None:
            return None
        if num.startswith("JUNK:"):
            return num[5:]
        if num.startswith("+"):
            if self.fixed(0.15):
                return num.replace(" ", "").replace("-", "")
            if self.fixed(0.1):  # written without the country code
                cc, rest = num.split(" ", 1)
                return rest if cc == "+1" else "0" + rest
            return num
        if len(num) == 11 and num.startswith("02"):  # landline
            area = num[:3] if num[:3] in ("028", "024") else num[:4]
            rest = num[len(area) :]
            return self.w(
                [
                    (num, 3),
                    (f"{area} {rest[:4]} {rest[4:]}", 3),
                    (f"({area}) {rest}", 2),
                    (f"{area}.{rest}", 1),
                    (f"+84 {area[1:]} {rest}", 1),
                    (rest, 0.5),
                ]
            )
        # mobile, 10 digits
        old = OLD_PREFIX.get(num[:3])
        if old:
            before = t.date() < MOBILE_SWITCH
            p_old = {
                "policy_admin": 0.7 if before else 0.03,
                "claims": 0.85 if before else 0.12,
                "loans": 0.6 if before else 0.02,
                "agents_crm": 0.02,
                "app_users": 0.0,
            }[src]
            if p_old and self.fixed(p_old):
                num = old + num[3:]
        n = num[1:]
        styles = {
            "policy_admin": [
                (num, 50),
                (f"{num[:4]} {num[4:7]} {num[7:]}", 20),
                (f"{num[:4]}.{num[4:7]}.{num[7:]}", 10),
                ("84" + n, 5),
                ("+84" + n, 5),
            ],
            "claims": [
                (num, 40),
                ("+84" + n, 25),
                (f"+84 {n[:3]} {n[3:6]} {n[6:]}", 10),
                (f"(+84) {n[:3]}-{n[3:6]}-{n[6:]}", 5),
                ("84" + n, 5),
            ],
            "agents_crm": [
                (num, 50),
                (f"{num[:4]} {num[4:7]} {num[7:]}", 30),
                (f"{num[:4]}.{num[4:7]}.{num[7:]}", 10),
                ("+84" + n, 10),
            ],
            "app_users": [("+84" + n, 60), (num, 40)],
            "loans": [(num, 85), ("84" + n, 15)],
        }[src]
        return self.w(styles)

    def email(self, c, t, missing, src):
        if self.p(missing):
            return None
        if self.p(0.015):
            return self.c(JUNK_EMAILS)
        e = self.email_at(c, t)
        if e is None:
            return None
        if src in ("agents_crm", "policy_admin") and self.p(0.01):
            loc, dom = e.split("@")
            dom = {
                "gmail.com": self.c(["gmail.con", "gmial.com", "gmail.com.vn", "gmai.com"]),
                "yahoo.com": "yahoo.co",
            }.get(dom, dom)
            e = f"{loc}@{dom}"
        if src == "agents_crm" and self.p(0.04):
            e = e[:1].upper() + e[1:]
        if self.p(0.01):
            e = e + " "
        return e

    # ---- rendering: addresses -----------------------------------------
    def district_at(self, a, t, expat=False):
        d = a["district"]
        if d == ("Thành phố", "Thủ Đức"):
            old = ("Quận", "2") if a["ward"] in Q2_WARDS else ("Quận", "Thủ Đức")
            if t.date() < THU_DUC or self.fixed(0.5 if expat else 0.15):
                return old
        return d

    def ward_str(self, a, style):
        w = a["ward"]
        if w.startswith("Xã "):
            wt, wn = "Xã", w[3:]
        elif w.startswith("Thị trấn "):
            wt, wn = "Thị trấn", w[9:]
        else:
            wt, wn = "Phường", w
        num = wn.isdigit()
        if style == "en":
            return f"Ward {wn}" if num else f"{strip_accents(wn)} Ward"
        if style == "full":
            return f"{wt} {wn}"
        if style == "bare":
            return f"{wt} {wn}" if num else wn
        ab = {"Phường": "P.", "Xã": "X.", "Thị trấn": "TT."}[wt]
        if num:
            return self.c([f"{ab}{wn}", f"{ab} {wn}", f"P{wn}", f"{wt} {int(wn):02d}", f"P.{int(wn):02d}"])
        return self.c([f"{ab} {wn}", f"{ab}{wn}", f"{ab} {wn}"])

    def district_str(self, d, style):
        dtp, dn = d
        num = dn.isdigit()
        if style == "en":
            if num:
                return f"District {dn}"
            return f"{strip_accents(dn)} {'City' if dtp == 'Thành phố' else 'District'}"
        if style == "full":
            return f"{dtp} {dn}"
        if style == "bare":
            return f"{dtp} {dn}" if num else dn
        ab = {"Quận": "Q.", "Huyện": "H.", "Thành phố": "TP.", "Thị xã": "TX."}[dtp]
        if num:
            return self.c([f"{ab}{dn}", f"Q{dn}", f"{ab} {dn}", f"Q.{int(dn):02d}"])
        return self.c([f"{ab} {dn}", f"{ab}{dn}", dn])

    def street_str(self, s, style):
        if style == "en":
            base = strip_accents(s)
            return (
                base
                if base.lower().startswith(("xa lo", "dai lo"))
                else f"{base} {self.c(['Street', 'St.', 'Str.'])}"
            )
        if style == "full" and not s.startswith(("Xa lộ", "Đại lộ", "Phố")) and self.fixed(0.3):
            return f"Đường {s}"
        return s

    def house_str(self, a, style):
        h = a["house"]
        hn_style = a["city"] in ("HN", "HP")
        if h["kind"] == "plain":
            return f"Số {h['num']}" if style == "full" and self.fixed(0.2) else h["num"]
        if h["kind"] == "alley":
            if hn_style:
                if style == "en":
                    return f"No. {h['num']}, Lane {h['alley']}"
                return self.c(
                    [
                        f"Số {h['num']} ngõ {h['alley']}",
                        f"{h['num']} ngõ {h['alley']}",
                        f"số {h['num']}, ngõ {h['alley']}",
                        f"{h['num']} ng. {h['alley']}",
                    ]
                )
            base = f"{h['alley']}/{h['num']}"
            if style == "en":
                return base
            return self.c([base, base, f"Số {base}", f"số {base}"]) if style == "full" else base
        unit, bld, bnum = h["unit"], h["building"], h["num"]
        if style == "en":
            return self.c(
                [f"Apt {unit}, {strip_accents(bld)}, {bnum}", f"{unit} {strip_accents(bld)}, {bnum}"]
            )
        return self.c(
            [
                f"Căn hộ {unit}, {bld}, {bnum}",
                f"{unit} {bld}, {bnum}",
                f"CH {unit} {bld} {bnum}",
                f"{bnum}, {bld}, căn {unit}",
            ]
        )

    def city_str(self, a, t, style):
        key = a["city"]
        if key in MERGED_INTO_HCM and t.date() >= REFORM and self.fixed(0.5):
            key = "HCM"
        g = GEO[key]
        if style == "en":
            return self.c(g["en"])
        if style == "abbr":
            return self.c(g["abbr"])
        return self.w(g["city"])

    def addr_parts(self, c, t, src, style):
        a = self.at(c.addr_hist, t)
        expat = c.eth != "vn"
        d = self.district_at(a, t, expat)
        post_reform = t.date() >= REFORM and self.fixed(0.3)
        parts = dict(
            house=self.house_str(a, style),
            street=self.street_str(a["street"], style),
            ward=self.ward_str(a, style),
            district=None if post_reform else self.district_str(d, style),
            city=self.city_str(a, t, style),
        )
        return parts

    def addr_style(self, c, src):
        if c.eth != "vn" and src in ("agents_crm", "app_users", "claims") and self.fixed(0.5):
            return "en"
        return {
            "policy_admin": self.w([("full", 60), ("bare", 30), ("abbr", 10)]),
            "claims": self.w([("full", 50), ("bare", 30), ("abbr", 20)]),
            "agents_crm": self.w([("abbr", 50), ("bare", 40), ("full", 10)]),
            "loans": self.w([("abbr", 75), ("bare", 15), ("full", 10)]),
            "app_users": "bare",
        }[src]

    # ---- sources -------------------------------------------------------
    def text_noise(self, row, keys, src):
        nfd = {"policy_admin": 0.03, "claims": 0.06, "agents_crm": 0.05, "loans": 0.03, "app_users": 0.12}[
            src
        ]
        if self.p(nfd):
            for k in keys:
                if isinstance(row.get(k), str):
                    row[k] = unicodedata.normalize("NFD", row[k])

    def rec_policy_admin(self, c, t):
        caps = self.fixed(0.55)
        style = self.addr_style(c, "policy_admin")
        ap = self.addr_parts(c, t, "policy_admin", style)
        if self.p(0.05):
            ap["ward"] = None
        if self.p(0.03):
            ap["house"] = None
        if self.p(0.02):
            ap = dict(house=None, street=None, ward=None, district=None, city=ap["city"])
        nid = self.national_id(c, t, 0.03)
        if nid and nid.startswith("0") and self.p(0.03):
            nid = nid.lstrip("0")  # spreadsheet round-trip dropped the leading zero
        dob = self.dob(c, 0.02)
        if dob is None:
            dob_s = ""
        elif self.fixed(0.1):
            dob_s = f"{dob.day}/{dob.month}/{dob.year}"
        else:
            dob_s = f"{dob.day:02d}/{dob.month:02d}/{dob.year}"
        row = {
            "ma_khach_hang": self.unique(lambda: f"KH{self.r.randint(10000000, 99999999)}"),
            "so_hop_dong": f"HD{t.year}{self.r.randint(0, 999999):06d}",
            "ho_ten": self.full_name(c, t, "policy_admin"),
            "gioi_tinh": {"M": "Nam", "F": "Nữ"}[c.gender] if self.fixed(0.9) else "",
            "ngay_sinh": dob_s,
            "so_giay_to": nid or "",
            "so_nha": ap["house"] or "",
            "duong": ap["street"] or "",
            "phuong_xa": ap["ward"] or "",
            "quan_huyen": ap["district"] or "",
            "tinh_thanh": ap["city"] or "",
            "dien_thoai_di_dong": self.fmt_phone(
                self.pick_phone(c, t, 0.08, "policy_admin"), "policy_admin", t
            )
            or "",
            "email": self.email(c, t, 0.55, "policy_admin") or "",
            "ngay_cap_nhat": (t + VN_OFFSET).strftime("%d/%m/%Y %H:%M:%S"),
        }
        text = ["ho_ten", "so_nha", "duong", "phuong_xa", "quan_huyen", "tinh_thanh"]
        if caps:
            for k in text:
                row[k] = strip_accents(row[k]).upper()
            if self.fixed(0.5):
                row["email"] = row["email"].upper()
        else:
            self.text_noise(row, text, "policy_admin")
        return row

    def rec_claims(self, c, t):
        rel, holder = "self", c
        if "policy_admin" not in c.systems and c.hh:
            holders = [m for m in c.hh if m is not c and "policy_admin" in m.systems]
            if holders:
                holder = holders[0]
                rel = {"spouse": "spouse", "child": "child", "parent": "parent"}.get(c.role, "spouse")
                if c.role == "head":
                    rel = "spouse" if holder.role == "spouse" else "parent"
        style = self.addr_style(c, "claims")
        ap = self.addr_parts(c, t, "claims", style)
        num = self.pick_phone(c, t, 0.10, "claims")
        if holder is not c and self.fixed(0.3) and holder.mobiles:
            num = self.mobile_at(holder, t)  # the policyholder filed and left their own number
        phone = self.fmt_phone(num, "claims", t)
        email = self.email(c, t, 0.4, "claims")
        dob = self.dob(c, 0.05)
        contact = {"phone": phone}
        if email is not None:
            contact["email"] = email
        elif self.fixed(0.5):
            contact["email"] = None
        claimant = {
            "name": self.full_name(c, t, "claims"),
            "gender": c.gender,
            "date_of_birth": dob.isoformat() if dob else None,
            "id_number": self.national_id(c, t, 0.2),
            "contact": contact,
        }
        if not self.p(0.08):
            street = " ".join(x for x in (ap["house"], ap["street"]) if x)
            claimant["address"] = {
                "street": street,
                "ward": ap["ward"],
                "district": ap["district"],
                "province": ap["city"],
            }
        self.text_noise(claimant, ["name"], "claims")
        if "address" in claimant:
            self.text_noise(claimant["address"], ["street", "ward", "district", "province"], "claims")
        incident = t - dt.timedelta(days=self.r.randint(3, 120))
        ts = (
            t.strftime("%Y-%m-%dT%H:%M:%SZ")
            if self.fixed(0.7)
            else (t + VN_OFFSET).strftime("%Y-%m-%dT%H:%M:%S+07:00")
        )
        return {
            "claimant_id": self.unique(lambda: f"CLM{self.r.randint(1000000, 9999999)}"),
            "claim_no": f"BT-{incident.year}-{self.r.randint(0, 999999):06d}",
            "relationship_to_policyholder": rel,
            "policy": {
                "holder_name": self.full_name(holder, t, "claims") if holder is not c else None,
                "product": self.c(["Sức khỏe", "Nhân thọ", "Tai nạn", "Xe cơ giới", "Nhà ở"]),
            },
            "claimant": claimant,
            "incident": {
                "date": incident.date().isoformat(),
                "type": self.c(["hospitalisation", "outpatient", "accident", "motor", "property"]),
            },
            "updated_at": ts,
        }

    def rec_agents_crm(self, c, t):
        agent = self.r.choices(self.agents, self.agent_weights)[0]
        num = self.pick_phone(c, t, 0.12, "agents_crm")
        phone = self.fmt_phone(num, "agents_crm", t)
        email = self.email(c, t, 0.35, "agents_crm")
        if phone is None and self.p(agent.habit):
            phone = self.fmt_phone(agent.phone, "agents_crm", t)  # agent typed their own number
        if email is None and agent.email and self.p(agent.habit * 0.6):
            email = agent.email
        style = self.addr_style(c, "agents_crm")
        ap = self.addr_parts(c, t, "agents_crm", style)
        addr = None
        if not self.p(0.5):
            form = self.w([("full", 40), ("district", 40), ("street", 20)])
            if form == "full":
                addr = ", ".join(
                    x
                    for x in (
                        " ".join(y for y in (ap["house"], ap["street"]) if y),
                        ap["ward"],
                        ap["district"],
                    )
                    if x
                )
            elif form == "district":
                addr = ", ".join(x for x in (ap["ward"], ap["district"]) if x)
            else:
                addr = ap["street"]
        city = None if self.p(0.2) else ap["city"]
        dob = self.dob(c, 0.75)
        company = tax = ""
        if c.company and not self.p(0.15):
            company = self.company_variant(c.company)
            tax = c.tax
            if c.company_kind == "Hộ kinh doanh" and t.date() >= REFORM and self.fixed(0.5):
                tax = c.cccd or c.tax  # personal id number used as tax code since 2025-07
            elif self.p(0.05):
                tax = tax + "-001"
            elif self.p(0.04):
                tax = ""
        elif c.hh and c.role == "spouse" and c.hh[0].company and self.fixed(0.4):
            company = self.company_variant(c.hh[0].company)  # family business, spouse's company
            tax = c.hh[0].tax if self.fixed(0.6) else ""
        elif c.employer and self.fixed(0.6):
            company = c.employer
        created = t - dt.timedelta(days=self.r.randint(0, 400), seconds=self.r.randint(0, 86399))
        row = {
            "lead_id": self.unique(lambda: f"L-{created.year}-{self.r.randint(0, 999999):06d}"),
            "agent_code": agent.code,
            "customer_name": self.full_name(c, t, "agents_crm"),
            "phone": phone or "",
            "email": email or "",
            "birthday": f"{dob.day:02d}/{dob.month:02d}/{dob.year}" if dob else "",
            "address": addr or "",
            "city": city or "",
            "company_name": company,
            "tax_code": tax,
            "product_interest": self.c(
                ["Bảo hiểm nhân thọ", "Bảo hiểm sức khỏe", "Vay tiêu dùng", "Thẻ tín dụng", "Bảo hiểm xe"]
            ),
            "lead_status": self.c(["New", "Contacted", "Qualified", "Won", "Lost"]),
            "created_at": created.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "last_modified": t.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        }
        self.text_noise(row, ["customer_name", "address", "city", "company_name"], "agents_crm")
        return row

    def company_variant(self, name):
        if not self.p(0.4):
            return name
        v = self.c(["cty", "upper", "strip", "en"])
        if v == "cty":
            return name.replace("Công ty", self.c(["Cty", "CTY", "Cty.", "CT"]), 1)
        if v == "upper":
            return name.upper()
        if v == "strip":
            return strip_accents(name)
        if name.startswith("Công ty TNHH "):
            return strip_accents(name[len("Công ty TNHH ") :]) + " Co., Ltd"
        if name.startswith("Công ty Cổ phần "):
            return strip_accents(name[len("Công ty Cổ phần ") :]) + " JSC"
        return name

    def rec_loans(self, c, t):
        style = self.addr_style(c, "loans")
        ap = self.addr_parts(c, t, "loans", style)
        if self.fixed(0.25):
            ap = {k: strip_accents(v) if v else v for k, v in ap.items()}
        with_city = self.fixed(0.6)
        line = ", ".join(
            x
            for x in (
                " ".join(y for y in (ap["house"], ap["street"]) if y),
                ap["ward"],
                ap["district"],
                ap["city"] if with_city else None,
            )
            if x
        )
        if self.p(0.02):
            line = None
        city = self.city_str(self.at(c.addr_hist, t), t, self.c(["abbr", "abbr", "full"]))
        if self.p(0.05):
            city = None
        ph = self.fmt_phone(self.pick_phone(c, t, 0.02, "loans"), "loans", t)
        digits = "".join(ch for ch in ph if ch.isdigit()) if ph else ""
        phone = int(digits) if digits else None
        nid = self.national_id(c, t, 0.01)
        row = {
            "customer_no": self.unique(lambda: self.r.randint(100000000, 999999999)),
            "contract_no": f"FC{t.year % 100:02d}{self.r.randint(0, 9999999):07d}",
            "borrower_name": self.full_name(c, t, "loans"),
            "national_id": nid,
            "date_of_birth": self.dob(c, 0.01),
            "phone": phone,
            "email": self.email(c, t, 0.3, "loans"),
            "address_line": line,
            "city": city,
            "employer": c.company or c.employer,
            "monthly_income_vnd": self.r.randint(6, 80) * 1_000_000,
            "loan_product": self.c(["Vay tiền mặt", "Trả góp điện thoại", "Trả góp xe máy", "Thẻ tín dụng"]),
            "updated_at": t,
        }
        self.text_noise(row, ["borrower_name", "address_line"], "loans")
        return row

    def rec_app_users(self, c, t):
        first, last = self.split_name(c, t)
        if self.p(0.05):
            first = ""
        if self.p(0.03):
            last = ""
        dob = self.dob(c, 0.3)
        if dob is None:
            dob_s = ""
        elif self.fixed(0.2):
            dob_s = f"{dob.month}/{dob.day}/{dob.year}"
        else:
            dob_s = f"{dob.month:02d}/{dob.day:02d}/{dob.year}"
        a = self.at(c.addr_hist, t)
        city = (
            "" if self.p(0.4) else self.city_str(a, t, "en" if c.eth != "vn" and self.fixed(0.5) else "full")
        )
        created = t - dt.timedelta(days=self.r.randint(0, 700), seconds=self.r.randint(0, 86399))
        row = {
            "user_id": self.unique(lambda: str(uuid.UUID(int=self.r.getrandbits(128), version=4))),
            "first_name": first,
            "last_name": last,
            "email": self.email(c, t, 0.02, "app_users") or "",
            "phone": self.fmt_phone(self.pick_phone(c, t, 0.10, "app_users"), "app_users", t) or "",
            "dob": dob_s,
            "gender": {"M": "male", "F": "female"}[c.gender] if self.fixed(0.7) else "",
            "city": city,
            "platform": self.c(["ios", "android", "android"]),
            "created_at": (created + VN_OFFSET).strftime("%Y-%m-%d %H:%M:%S"),
            "updated_at": (t + VN_OFFSET).strftime("%Y-%m-%d %H:%M:%S"),
        }
        if row["platform"] == "ios":
            self.text_noise(row, ["first_name", "last_name", "city"], "app_users")
        return row

    def app_reregistration(self, c, row):
        """A second app account: often a fresh e-mail address."""
        if c.emails and self.fixed(0.5):
            giv = "".join(c.giv) if isinstance(c.giv, list) else c.giv
            loc = slug(giv) + slug(c.fam) + str(self.r.randint(1, 9999))
            e = f"{loc}@{self.c(['gmail.com', 'icloud.com', 'outlook.com'])}"
            if e not in self.used_emails:
                self.used_emails.add(e)
                row["email"] = e
        return row

    # ---- assemble -------------------------------------------------------
    def records(self):
        dup_rate = {
            "policy_admin": 0.05,
            "claims": 0.07,
            "agents_crm": 0.12,
            "loans": 0.04,
            "app_users": 0.05,
        }
        make = {
            "policy_admin": self.rec_policy_admin,
            "claims": self.rec_claims,
            "agents_crm": self.rec_agents_crm,
            "loans": self.rec_loans,
            "app_users": self.rec_app_users,
        }
        id_key = {
            "policy_admin": "ma_khach_hang",
            "claims": "claimant_id",
            "agents_crm": "lead_id",
            "loans": "customer_no",
            "app_users": "user_id",
        }
        out = {s: [] for s in SOURCES}
        for c in self.people:
            for s in SOURCES:
                if s not in c.systems:
                    continue
                n = 1
                while n < 4 and self.p(dup_rate[s]):
                    n += 1
                for k in range(n):
                    row = make[s](c, self.rec_time(c, s))
                    if s == "app_users" and k > 0:
                        row = self.app_reregistration(c, row)
                    out[s].append((row, c.eid))
        # broken rows: a blank id, an id repeated on another record
        for s in SOURCES:
            rows = out[s]
            key = id_key[s]
            for i in range(len(rows)):
                if self.p(0.003):
                    rows[i][0][key] = None if s in ("loans",) or (s == "claims" and self.fixed(0.5)) else ""
                elif self.p(0.003) and len(rows) > 1:
                    j = self.r.randrange(len(rows))
                    if j != i and rows[j][0][key] not in (None, ""):
                        rows[i][0][key] = rows[j][0][key]
            self.r.shuffle(rows)
        return out, id_key


# --------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------

SOURCES_YAML = """\
# Independent insurance / consumer-finance sample ({desc}).
# Paths are relative to this file. Generated by bench/independent_sample_insurance.py.
sources:
  - name: policy_admin
    path: policy_admin.csv
    format: csv
    delimiter: ";"
    id_column: ma_khach_hang
    priority: 1
    phone_region: VN
    timezone: Asia/Ho_Chi_Minh
    fields:
      full_name: ho_ten
      national_id: so_giay_to
      date_of_birth: ngay_sinh
      address: [so_nha, duong, phuong_xa, quan_huyen]
      city: tinh_thanh
      phone: dien_thoai_di_dong
      email: email
      updated_at: ngay_cap_nhat
  - name: loans
    path: loans.parquet
    format: parquet
    id_column: customer_no
    priority: 2
    phone_region: VN
    fields:
      full_name: borrower_name
      national_id: national_id
      date_of_birth: date_of_birth
      phone: phone
      email: email
      address: address_line
      city: city
      updated_at: updated_at
  - name: claims
    path: claims.jsonl
    format: jsonl
    id_column: claimant_id
    priority: 3
    phone_region: VN
    fields:
      full_name: claimant.name
      date_of_birth: claimant.date_of_birth
      national_id: claimant.id_number
      phone: claimant.contact.phone
      email: claimant.contact.email
      address: [claimant.address.street, claimant.address.ward, claimant.address.district]
      city: claimant.address.province
      updated_at: updated_at
  - name: app_users
    path: app_users.csv
    format: csv
    id_column: user_id
    priority: 4
    phone_region: VN
    date_order: month_first
    timezone: Asia/Ho_Chi_Minh
    fields:
      first_name: first_name
      last_name: last_name
      email: email
      phone: phone
      date_of_birth: dob
      city: city
      updated_at: updated_at
  - name: agents_crm
    path: agents_crm.csv
    format: csv
    id_column: lead_id
    priority: 5
    phone_region: VN
    fields:
      full_name: customer_name
      phone: phone
      email: email
      date_of_birth: birthday
      address: address
      city: city
      company: company_name
      tax_id: tax_code
      updated_at: last_modified
"""


def write_csv(path, rows, delimiter):
    cols = list(rows[0][0].keys())
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, delimiter=delimiter)
        w.writerow(cols)
        for row, _ in rows:
            w.writerow(["" if row[k] is None else row[k] for k in cols])


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8") as fh:
        for row, _ in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def write_parquet(path, rows):
    recs = [r for r, _ in rows]
    schema = pa.schema(
        [
            ("customer_no", pa.int64()),
            ("contract_no", pa.string()),
            ("borrower_name", pa.string()),
            ("national_id", pa.string()),
            ("date_of_birth", pa.date32()),
            ("phone", pa.int64()),
            ("email", pa.string()),
            ("address_line", pa.string()),
            ("city", pa.string()),
            ("employer", pa.string()),
            ("monthly_income_vnd", pa.int64()),
            ("loan_product", pa.string()),
            ("updated_at", pa.timestamp("us", tz="UTC")),
        ]
    )
    cols = {}
    for f in schema:
        vals = [r[f.name] for r in recs]
        if f.name == "updated_at":
            vals = [v.replace(tzinfo=dt.timezone.utc) for v in vals]
        cols[f.name] = pa.array(vals, type=f.type)
    pq.write_table(pa.table(cols, schema=schema), path)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--customers", type=int, default=5000)
    ap.add_argument("--mix", choices=sorted(MIX), default="default")
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)

    world = World(args.seed, args.customers, args.mix)
    world.build()
    out, id_key = world.records()

    os.makedirs(args.out, exist_ok=True)
    write_csv(os.path.join(args.out, "policy_admin.csv"), out["policy_admin"], ";")
    write_jsonl(os.path.join(args.out, "claims.jsonl"), out["claims"])
    write_csv(os.path.join(args.out, "agents_crm.csv"), out["agents_crm"], ",")
    write_parquet(os.path.join(args.out, "loans.parquet"), out["loans"])
    write_csv(os.path.join(args.out, "app_users.csv"), out["app_users"], ",")
    desc = f"seed {args.seed}, {args.customers} customers, mix {args.mix}"
    with open(os.path.join(args.out, "sources.yaml"), "w", encoding="utf-8") as fh:
        fh.write(SOURCES_YAML.format(desc=desc))

    total = kept = 0
    with open(os.path.join(args.out, "truth.csv"), "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["source", "source_id", "entity_id"])
        for s in SOURCES:
            ids = [row[id_key[s]] for row, _ in out[s]]
            counts = {}
            for i in ids:
                counts[i] = counts.get(i, 0) + 1
            for row, eid in out[s]:
                total += 1
                i = row[id_key[s]]
                if i is None or str(i).strip() == "" or counts[i] > 1:
                    continue
                kept += 1
                w.writerow([s, str(i), eid])
    per = ", ".join(f"{s}={len(out[s])}" for s in SOURCES)
    print(f"{len(world.people)} customers, {total} records ({per}); {kept} in truth -> {args.out}")


if __name__ == "__main__":
    main()
