"""Identity operands of fields and booleans (see ops_identity.py): ``f + 0``, ``f * 1``, ``f * 0`` next to
``f`` and ``0``; ``b and True``, ``True and b``, ``b or False`` next to ``b``; ``b and False`` next to ``False``."""

import pyleo as pl


@pl.function
def field_identities(f: pl.Public[pl.Field]) -> tuple[pl.Public[pl.Field], pl.Public[pl.Field], pl.Public[pl.Field],
                                                      pl.Public[pl.Field], pl.Public[pl.Field]]:
    return f + 0, f * 1, f, f * 0, 0


@pl.function
def bool_identities(b: pl.Public[pl.Bool]) -> tuple[pl.Public[pl.Bool], pl.Public[pl.Bool], pl.Public[pl.Bool],
                                                    pl.Public[pl.Bool], pl.Public[pl.Bool], pl.Public[pl.Bool]]:
    return b and True, True and b, b or False, b, b and False, False


PROGRAM = pl.Program("identity_other", [field_identities, bool_identities])
