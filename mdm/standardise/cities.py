"""Cities: one canonical folded value per place, whatever name, alias or qualifier a source used.

Sources name one place many ways: the city or its province ("Nha Trang", "Khánh Hòa", "Nha
Trang, Khánh Hòa"), an abbreviation ("TP.HCM", "HCMC"), a former or foreign name ("Sài Gòn",
"Cologne" for Köln), a region code after the city ("Sydney NSW", "Austin, TX"). Matching only
sees the canonical value; the golden record keeps the value as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import MappingProxyType

from mdm.standardise.addresses import COUNTRY_ALIASES
from mdm.standardise.text import ARABIC_FORMS, fold, nfc_clean, unaccented_lower


@dataclass(frozen=True, slots=True)
class StdCity:
    original: str | None
    canonical: str | None
    flags: tuple[str, ...]


# Canonical place and its other names (folded, after the "tp"/"tinh"/"city" words are stripped).
# A Vietnamese province is one place with its capital: people write either.
_VIETNAM = (
    ("ho chi minh", "hcm|hcmc|tphcm|hochiminh|sai gon|saigon|thu duc"),  # Thủ Đức is a city within it
    ("ha noi", "hanoi|hn|tphn"),
    ("da nang", "danang"),
    ("hai phong", "haiphong"),
    ("can tho", "cantho"),
    # "TT Huế": Thừa Thiên Huế. TT also abbreviates thị trấn (a township), left as written; none is Huế.
    ("hue", "thua thien hue|tt hue|tthue"),
    ("nha trang", "nhatrang|khanh hoa"),
    ("vung tau", "vungtau|ba ria vung tau|br vt|brvt|ba ria"),
    ("bien hoa", "dong nai"),
    ("binh duong", "thu dau mot"),
    ("buon ma thuot", "buon me thuot|ban me thuot|dak lak|daklak|dac lac"),
    ("da lat", "dalat|lam dong"),
    ("quy nhon", "qui nhon|binh dinh"),
    ("ha long", "halong|quang ninh"),
    ("vinh", "nghe an"),
    ("rach gia", "kien giang"),
    ("long xuyen", "an giang"),
    ("tam ky", "quang nam"),
    ("my tho", "tien giang"),
    ("tan an", "long an"),
    ("cao lanh", "dong thap"),
    ("phan thiet", "binh thuan"),
    ("phan rang", "phan rang thap cham|ninh thuan"),
    ("tuy hoa", "phu yen"),
    ("pleiku", "play ku|gia lai"),
    ("dong hoi", "quang binh"),
    ("dong ha", "quang tri"),
    ("viet tri", "phu tho"),
    ("vinh yen", "vinh phuc"),
    ("phu ly", "ha nam"),
    ("dong xoai", "binh phuoc"),
    ("vi thanh", "hau giang"),
    ("gia nghia", "dak nong"),
    ("dien bien phu", "dien bien"),
)
# Vietnam merged its 63 provinces into 34 on 1 July 2025, each merged province named after one of
# its parts. Records written since name the merged province ("TP. Hồ Chí Minh" for an address in
# Vũng Tàu, "Gia Lai" for one in Quy Nhơn), older ones the place it absorbed: the two differ
# without the customer having moved. Merged province's canonical place -> those it absorbed.
MERGED_PROVINCES_2025 = MappingProxyType({
    "ho chi minh": ("binh duong", "vung tau"),
    "hai phong": ("hai duong",),
    "da nang": ("tam ky",),
    "can tho": ("soc trang", "vi thanh"),
    "tuyen quang": ("ha giang",),
    "lao cai": ("yen bai",),
    "thai nguyen": ("bac kan",),
    "viet tri": ("vinh yen", "hoa binh"),  # Phú Thọ, with Vĩnh Phúc and Hòa Bình
    "bac ninh": ("bac giang",),
    "hung yen": ("thai binh",),
    "ninh binh": ("phu ly", "nam dinh"),  # with Hà Nam and Nam Định
    "dong ha": ("dong hoi",),  # Quảng Trị, with Quảng Bình
    "quang ngai": ("kon tum",),
    "pleiku": ("quy nhon",),  # Gia Lai, with Bình Định
    "nha trang": ("phan rang",),  # Khánh Hòa, with Ninh Thuận
    "da lat": ("gia nghia", "phan thiet"),  # Lâm Đồng, with Đắk Nông and Bình Thuận
    "buon ma thuot": ("tuy hoa",),  # Đắk Lắk, with Phú Yên
    "bien hoa": ("dong xoai",),  # Đồng Nai, with Bình Phước
    "tay ninh": ("tan an",),  # with Long An
    "vinh long": ("ben tre", "tra vinh"),
    "cao lanh": ("my tho",),  # Đồng Tháp, with Tiền Giang
    "ca mau": ("bac lieu",),
    "long xuyen": ("rach gia",),  # An Giang, with Kiên Giang
})
ABSORBED_2025 = MappingProxyType(
    {place: province for province, places in MERGED_PROVINCES_2025.items() for place in places}
)
# Cities abroad, with their country: those known by a local and an English name or a short
# form, and the largest others of the countries customers most often come from. Not "HK" (Hoàn
# Kiếm in Hà Nội). An alias is read whole before " city" is stripped: "Mexico City" is no "Mexico".
_ABROAD = (
    ("US", "new york", "nyc"), ("US", "san francisco", "sf"), ("US", "washington", "washington dc|washington d c"),
    ("US", "los angeles", ""), ("US", "chicago", ""), ("US", "houston", ""), ("US", "seattle", ""),
    ("US", "boston", ""), ("US", "san jose", ""),
    ("GB", "london", "greater london"), ("GB", "manchester", ""), ("GB", "birmingham", ""),
    ("GB", "edinburgh", ""), ("GB", "glasgow", ""), ("GB", "leeds", ""), ("GB", "bristol", ""),
    ("GB", "liverpool", ""),
    ("SG", "singapore", "singapura"),
    ("DE", "munchen", "munich|muenchen"), ("DE", "koln", "cologne|koeln"), ("DE", "nurnberg", "nuremberg|nuernberg"),
    ("DE", "dusseldorf", "duesseldorf"), ("DE", "frankfurt", "frankfurt am main|frankfurt main|frankfurt a m"),
    ("DE", "berlin", ""), ("DE", "hamburg", ""), ("DE", "stuttgart", ""),
    ("FR", "paris", ""), ("FR", "lyon", ""), ("FR", "marseille", ""), ("FR", "toulouse", ""), ("FR", "nice", ""),
    ("FR", "bordeaux", ""), ("FR", "lille", ""), ("FR", "nantes", ""), ("FR", "strasbourg", ""),
    ("AU", "sydney", ""), ("AU", "melbourne", ""), ("AU", "brisbane", ""), ("AU", "perth", ""),
    ("AU", "adelaide", ""), ("AU", "canberra", ""),
    ("AT", "wien", "vienna"), ("CZ", "praha", "prague"), ("PL", "warszawa", "warsaw"),
    ("IT", "roma", "rome"), ("IT", "milano", "milan"), ("IT", "napoli", "naples"), ("IT", "firenze", "florence"),
    ("IT", "venezia", "venice"), ("IT", "torino", "turin"), ("PT", "lisboa", "lisbon"),
    ("DK", "kobenhavn", "copenhagen"), ("BE", "bruxelles", "brussels|brussel"), ("BE", "antwerpen", "antwerp"),
    ("NL", "den haag", "the hague|s gravenhage"), ("NL", "amsterdam", ""), ("CH", "geneve", "geneva|genf"),
    ("CH", "zurich", "zuerich"), ("SE", "goteborg", "gothenburg"), ("RU", "moskva", "moscow"),
    ("GR", "athina", "athens"), ("CN", "beijing", "peking"), ("CN", "guangzhou", "canton"), ("CN", "shanghai", ""),
    ("MY", "kuala lumpur", "kl"), ("MM", "yangon", "rangoon"), ("IN", "mumbai", "bombay"),
    ("IN", "chennai", "madras"), ("IN", "kolkata", "calcutta"), ("IN", "bengaluru", "bangalore"),
    ("JP", "tokyo", ""), ("JP", "osaka", ""), ("TH", "bangkok", ""), ("KR", "seoul", ""), ("KR", "busan", ""),
    ("KH", "phnom penh", ""), ("LA", "vientiane", ""), ("CA", "toronto", ""), ("CA", "vancouver", ""),
    ("ES", "madrid", ""), ("ES", "barcelona", ""), ("ES", "valencia", ""), ("ES", "sevilla", "seville"),
    ("ES", "zaragoza", "saragossa"), ("ES", "malaga", ""), ("ES", "bilbao", ""),
    ("SE", "stockholm", ""), ("NO", "oslo", ""), ("FI", "helsinki", "helsingfors"), ("IE", "dublin", ""),
    ("IE", "cork", ""), ("NZ", "auckland", ""), ("NZ", "wellington", ""), ("NZ", "christchurch", ""),
    ("HK", "hong kong", "hongkong|kowloon"), ("MO", "macau", "macao"), ("TW", "taipei", "dai bac"),
    ("TW", "kaohsiung", ""), ("ID", "jakarta", ""), ("ID", "surabaya", ""), ("PH", "manila", ""),
    ("PH", "quezon", ""), ("PH", "cebu", ""), ("AE", "dubai", ""), ("AE", "abu dhabi", ""),
    ("TR", "istanbul", ""), ("UA", "kyiv", "kiev"), ("IL", "tel aviv", "tel aviv yafo"),
    ("ZA", "johannesburg", ""), ("ZA", "cape town", ""), ("BR", "sao paulo", ""),
    ("BR", "rio de janeiro", ""), ("MX", "ciudad de mexico", "cdmx|mexico df|mexico d f|mexico city"),
    ("NL", "rotterdam", ""), ("NL", "utrecht", ""), ("NL", "eindhoven", ""), ("NL", "groningen", ""),
    ("NL", "tilburg", ""), ("NL", "almere", ""), ("NL", "breda", ""), ("NL", "nijmegen", ""),
    ("NL", "haarlem", ""), ("NL", "arnhem", ""), ("BE", "gent", "ghent|gand"), ("BE", "brugge", "bruges"),
    ("BE", "liege", "luik|luettich"), ("BE", "leuven", "louvain"), ("SE", "malmo", ""), ("SE", "uppsala", ""),
    ("DK", "aarhus", "arhus"), ("PL", "krakow", "cracow|krakau"), ("PL", "wroclaw", "breslau"),
    ("PL", "gdansk", "danzig"), ("PL", "poznan", ""), ("PL", "lodz", ""), ("TR", "ankara", ""),
    ("TR", "izmir", ""), ("SA", "riyadh", "ar riyadh|riyad"), ("SA", "jeddah", "jiddah|jedda"),
    ("AE", "sharjah", ""),
    ("CN", "shenzhen", ""), ("CN", "tianjin", "tientsin"), ("CN", "chongqing", "chungking"),
    ("CN", "chengdu", ""), ("CN", "wuhan", ""), ("CN", "hangzhou", ""), ("CN", "nanjing", "nanking"),
    ("CN", "xian", "xi an"), ("CN", "suzhou", ""), ("CN", "qingdao", "tsingtao"), ("CN", "xiamen", "amoy"),
    ("CN", "dalian", ""), ("CN", "shenyang", ""), ("TW", "new taipei", ""), ("TW", "taichung", "taizhong"),
    ("TW", "tainan", ""), ("TW", "taoyuan", ""), ("TW", "hsinchu", "xinzhu"),
    ("JP", "yokohama", ""), ("JP", "nagoya", ""), ("JP", "sapporo", ""), ("JP", "fukuoka", ""),
    ("JP", "kobe", ""), ("JP", "kyoto", ""), ("JP", "kawasaki", ""), ("JP", "hiroshima", ""),
    ("KR", "incheon", "inchon"), ("KR", "daegu", "taegu"), ("KR", "daejeon", "taejon"),
    ("KR", "gwangju", "kwangju"), ("KR", "ulsan", ""), ("KR", "suwon", ""),
    ("RU", "sankt peterburg", "saint petersburg|sankt petersburg|petersburg|spb"),
    ("RU", "novosibirsk", ""), ("RU", "yekaterinburg", "ekaterinburg"), ("RU", "kazan", ""),
    ("RU", "nizhny novgorod", "nizhnii novgorod|nizhniy novgorod"), ("RU", "chelyabinsk", "cheliabinsk"),
    ("RU", "samara", ""), ("RU", "omsk", ""), ("RU", "rostov na donu", "rostov on don"), ("RU", "ufa", ""),
    ("RU", "krasnoyarsk", "krasnoiarsk"), ("RU", "voronezh", ""), ("RU", "perm", ""), ("RU", "volgograd", ""),
    ("UA", "kharkiv", "kharkov"), ("UA", "odesa", "odessa"), ("UA", "dnipro", "dnepr|dnipropetrovsk"),
    ("UA", "lviv", "lvov|lwow|lemberg"), ("UA", "zaporizhzhia", "zaporozhye|zaporizhia"),
    ("GR", "thessaloniki", "salonica|salonika"), ("GR", "patra", "patras"),
    ("GR", "irakleio", "heraklion|iraklio|iraklion"), ("GR", "peiraias", "piraeus|pireas"),
    ("GR", "larisa", "larissa"),
)
# The same cities written in their own script, looked up as written (its letters alone, in lower
# case, without accents or vowel marks, an Arabic letter in one of its variant forms): transliterated,
# a name is a skeleton ("دبي" "dby"), a reading of another language's ("東京" "dong jing"), or
# another city's ("广州", Guangzhou, is "yan zhou" as 兖州 is).
_IN_OWN_SCRIPT = (
    ("dubai", "دبي"), ("abu dhabi", "أبو ظبي"), ("riyadh", "الرياض|رياض"), ("jeddah", "جدة"),
    ("sharjah", "الشارقة|شارقة"),
    ("beijing", "北京"), ("shanghai", "上海"), ("guangzhou", "广州|廣州"), ("shenzhen", "深圳"),
    ("tianjin", "天津"), ("chongqing", "重庆|重慶"), ("chengdu", "成都"), ("wuhan", "武汉|武漢"),
    ("hangzhou", "杭州"), ("nanjing", "南京"), ("xian", "西安"), ("suzhou", "苏州|蘇州"),
    ("qingdao", "青岛|青島"), ("xiamen", "厦门|廈門"), ("dalian", "大连|大連"), ("shenyang", "沈阳|瀋陽"),
    ("hong kong", "香港|九龍|九龙"), ("macau", "澳門|澳门"),
    ("taipei", "台北|臺北"), ("new taipei", "新北"), ("taichung", "台中|臺中"), ("tainan", "台南|臺南"),
    ("kaohsiung", "高雄"), ("taoyuan", "桃園|桃园"), ("hsinchu", "新竹"),
    ("tokyo", "東京|东京"), ("osaka", "大阪"), ("yokohama", "横浜|横滨|橫濱"), ("nagoya", "名古屋"),
    ("sapporo", "札幌"), ("fukuoka", "福岡|福冈"), ("kobe", "神戸|神户"), ("kyoto", "京都"),
    ("kawasaki", "川崎"), ("hiroshima", "広島|广岛|廣島"),
    ("seoul", "서울"), ("busan", "부산"), ("incheon", "인천"), ("daegu", "대구"), ("daejeon", "대전"),
    ("gwangju", "광주"), ("ulsan", "울산"), ("suwon", "수원"),
    ("moskva", "Москва"), ("sankt peterburg", "Санкт-Петербург|Петербург|СПб"),
    ("novosibirsk", "Новосибирск"), ("yekaterinburg", "Екатеринбург"), ("kazan", "Казань"),
    ("nizhny novgorod", "Нижний Новгород"), ("chelyabinsk", "Челябинск"), ("samara", "Самара"),
    ("omsk", "Омск"), ("rostov na donu", "Ростов-на-Дону"), ("ufa", "Уфа"), ("krasnoyarsk", "Красноярск"),
    ("voronezh", "Воронеж"), ("perm", "Пермь"), ("volgograd", "Волгоград"),
    ("kyiv", "Київ|Киев"), ("kharkiv", "Харків|Харьков"), ("odesa", "Одеса|Одесса"),
    ("dnipro", "Дніпро|Днепр"), ("lviv", "Львів|Львов"), ("zaporizhzhia", "Запоріжжя|Запорожье"),
    ("athina", "Αθήνα|Αθήναι"), ("thessaloniki", "Θεσσαλονίκη"), ("patra", "Πάτρα"),
    ("irakleio", "Ηράκλειο"), ("peiraias", "Πειραιάς"), ("larisa", "Λάρισα"),
)
# The words around a city's name in those scripts: Russian "г." and Ukrainian "м." (город, місто:
# city) before it; 市 (city), Tokyo's 都, Osaka's 府, Korean 시, 특별시, 광역시 after it; "香港特別行政區".
_SCRIPT_AFFIXES = re.compile(r"^(?:город|гор|г|місто|м)|(?:特別行政區|特别行政区|특별시|광역시|[市都府시])$")


def _script_key(value: str) -> str:
    """``value``'s letters alone, in lower case, without accents or Arabic vowel marks ("Αθήνα": "αθηνα")."""
    return "".join(filter(str.isalpha, unaccented_lower(value.translate(ARABIC_FORMS))))


_PLACES = (*(("VN", city, aliases) for city, aliases in _VIETNAM), *_ABROAD)
CITY_ALIASES = MappingProxyType(
    {alias: city for _, city, aliases in _PLACES for alias in (city, *aliases.split("|")) if alias}
)
_IN_SCRIPT = MappingProxyType(
    {_script_key(alias): city for city, aliases in _IN_OWN_SCRIPT for alias in aliases.split("|")}
)


def _folded(value: str | None) -> str | None:
    """The folded value; a known city in its own script, its canonical place ("北京市": beijing)."""
    if not value or value.isascii():
        return fold(value)
    key = _script_key(value)
    place = _IN_SCRIPT.get(key) or _IN_SCRIPT.get(_SCRIPT_AFFIXES.sub("", key))
    return place or fold(value.translate(ARABIC_FORMS))


# The country of each known city (ISO 3166 alpha-2): a phone number written without a country
# code in a record from London is a British number, whatever its source's default region.
CITY_COUNTRY = MappingProxyType({city: country for country, city, _ in _PLACES})
_CITY_PREFIX = re.compile(r"^(?:tp|thanh pho|tinh|city of) ")
# A French CEDEX ("Paris Cedex 08": a large mail user's sorting office) names no other city.
_CITY_SUFFIX = re.compile(r" (?:city|viet nam|vietnam|vn|cedex(?: \d{1,2})?)$")
# "T. Bình Dương" is tỉnh Bình Dương, but only before a place known: "T." is as often a person's initial.
_PROVINCE_INITIAL = "t "

# Abbreviations that name a place in one country only, read where the record is of that country
# (record.py says which): "CT" is Connecticut in the US, "SG" Singapore to a Singaporean and Sài
# Gòn to many a Vietnamese writer, so it is read only as Singapore. "ĐN" is Đà Nẵng and Đồng Nai
# alike, and stays as written.
# Ireland's Eircode routing keys D01 to D24 and D6W are Dublin's postal districts, and are Dublin
# written as a city in Ireland only ("D10" is District 10 to an English-writing Vietnamese).
CITY_ABBREVIATIONS = MappingProxyType({
    "hp": {"VN": "hai phong"}, "ct": {"VN": "can tho"}, "tth": {"VN": "hue"}, "sg": {"SG": "singapore"},
    **{key: {"IE": "dublin"} for key in (*(f"d{n:02d}" for n in range(1, 25)), "d6w")},
})
# Abbreviations that name more than one place where they are written, so a record keeps them as
# written, but a search reads as each place too: "ĐN" Đà Nẵng or Đồng Nai, "SG" Sài Gòn (or
# Singapore).
SEARCHED_ABBREVIATIONS = MappingProxyType({"dn": ("da nang", "bien hoa"), "sg": ("ho chi minh",)})
# A postal district's number after a known city: Dublin's ("Dublin 2", "Dublin 6W"), an
# arrondissement ("Paris 8e", "Lyon 1er"), Prague's ("Praha 2"). The city is the same one; the
# district stays in the city as written (the golden record's), not in the matched canonical city.
_DISTRICT = re.compile(r"\d{1,2}(?:e|er|eme|w)?")
# Region codes written after a city ("New York, NY", "London, UK", "Sydney NSW"): US states,
# Canadian provinces, Australian states, and the UK's own countries.
_REGION_COUNTRY_CODES = (
    ("US", "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH"
           " NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY"),
    ("CA", "AB BC MB NB NL NS NT NU ON PE QC SK YT"),
    ("AU", "NSW VIC QLD SA WA TAS ACT NT"),
    ("GB", "UK GB ENG SCT WLS NIR"),
)
# The countries each code is a region of: "WA" is Washington and Western Australia, "NT" a Canadian
# and an Australian territory.
_REGION_COUNTRIES = MappingProxyType({
    code: frozenset(country for country, codes in _REGION_COUNTRY_CODES if code in codes.split())
    for _, codes in _REGION_COUNTRY_CODES for code in codes.split()
})
_REGION_CODES = frozenset(_REGION_COUNTRIES)
# A US ZIP or a Canadian postcode after the state's or province's code: "Athens, GA 30601",
# "London ON N6A 3K7".
_ZIP_AFTER_REGION = re.compile(r"\s+(?:\d{5}(?:-\d{4})?|[A-Z]\d[A-Z] ?\d[A-Z]\d)$")
# Where a place is written with its province or district: "Nha Trang, Khánh Hòa", "Quận 1 - TP.HCM".
_SEGMENTS = re.compile(r"\s*[,/;]\s*|\s+[-\u2013]\s+")


# "St" and "Ste" before a name are Saint and Sainte, written short: "St-Jean-sur-Richelieu", "Ste-Foy",
# "St. Louis", "St Petersburg".
_SAINT = re.compile(r"\b(st|ste)(?= [a-z])")


def _bare(folded: str) -> str:
    """``folded`` without the words around a place's name ("tp", "thanh pho", "city", "vn"), but
    where they are part of a known alias ("mexico city", whose "mexico" is the country); a short
    "St" written whole."""
    folded = _SAINT.sub(lambda short: "saint" if short[1] == "st" else "sainte", folded)
    while folded not in CITY_ALIASES:
        stripped = _CITY_SUFFIX.sub("", _CITY_PREFIX.sub("", folded))
        if stripped == folded:
            break
        folded = stripped
    province = folded.removeprefix(_PROVINCE_INITIAL)
    return province if province in CITY_ALIASES else folded


def _place(bare: str) -> str | None:
    """The canonical place a bare folded name is, with or without a region code, a postal
    district or its own abbreviation after it ("Dublin D02")."""
    head, _, last = bare.rpartition(" ")
    city = CITY_ALIASES.get(head)
    after_city = (last.upper() in _REGION_CODES or _DISTRICT.fullmatch(last) is not None
                  or city in CITY_ABBREVIATIONS.get(last, {}).values())
    return CITY_ALIASES.get(bare) or (city if after_city else None)


def _part_place(part: str) -> str | None:
    """The canonical place one part of a value ("Nha Trang" in "Nha Trang, Khánh Hòa") names."""
    folded = _folded(part)
    return _place(_bare(folded)) if folded else None


def _region_apart(value: str) -> tuple[str, str | None]:
    """(the value without a region code after it, the code): after a comma ("Austin, TX"), or in
    capitals after a mixed-case name ("Sydney NSW"; "SA PA" is left whole); a ZIP after the code too."""
    without_zip = _ZIP_AFTER_REGION.sub("", value)
    head, comma, tail = without_zip.rpartition(",")
    if comma and head.strip() and (code := tail.strip().upper().rstrip(".")) in _REGION_CODES:
        return head, code
    words = without_zip.split()
    if len(words) > 1 and words[-1].isupper() and (code := words[-1].rstrip(".")) in _REGION_CODES:
        head = " ".join(words[:-1])
        if any(ch.islower() for ch in head):
            return head, code
    return value, None


def _without_region(value: str) -> str:
    """The value without a region code after it: "Austin, TX" is Austin ("Athens, GA 30601", with its ZIP,
    is read by its parts, as it always was)."""
    head, code = _region_apart(value)
    return head if code and not _ZIP_AFTER_REGION.search(value) else value


def written_country(value: str | None, place: str | None) -> str | None:
    """The country a city written as ``value``, read as the known ``place``, is in: the one of a region
    code written after it, else the place's. "Athens, GA 30601", "St. Petersburg, FL", "London, ON"
    are American and Canadian towns of the names of Greek, Russian and British cities; "Perth WA" is
    Perth in Australia (WA, Washington too, names no one country alone)."""
    home = CITY_COUNTRY.get(place or "")
    code = _region_apart(value)[1] if value else None
    if code is None or home in _REGION_COUNTRIES[code]:
        return home
    countries = _REGION_COUNTRIES[code]
    return next(iter(countries)) if len(countries) == 1 else None


def standardise_city(value: str | None, country: str | None = None) -> StdCity:
    """One canonical folded value per city, whatever alias, province, prefix or trailing
    region code the source used; an unknown city is its folded self. ``country``, the record's
    (ISO 3166 alpha-2), reads the abbreviations that name a place only there ("HP" in Vietnam)."""
    text = _without_region(value) if value else value
    folded = _folded(text)
    if folded is None:
        flags = ("city_invalid",) if nfc_clean(value) else ()
        return StdCity(value, None, flags)
    # The whole value, else the first of its parts that names a known place.
    bare = _bare(folded)
    canonical = (_place(bare) or CITY_ABBREVIATIONS.get(bare, {}).get(country or "")
                 or next(filter(None, map(_part_place, _SEGMENTS.split(text))), None))
    return StdCity(value, canonical or bare, ())


def city_readings(value: str) -> list[str]:
    """Every city a searched value may name: as written, and an abbreviation as each country
    that has it reads it ("SG": Singapore, and "sg" as a Vietnamese record keeps it; "CT": Cần
    Thơ, and a US record's "ct"), and as each place it may name ("ĐN": Đà Nẵng and Đồng Nai). A
    search knows no record's country, nor which place its writer meant, and finds all of them."""
    countries = {country for places in CITY_ABBREVIATIONS.values() for country in places}
    readings = {standardise_city(value, country).canonical for country in (None, *sorted(countries))}
    readings.update(SEARCHED_ABBREVIATIONS.get(standardise_city(value).canonical or "", ()))
    return sorted(filter(None, readings))


# Provinces neither list above names (unchanged by the 2025 merger, and not on the way to or from
# a place of their own): a city read from an address may be any province's name.
_OTHER_PROVINCES = ("cao bang", "ha tinh", "lai chau", "lang son", "son la", "thanh hoa")
_PROVINCES = frozenset((*MERGED_PROVINCES_2025, *ABSORBED_2025, *_OTHER_PROVINCES))
# Where an address's parts meet: a comma or semicolon, a line break, or a dash or slash between
# spaces (not the "/" of a house number "12/3").
_ADDRESS_PARTS = re.compile(r"(\s*[,;]\s*|\s*\n\s*|\s+[-\u2013/]\s+)")
# A postcode beside the city: four to six digits (Vietnam, Australia, Singapore, Germany, a US ZIP+4),
# a Dutch one ("1012 AB": tried first, or "1012 AB Amsterdam" read "1012" and the city "AB Amsterdam"),
# a Swedish or Polish one ("114 55", "00-001"), or a British or Canadian one ("SW1A 2AA", "M5V 2T6").
_POSTCODE = (r"(?:\d{4} ?[A-Z]{2}\b|\d{4,6}(?:-\d{4})?|\d{3} \d{2}|\d{2}-\d{3}"
             r"|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}|[A-Z]\d[A-Z] ?\d[A-Z]\d)")
# A line break ends a part as a comma does: a spreadsheet's cell or a CRM's street field written on
# several lines ("Rue de Rivoli 142\n75001 Paris"), which cleaning the text would make one line.
_LINE_BREAK = re.compile(r"[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]+")
_POSTCODE_AFTER = re.compile(rf"^(.*?)\s*\b({_POSTCODE})$")
# European addresses may write the country's code before the postcode ("SE-114 55", "D-10115",
# "NL-1012 AB"): ISO codes, and the old single letters of Austria, Germany, France, Italy, Norway,
# Sweden; the postcode is read without it.
_COUNTRY_BEFORE_POSTCODE = r"(?:[A-Z]{2}|[ADFINS])-"
_POSTCODE_BEFORE = re.compile(rf"^(?:{_COUNTRY_BEFORE_POSTCODE})?({_POSTCODE})\b\s*(.*)$")
# A postcode that says a town's name follows, known or not: a Dutch one ("3511 AB Zeist"; not "1234 NW
# Glisan St", a Portland house before its quarter), or one after its country's code ("SE-171 64 Solna").
_TOWN_AFTER_POSTCODE = re.compile(
    rf"^(?:\d{{4}} ?(?!NE|NW|SE|SW)[A-Z]{{2}}|{_COUNTRY_BEFORE_POSTCODE}{_POSTCODE})"
    r" (?:'s[- ])?[^\W\d_](?:[^\W\d_]|[' .-])*$"  # "5211 AB 's-Hertogenbosch"
)


@dataclass(frozen=True, slots=True)
class AddressCity:
    """The city an address ends with, when the record names none of its own."""

    address: str  # the address without its city, nor a postcode or country after it ("" if it was the city)
    city: str  # as written ("TP.HCM"), without its postcode
    postcode: str | None


def _postcode_apart(part: str) -> tuple[str | None, str]:
    """(postcode, the rest) of an address's part: "London SW1A 2AA", "10115 Berlin"."""
    if after := _POSTCODE_AFTER.match(part):
        return after[2], after[1]
    if before := _POSTCODE_BEFORE.match(part):
        return before[1], before[2]
    return None, part


def _is_country(part: str) -> bool:
    """A country's name, or its code in capitals: "Việt Nam", "UK" (but "la" or "my" is no country)."""
    key = (fold(part) or "").replace(" ", "")
    return key in COUNTRY_ALIASES and (len(key) > 2 or part.isupper())


def city_in_address(value: str | None) -> AddressCity | None:
    """The known city or province one address's last part names, after a postcode or country
    ("12 Nguyễn Huệ, Q.1, TP.HCM 700000", "221B Baker Street, London, UK"). Only a whole part that
    is a known place, alone or after a part with a street's name: "Đường Hà Nội", "Quận 1", "Hanoi
    Road" and the "Hà Nội" of "12, Hà Nội" name no city. A town none knows after a postcode that
    says one follows is one too ("Dorpsstraat 1, 3511 AB Zeist")."""
    lines = (nfc_clean(line) for line in _LINE_BREAK.split(value or ""))  # each cleaned apart
    parts = _ADDRESS_PARTS.split("\n".join(filter(None, lines)))
    postcode = None
    for i in range(len(parts) - 1, -1, -2):  # the parts, last first; the odd items are their separators
        code, part = _postcode_apart(parts[i].strip())
        postcode = postcode or code
        bare = _bare(_folded(part) or "")
        # Singapore is a city before it is a country
        if _place(bare) or bare in _PROVINCES or _TOWN_AFTER_POSTCODE.match(parts[i].strip()):
            address = "".join(parts[: max(i - 1, 0)]).replace("\n", " ").strip()  # as shown
            if address and not any(map(str.isalpha, address)):
                return None  # "12, Hà Nội" may be a street's number and name
            return AddressCity(address, part, postcode)
        if part and not _is_country(part) and part.upper() not in _REGION_CODES:
            return None
    return None


def address_city(address: str | None, city: str | None) -> AddressCity | None:
    """The city ``address`` ends with (:func:`city_in_address`) where ``city``, the record's own,
    is blank or the same place: another place at its end ("…, Hà Nội" in Huế) is a street's name or
    a mistake, and stays part of the address. A record and a search read an address so alike."""
    found = city_in_address(address)
    if found and city and standardise_city(found.city).canonical != standardise_city(city).canonical:
        return None
    return found
