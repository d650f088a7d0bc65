"""Column-wise tables of what the estate holds: resources, usage slots and line descriptors.

An estate has up to hundreds of thousands of resources and slots; storing them as typed columns
(and each distinct tag set, zone or descriptor once) keeps the generator's memory small.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field

import numpy as np

from . import catalog

_REGION_INDEX = {r.code: i for i, r in enumerate(catalog.REGIONS)}
KIND_NAMES = ("", *catalog.KINDS)  # index 0: no kind (the "no resource" row, commitments' pseudo-resources)
_KIND_INDEX = {k: i for i, k in enumerate(KIND_NAMES)}


class Descriptors:
    """Distinct sets of a line's categorical (string) columns; each line points at one by index."""

    def __init__(self) -> None:
        self.items: list[dict[str, str]] = []
        self._index: dict[tuple, int] = {}

    def add(self, fields: dict[str, str]) -> int:
        key = tuple(sorted(fields.items()))
        found = self._index.get(key)
        if found is None:
            found = self._index[key] = len(self.items)
            self.items.append(dict(fields))
        return found

    def __len__(self) -> int:
        return len(self.items)


@dataclass
class Resource:
    resource_id: str
    account: int  # index into org.ACCOUNTS
    zone: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    service: str = ""
    env: str = ""
    kind: str = ""
    region: str = ""
    start: int = 0  # window day index, inclusive
    end: int = 0  # window day index, inclusive
    start_hour: int = 0  # hour the resource appears on its first day
    end_hour: int = 24  # hour it disappears on its last day


@dataclass
class Slot:
    template: str
    base: float
    sp: int = -1
    ri: int = -1
    stable_id: bytes = b""


class ResourceTable:
    """Resources stored column-wise (a few dozen bytes each); identical tag sets are stored once."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.account, self.region, self.zone, self.tagset = array("i"), array("i"), array("i"), array("i")
        self.kind = array("i")  # index into KIND_NAMES: what an inventory scan would call the resource
        self.start, self.end, self.start_hour, self.end_hour = array("i"), array("i"), array("i"), array("i")
        self.zones: list[str] = [""]
        self.tagsets: list[tuple[tuple[str, str], ...]] = [()]
        self._zone_index: dict[str, int] = {"": 0}
        self._tagset_index: dict[tuple[tuple[str, str], ...], int] = {(): 0}

    def append(self, r: Resource) -> int:
        tags = tuple(r.tags.items())
        self.ids.append(r.resource_id)
        self.account.append(r.account)
        self.region.append(_REGION_INDEX.get(r.region, 0))
        self.kind.append(_KIND_INDEX[r.kind])
        self.zone.append(self._zone_index.setdefault(r.zone, len(self._zone_index)))
        if len(self._zone_index) > len(self.zones):
            self.zones.append(r.zone)
        self.tagset.append(self._tagset_index.setdefault(tags, len(self._tagset_index)))
        if len(self._tagset_index) > len(self.tagsets):
            self.tagsets.append(tags)
        for column, value in ((self.start, r.start), (self.end, r.end), (self.start_hour, r.start_hour), (self.end_hour, r.end_hour)):
            column.append(value)
        return len(self.ids) - 1

    def __len__(self) -> int:
        return len(self.ids)

    def tags(self, index: int) -> dict[str, str]:
        return dict(self.tagsets[self.tagset[index]])

    def finish(self) -> None:
        """Freeze the integer columns as numpy arrays."""
        for name in ("account", "region", "zone", "tagset", "kind", "start", "end", "start_hour", "end_hour"):
            setattr(self, name, np.frombuffer(getattr(self, name), dtype=np.int32).copy())


class SlotTable:
    """Usage slots stored column-wise."""

    def __init__(self) -> None:
        self.resource, self.template, self.sp, self.ri = array("i"), array("i"), array("i"), array("i")
        self.base = array("d")
        self.stable: dict[int, bytes] = {}
        self.template_keys: list[str] = []
        self._template_index: dict[str, int] = {}

    def append(self, resource: int, s: Slot) -> None:
        if s.stable_id:
            self.stable[len(self.resource)] = s.stable_id
        self.resource.append(resource)
        self.template.append(self._template_index.setdefault(s.template, len(self._template_index)))
        if len(self._template_index) > len(self.template_keys):
            self.template_keys.append(s.template)
        self.sp.append(s.sp)
        self.ri.append(s.ri)
        self.base.append(s.base)

    def __len__(self) -> int:
        return len(self.resource)
