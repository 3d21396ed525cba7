"""Emails: validated and lower-cased; only Gmail's dots and the +tags of providers that deliver
them to the untagged mailbox are folded."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mdm.standardise import StdEmail, standardise_email

JUNK = ["\x00@\x01", "\u200b\ufeff", "😀@😀.com", "a" * 100_000 + "@x.com", "@" * 1_000, "\ud800@x.com"]


def test_lower_cased_and_trimmed() -> None:
    assert standardise_email("  An.Nguyen@Shop.COM.vn ") == StdEmail(
        "  An.Nguyen@Shop.COM.vn ", "an.nguyen@shop.com.vn", "an.nguyen@shop.com.vn", True, False, ()
    )


@pytest.mark.parametrize(
    "value",
    ["an.nguyen+shop@gmail.com", "AnNguyen@gmail.com", "a.n.nguyen@googlemail.com", "annguyen+x@GMAIL.COM"],
)
def test_gmail_aliases_share_a_match_key(value: str) -> None:
    assert standardise_email(value).match_key == "annguyen@gmail.com"


@pytest.mark.parametrize("value", ["an.nguyen+shop@yahoo.com", "an.nguyen+sales@fpt.com.vn", "a.n+x@outlook.acme.com"])
def test_other_domains_keep_dots_and_tags(value: str) -> None:
    email = standardise_email(value)
    assert email.match_key == email.normalised == value


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ("mark.d+shop@outlook.com", "mark.d@outlook.com"),
        ("mark.d+2024@hotmail.co.uk", "mark.d@hotmail.co.uk"),
        ("mark.d+x@live.com.au", "mark.d@live.com.au"),
        ("ntyen972+sale@icloud.com", "ntyen972@icloud.com"),
        ("an+vn@proton.me", "an@proton.me"),
    ],
)
def test_providers_sub_addressing_fold_the_tag_and_keep_the_dots(value: str, key: str) -> None:
    """Outlook.com, Hotmail, iCloud, Proton deliver name+tag@ to name@ (RFC 5233), and only
    Gmail ignores dots; the address itself is kept as written."""
    email = standardise_email(value)
    assert (email.match_key, email.normalised) == (key, value)
    assert email.local_has_digits == any(c.isdigit() for c in key.partition("@")[0])


@pytest.mark.parametrize(
    ("value", "normalised"),
    [
        ("<an@x.vn>", "an@x.vn"),
        ("mailto:An@X.vn", "an@x.vn"),
        ("Nguyễn An <AN@x.vn>", "an@x.vn"),
        ("nguyễn@thư.vn", "nguyễn@thư.vn"),
        ("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ", "taro@example.jp"),  # full-width
        ("山田 <ＴＡＲＯ＠example.jp>", "taro@example.jp"),
    ],
)
def test_wrappers_and_unicode(value: str, normalised: str) -> None:
    assert standardise_email(value).normalised == normalised


def test_local_part_digits() -> None:
    assert standardise_email("anh.nguyen@gmail.com").local_has_digits is False
    assert standardise_email("anh.nguyen1990@gmail.com").local_has_digits is True
    assert standardise_email("anh@site2.vn").local_has_digits is False
    # a Gmail tag is not part of the mailbox: the address is as name-only as its key
    assert standardise_email("hung.nguyen+2024@gmail.com").local_has_digits is False
    assert standardise_email("hung.nguyen+2024@example.vn").local_has_digits is True


@pytest.mark.parametrize("local", ["nguyenkhoa123", "khoa.nguyen.1234", "lan_111", "an000"])
def test_filler_digits_are_not_the_mailbox_s_own(local: str) -> None:
    """Namesakes whose name was taken add the same filler ("nguyenkhoa123@"): as name-only as the name."""
    assert standardise_email(f"{local}@gmail.com").local_has_digits is False


@pytest.mark.parametrize("local", ["an88", "an.nguyen1990", "lan_031073", "an0123", "an12"])
def test_birth_years_dates_and_short_numbers_are_the_mailbox_s_own(local: str) -> None:
    assert standardise_email(f"{local}@gmail.com").local_has_digits is True


@pytest.mark.parametrize(
    "value",
    ["n/a", "none", "-", "no email", "an@", "@x.vn", "an@x", "an..b@x.vn", "an@localhost", "a b@x.vn"],
)
def test_invalid(value: str) -> None:
    assert standardise_email(value) == StdEmail(value, None, None, False, False, ("email_invalid",))


@pytest.mark.parametrize(
    ("value", "normalised"),
    [
        ("an.nguyen@gmial.com", "an.nguyen@gmail.com"),  # two letters swapped
        ("an.nguyen@gmail.co", "an.nguyen@gmail.com"),  # one left out
        ("an.nguyen@gmail.con", "an.nguyen@gmail.com"),  # one replaced
        ("an.nguyen@yahooo.com", "an.nguyen@yahoo.com"),  # one added
        ("an.nguyen@yahoo.com.v", "an.nguyen@yahoo.com.vn"),
        ("an.nguyen@gmail,com", "an.nguyen@gmail.com"),
        ("an.nguyen@@hotmail.com", "an.nguyen@hotmail.com"),
        ("an.nguyen@outlook", "an.nguyen@outlook.com"),
        ("an.nguyen90gmail.com", "an.nguyen90@gmail.com"),
        ("an nguyen90@icloud.com", "annguyen90@icloud.com"),
    ],
)
def test_slips_at_the_big_providers_are_repaired_and_flagged(value: str, normalised: str) -> None:
    email = standardise_email(value)
    assert (email.normalised, email.is_valid, email.flags) == (normalised, True, ("email_repaired",))
    assert email.original == value


@pytest.mark.parametrize(
    "value",
    [
        "an@ymail.com", "an@email.com", "an@mail.com", "an@hotmail.de",  # real domains near a provider
        "an@gmx.de", "an@fpt.vn", "an@hotmail.co.uk",
    ],
)
def test_real_domains_are_not_repaired(value: str) -> None:
    email = standardise_email(value)
    assert (email.normalised, email.flags) == (value, ())


@pytest.mark.parametrize("value", ["an@yahoo", "a b@x.vn", "a b c@gmail.com", "an@x,vn", "gmail.com", "an@gmaail,co"])
def test_uncertain_slips_stay_invalid(value: str) -> None:
    assert standardise_email(value).flags == ("email_invalid",)


@pytest.mark.parametrize(
    ("value", "others"),
    [("an@x.vn; binh@y.vn", ("binh@y.vn",)), ("an@x.vn, binh@y.vn", ("binh@y.vn",)),
     ("an@x.vn / binh@y.vn", ("binh@y.vn",)), ("AN@x.vn BINH@y.vn", ("binh@y.vn",)),
     ("An <an@x.vn>, Bình <binh@y.vn>", ("binh@y.vn",)), ("none@none.com; an@x.vn", ()),
     ("an@; an@x.vn | binh@y.vn; binh@y.vn", ("binh@y.vn",))],
)
def test_several_addresses_in_one_field_use_the_first_valid(value: str, others: tuple[str, ...]) -> None:
    """Like a phone field with two numbers: the customer's address stays a matching key; the
    other valid ones are kept for survivorship's collect_all."""
    email = StdEmail(value, "an@x.vn", "an@x.vn", True, False, ("email_multiple",), others)
    assert standardise_email(value) == email


def test_one_address_written_twice_is_one_address() -> None:
    assert standardise_email("an@x.vn; AN@x.vn").flags == ()


@pytest.mark.parametrize("value", ["an@x.vn;", "an@x.vn, ", "; an@x.vn", "an@x.vn |"])
def test_a_list_of_one_address_is_that_address(value: str) -> None:
    """A multi-value field joined with its separator after each value (Outlook's "an@x.vn;"): before,
    the separator was read as part of the one address, which was then invalid and matched nothing."""
    assert standardise_email(value) == StdEmail(value, "an@x.vn", "an@x.vn", True, False, ())


def test_several_addresses_none_valid() -> None:
    assert standardise_email("an@; binh@").flags == ("email_invalid", "email_multiple")


@pytest.mark.parametrize("value", ["none@none.com", "test@test.com", "noemail@gmail.com", "an@example.com"])
def test_placeholders_are_flagged_and_not_matched_on(value: str) -> None:
    assert standardise_email(value) == StdEmail(value, None, None, False, False, ("email_placeholder",))


@pytest.mark.parametrize("value", [None, "", "   "])
def test_blank_is_not_an_error(value: str | None) -> None:
    assert standardise_email(value) == StdEmail(value, None, None, False, False, ())


@given(st.none() | st.text() | st.emails())
def test_never_raises_and_normalised_is_a_fixed_point(value: str | None) -> None:
    email = standardise_email(value)
    assert email.original == value
    assert email.is_valid is (email.normalised is not None)
    if email.normalised is not None:
        assert email.normalised == email.normalised.lower()
        assert standardise_email(email.normalised) == StdEmail(
            email.normalised, email.normalised, email.match_key, True, email.local_has_digits, ()
        )
        assert standardise_email(email.match_key).match_key == email.match_key


@pytest.mark.parametrize("value", JUNK)
def test_junk(value: str) -> None:
    assert standardise_email(value).original == value


_LOCAL = st.one_of(
    st.text(alphabet="abcxyz0189._+-", min_size=0, max_size=70),  # mostly plain
    st.text(alphabet="abcxyz0189._+-!#%'\"é @", min_size=0, max_size=70),
)
_DOMAIN = st.one_of(
    st.sampled_from(["gmail.com", "fpt.com.vn", "x.test", "localhost", "a..b.com", "-a.com", "xn--80ak6aa92e.com",
                     "123.com", "a.b", "mail.c0m", "x" * 64 + ".com", ("y" * 60 + ".") * 4 + "com"]),
    st.text(alphabet="abc019.-_é", min_size=0, max_size=30),
)


@settings(max_examples=500)
@given(_LOCAL, _DOMAIN)
def test_the_plain_address_shortcut_equals_email_validator(local: str, domain: str) -> None:
    """Plain addresses skip most of email_validator (their domain is checked once): the result
    must be what email_validator gives for the whole address."""
    from email_validator import validate_email

    from mdm.standardise import emails

    address = f"{local}@{domain}".lower()
    try:
        result = validate_email(address, check_deliverability=False)
        expected: tuple[str, str] | None = (result.local_part.lower(), result.domain.lower())
    except Exception:
        expected = None
    assert emails._validate(address) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("İSMAİL.YILDIZ@GMAIL.COM", "ismailyildiz@gmail.com"),
     ("SUKRU.OZTURK@FİRMA.COM.TR", "sukru.ozturk@firma.com.tr")],
)
def test_a_turkish_capital_i_is_an_i(value: str, expected: str) -> None:
    """Python lower-cases "İ" to i and a combining dot: the same address was another key, and a
    domain written in capitals another (internationalised) domain."""
    email = standardise_email(value)
    assert (email.match_key, email.is_valid) == (expected, True)
