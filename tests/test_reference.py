"""Reference numbers: what a person reads off the receipt and types back to check a status."""

from __future__ import annotations

import itertools

from service.reference import ALPHABET, check_char, display, new_reference, normalize


def test_references_avoid_look_alike_characters_and_carry_a_check_character():
    refs = {new_reference() for _ in range(2000)}
    assert len(refs) == 2000
    for ref in refs:
        assert len(ref) == 9 and not set(ref) & set("01OI")
        assert check_char(ref[:-1]) == ref[-1]
    ref = next(iter(refs))
    # every single wrong character and every swap of two different neighbours is caught
    for i, c in itertools.product(range(9), ALPHABET):
        if c != ref[i]:
            assert normalize(ref[:i] + c + ref[i + 1:])[0] is None
    for i in range(8):
        if ref[i] != ref[i + 1]:
            swapped = ref[:i] + ref[i + 1] + ref[i] + ref[i + 2:]
            # Luhn mod N misses only one pair of symbols; count, don't assume
            if normalize(swapped)[0] is not None:
                assert {ref[i], ref[i + 1]} == {ALPHABET[0], ALPHABET[-1]}


def test_a_reference_is_read_back_however_the_receipt_was_copied():
    ref = new_reference()
    shown = display(ref)
    assert shown.count("-") == 2 and shown.replace("-", "") == ref  # K7M-2X9-QPA
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in ref)  # a Chinese keyboard's ＫＧＭ
    for typed in (ref, ref.lower(), shown, shown.lower(), " ".join(ref[i:i + 3] for i in (0, 3, 6)),
                  f" {ref} ", shown.replace("-", "－"), full_width):
        assert normalize(typed) == (ref, None), typed


def test_a_mistyped_reference_says_what_to_look_at():
    ref = new_reference()
    assert normalize(ref[:-1])[1] == "申请编号是9位（字母和数字），请再核对一下。"
    assert normalize(ref + "A")[1] == "申请编号是9位（字母和数字），请再核对一下。"
    assert normalize("O" + ref[1:])[1] == "申请编号里没有数字0、1和字母O、I，请再核对一下。"
    assert normalize("")[1] == "申请编号是9位（字母和数字），请再核对一下。"
