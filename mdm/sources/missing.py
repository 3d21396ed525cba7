"""What exports write in a cell that holds nothing, read as no value wherever a value is read: a
key, a mapped field, a ``deleted: {any_value: true}`` flag. Here, below the config and the readers,
since both read it."""

# SQL clients and dumps (NULL, \N), pandas (nan), people (N/A, -) and spreadsheets, whose formulas
# that found nothing or failed export their error (#N/A, #REF!), and a pivot table's empty cell
# ((blank)). Exact spellings only: "Nan" and "Na" are names.
MISSING_VALUES = frozenset(
    {"NULL", "null", "Null", "(null)", "\\N", "N/A", "n/a", "nan", "NaN", "None", "none", "NONE", "-", "--"}
    | {"(blank)"}
    | {"#N/A", "#NULL!", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#ERROR!", "#SPILL!", "#CALC!"}
)
