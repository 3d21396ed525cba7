"""Pure value-level standardisers: each never raises, keeps the original and flags bad values."""

from mdm.standardise.addresses import (
    StdAddress,
    standardise_address,
    standardise_country,
    standardise_postcode,
)
from mdm.standardise.cities import StdCity, standardise_city
from mdm.standardise.companies import StdCompany, standardise_company
from mdm.standardise.dates import StdDate, standardise_birth_date, standardise_timestamp
from mdm.standardise.emails import StdEmail, standardise_email
from mdm.standardise.identifiers import StdIdentifier, standardise_national_id, standardise_tax_id
from mdm.standardise.names import StdName, standardise_name
from mdm.standardise.phones import StdPhone, standardise_phone
from mdm.standardise.text import fold, nfc_clean

__all__ = [
    "StdAddress",
    "StdCity",
    "StdCompany",
    "StdDate",
    "StdEmail",
    "StdIdentifier",
    "StdName",
    "StdPhone",
    "fold",
    "nfc_clean",
    "standardise_address",
    "standardise_birth_date",
    "standardise_city",
    "standardise_company",
    "standardise_country",
    "standardise_email",
    "standardise_name",
    "standardise_national_id",
    "standardise_phone",
    "standardise_postcode",
    "standardise_tax_id",
    "standardise_timestamp",
]
