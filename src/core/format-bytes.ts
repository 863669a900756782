// Sizes as every message prints them: binary units (KiB, MiB, GiB, TiB), one decimal. One function, so
// a listing, a progress line and a summary never disagree (MB in one place and MiB in another).

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}
