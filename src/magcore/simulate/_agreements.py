"""Agreements: made in held conversations, carried forward, done or dropped (internal).

Each person's open agreements are reviewed at that person's next held conversations, in request
order, until they are done or dropped (more often dropped when the manager changed in between),
or stay open. Split from :mod:`magcore.simulate.engine`, which calls :func:`agreements_of`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ..model.cycle import CycleDefinition
from ._order import lex_order as _lex
from ._order import pack
from .config import SimulationConfig
from .tables import Agreements, Conversations

__all__ = ["agreements_of"]

I64 = npt.NDArray[np.int64]
MINUTE = 60


def agreements_of(
    config: SimulationConfig,
    cycle: CycleDefinition,
    conv: Conversations,
    rng: np.random.Generator,
) -> Agreements:
    n_agr = conv.n_agreements
    total = int(n_agr.sum())
    source = np.repeat(np.arange(len(conv), dtype=np.int64), n_agr)
    first = np.cumsum(n_agr) - n_agr
    number = np.arange(total, dtype=np.int64) - np.repeat(first, n_agr) + 1
    u = rng.random(total)
    three = conv.pattern[source] == 2
    owner = np.select([u < 0.5, u < 0.8, (u < 0.9) | ~three], [0, 1, 2], default=3)
    theme_ids = {t.id: i for i, t in enumerate(cycle.themes)}
    kind_themes = [
        np.asarray(
            [theme_ids[t] for t in k.themes] or list(range(len(cycle.themes))), dtype=np.int64
        )
        for k in cycle.kinds
    ]
    theme = np.full(total, -1, dtype=np.int64)
    for i, choices in enumerate(kind_themes):
        rows = np.flatnonzero(conv.kind[source] == i)
        if len(choices) and len(rows):
            theme[rows] = choices[rng.integers(0, len(choices), len(rows))]

    # Each person's held conversations in request order: the moments an agreement is reviewed.
    held = np.flatnonzero(conv.held)
    seq = held[_lex(conv.person[held], conv.t_req[held])]
    seq_key = (conv.person[seq] << 34) | conv.t_req[seq]
    agreed_t = conv.t_confirm[np.arange(len(conv)), conv.n_parts - 1]
    # Where each conversation's agreements are first reviewed: looked up once per conversation,
    # in person order (nearly sorted queries search fast), then per agreement.
    after = np.zeros(len(conv), dtype=np.int64)
    after[seq] = np.searchsorted(seq_key, (conv.person[seq] << 34) | agreed_t[seq], side="right")
    position = after[source]
    status = np.zeros(total, dtype=np.int64)
    resolved_in = np.full(total, -1, dtype=np.int64)
    changed = np.zeros(total, dtype=bool)
    carried_conv: list[I64] = []
    carried_row: list[I64] = []
    open_rows = np.arange(total, dtype=np.int64)
    step = 0
    manager_of = np.where((conv.pattern != 1) & (conv.pattern != 3), conv.partner, -2)
    while len(open_rows):
        pos = position[open_rows] + step
        valid = pos < len(seq)
        valid[valid] = conv.person[seq[pos[valid]]] == conv.person[source[open_rows[valid]]]
        open_rows = open_rows[valid]
        if not len(open_rows):
            break
        target = seq[pos[valid]]
        carried_conv.append(target)
        carried_row.append(open_rows)
        mc = manager_of[target] != manager_of[source[open_rows]]
        changed[open_rows] |= mc
        drop = np.where(
            changed[open_rows], config.drop_rate_after_manager_change, config.agreement_drop_rate
        )
        x = rng.random(len(open_rows))
        done = x < config.agreement_done_rate
        dropped = ~done & (x < config.agreement_done_rate + drop)
        ends = done | dropped
        status[open_rows[done]] = 1
        status[open_rows[dropped]] = 2
        resolved_in[open_rows[ends]] = target[ends]
        open_rows = open_rows[~ends]
        step += 1
    resolved = resolved_in >= 0
    t_update = np.where(resolved, conv.t_out[np.maximum(resolved_in, 0)] + 30 * MINUTE, -1)
    version = np.full(total, -1, dtype=np.int64)
    r = np.flatnonzero(resolved)
    if len(r):
        # (source, number) names a row: sort packed (source, time, number), read rows back.
        minutes = (t_update[r] - int(t_update[r].min())) // MINUTE
        row_key = pack(source[r], minutes, number[r])
        if row_key is not None and (t_update[r] % MINUTE == 0).all():
            row_key.sort()
            n_bits = max(1, int(number[r].max()).bit_length())
            t_bits = max(1, int(minutes.max()).bit_length())
            order = first[row_key >> (n_bits + t_bits)] + (row_key & ((1 << n_bits) - 1)) - 1
        else:
            order = r[_lex(source[r], t_update[r], number[r])]
        src = source[order]
        boundary = np.r_[True, src[1:] != src[:-1]]
        group_start = np.maximum.accumulate(np.where(boundary, np.arange(len(order)), 0))
        rank = np.arange(len(order)) - group_start + 1
        version[order] = conv.last_version[src] + rank
    cc = np.concatenate(carried_conv) if carried_conv else np.zeros(0, np.int64)
    cr = np.concatenate(carried_row) if carried_row else np.zeros(0, np.int64)
    pair = pack(cc, cr)  # each (conversation, agreement) pair occurs once: sort the pairs
    if pair is not None:
        pair.sort()
        width = max(1, int(cr.max()).bit_length()) if len(cr) else 1
        cc, cr = pair >> width, pair & ((1 << width) - 1)
    else:
        corder = _lex(cc, cr)
        cc, cr = cc[corder], cr[corder]
    return Agreements(
        conv=source,
        number=number,
        owner=owner,
        theme=theme,
        status=status,
        resolved_in=resolved_in,
        t_update=t_update,
        version=version,
        manager_changed=changed,
        carried_conv=cc,
        carried_row=cr,
    )
