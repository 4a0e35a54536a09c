"""Coded values that people read: an enum whose members carry their translated label."""

from __future__ import annotations

import enum


class LabelledEnum(enum.StrEnum):
    """A StrEnum whose members are written `WORK = "work", _l("Work")`: the value is
    stored, the label (translated when shown) is read. `labels()` is the {member: label}
    mapping forms and templates use."""

    def __new__(cls, value: str, label):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def labels(cls) -> dict:
        return {member: member.label for member in cls}
