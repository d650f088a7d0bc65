"""The random numbers one resource is drawn from, by name.

Each random resource takes a fixed block from the estate's stream, 64 uniforms then 8 normals,
whether it uses them or not, so one resource's choices never shift the next one's. The fields
below name the positions of that block (the spare ones are drawn but unused); their order is the
order of the block and must not change, or every seed's estate would.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class TagDraws(NamedTuple):
    """Uniforms 10-28: the resource's tags."""

    profile: float  # clean, messy, service tag only, untagged, or a team nobody knows
    spelling: float  # messy team key; `app` or `service` for a service tag only; which unknown team
    messy_team_key: float
    service_key: float
    messy_service_key: float
    env_key: float
    messy_env_key: float
    messy_team_value: float
    spare: float
    team_value: float
    service_value: float
    messy_service_value: float
    env_value: float
    messy_env_value: float
    name_tag: float
    cost_center_tag: float
    owner_tag: float
    created_by_tag: float
    creator: float


class LifetimeDraws(NamedTuple):
    """Uniforms 30-35: when the resource exists."""

    from_window_start: float  # it exists from the first day of the window
    ends_early: float  # ... but goes away before the window ends
    day: float  # the day it goes away (from the start) or it appears (otherwise)
    hour: float  # that day's hour
    duration: float  # how many days a resource that appears later lives
    last_hour: float  # the hour it goes away on its last day


class SlotDraws(NamedTuple):
    """Uniforms 40-48 and the 8 normals: its usage types and amounts."""

    keep: np.ndarray  # per usage type of its kind: an optional one is kept if below its probability
    size: float  # instance type or database class
    amount: np.ndarray  # per usage type: normal deviate of its amount from the median


class ResourceDraws(NamedTuple):
    service: float
    env: float
    account: float  # Security's production resources: some run in the payer account
    region: float
    kind: float
    zone: float
    tags: TagDraws
    lifetime: LifetimeDraws
    slots: SlotDraws
    savings_plan: float  # covered by the Compute Savings Plan (production compute only)


# What a hand-placed resource is drawn from: the median of every amount (it keeps no optional usage type).
MEDIAN_SLOTS = SlotDraws(keep=np.full(8, 0.5), size=0.5, amount=np.zeros(8))


def draw_resource(rng: np.random.Generator) -> ResourceDraws:
    u = rng.random(64)
    z = rng.standard_normal(8)
    return ResourceDraws(
        service=u[0],
        env=u[1],
        account=u[2],
        region=u[3],
        kind=u[4],
        zone=u[5],
        tags=TagDraws(*u[10:29]),
        lifetime=LifetimeDraws(*u[30:36]),
        slots=SlotDraws(keep=u[40:48], size=u[48], amount=z),
        savings_plan=u[50],
    )
