/**
 * League tables (排名) the way 12345 offices read them: the three rates (三率) folded into one
 * composite score, a rank, and the change against the previous period of the same length.
 * Pure: the console and the export both rank with this one function.
 */

/** The rates a row carries (null: nothing to rate yet in the period). */
export interface Rates {
  responseRate: number | null;
  resolutionRate: number | null;
  satisfactionRate: number | null;
}

/**
 * Weights of the composite score. The 10 / 45 / 45 split is the one most often cited for the
 * 12345 assessments (the official weights are not published and change): a proposal, in one place.
 */
export const scoreWeights = { responseRate: 0.1, resolutionRate: 0.45, satisfactionRate: 0.45 } as const;

/**
 * 综合得分 = 响应率 × 10% + 办结率 × 45% + 满意率 × 45%, on 0–100. A rate with nothing to rate
 * (no verdicts yet, say) drops out and the other weights are scaled up to sum to 100%; with no
 * rate at all there is no score.
 */
export function compositeScore(r: Rates): number | null {
  let sum = 0;
  let weight = 0;
  for (const key of Object.keys(scoreWeights) as (keyof Rates)[]) {
    const v = r[key];
    if (v === null) continue;
    sum += v * scoreWeights[key];
    weight += scoreWeights[key];
  }
  return weight === 0 ? null : Math.round((sum / weight) * 1000) / 10;
}

export interface Ranked<T> {
  row: T;
  score: number | null;
  /** 1-based; rows without a score have none. Equal scores share a rank. */
  rank: number | null;
  previous?: { score: number | null; rank: number | null; rates: Rates };
  /** Score now minus score then (points), when both exist. */
  scoreChange: number | null;
  /** Positive: moved up the table. */
  rankChange: number | null;
}

function rank<T extends Rates>(rows: readonly T[]): Map<T, { score: number | null; rank: number | null }> {
  const scored = rows.map((row) => ({ row, score: compositeScore(row) }));
  const ordered = scored.filter((s) => s.score !== null).sort((a, b) => (b.score ?? 0) - (a.score ?? 0));
  const out = new Map<T, { score: number | null; rank: number | null }>();
  ordered.forEach((s, i) => {
    const prev = ordered[i - 1];
    const r = prev && prev.score === s.score ? (out.get(prev.row)?.rank ?? i + 1) : i + 1;
    out.set(s.row, { score: s.score, rank: r });
  });
  for (const s of scored) if (s.score === null) out.set(s.row, { score: null, rank: null });
  return out;
}

/** Rank the period's rows and set each beside the same key's row of the previous period. */
export function leagueTable<T extends Rates>(
  current: readonly T[],
  previous: readonly T[],
  key: (row: T) => string,
): Ranked<T>[] {
  const now = rank(current);
  const then = rank(previous);
  const before = new Map(previous.map((r) => [key(r), r]));
  const rows = current.map((row): Ranked<T> => {
    const mine = now.get(row) ?? { score: null, rank: null };
    const old = before.get(key(row));
    const oldRank = old ? (then.get(old) ?? { score: null, rank: null }) : undefined;
    return {
      row,
      score: mine.score,
      rank: mine.rank,
      ...(old && oldRank
        ? {
            previous: {
              score: oldRank.score,
              rank: oldRank.rank,
              rates: {
                responseRate: old.responseRate,
                resolutionRate: old.resolutionRate,
                satisfactionRate: old.satisfactionRate,
              },
            },
          }
        : {}),
      scoreChange:
        mine.score !== null && oldRank?.score != null
          ? Math.round((mine.score - oldRank.score) * 10) / 10
          : null,
      rankChange: mine.rank !== null && oldRank?.rank != null ? oldRank.rank - mine.rank : null,
    };
  });
  return rows.sort(
    (a, b) => (a.rank ?? Number.POSITIVE_INFINITY) - (b.rank ?? Number.POSITIVE_INFINITY) || 0,
  );
}

/** The previous period of the same length, ending where this one starts. */
export function previousPeriod(from: string, to: string): { from: string; to: string } {
  const span = Date.parse(to) - Date.parse(from);
  // Periods end at 23:59 of their last day (whole minutes): the previous one ends a minute before.
  return { from: shiftIso(from, -span - 60_000), to: shiftIso(from, -60_000) };
}

/** An instant moved by `ms`, keeping the `+08:00` offset the API speaks. */
function shiftIso(iso: string, ms: number): string {
  const t = Date.parse(iso) + ms;
  return `${new Date(t + 8 * 3_600_000).toISOString().slice(0, 19)}+08:00`;
}
