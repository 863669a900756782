// "did you mean ...?" for a mistyped command or flag: the nearest candidate by edit distance
// (Damerau: a swapped pair of letters counts once), only when it is near enough to be a typo.

function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest candidate, or undefined when none is within a third of the word's length (at least 1). */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const w = word.toLowerCase();
  let best: { c: string; d: number } | undefined;
  for (const c of candidates) {
    // A candidate the word starts (`--dry` for `--dry-run`) is as good as a one-letter typo.
    const d = c.startsWith(w) && w.length >= 3 ? 1 : distance(w, c.toLowerCase());
    if (best === undefined || d < best.d) best = { c, d };
  }
  if (best === undefined) return undefined;
  return best.d <= Math.max(1, Math.floor(w.length / 3)) ? best.c : undefined;
}
