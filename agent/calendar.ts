/**
 * Calendar days in the terminal's time zone (the site config's timeZone): what "today" and "30/11/2026" mean
 * on the operator page's day list and in `register list --from/--to`, wherever the process or browser is set.
 */

/** YYYY-MM-DD of `at` in the zone. */
export function localDate(at: Date, timeZone: string): string {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(at).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
}

/** [from, to) in UTC ISO of that calendar day in the zone (23 or 25 hours long across a DST change); null for no such day. */
export function dayRange(date: string, timeZone: string): { from: string; to: string } | null {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const noon = new Date(Date.UTC(y, m - 1, d, 12));
  if (noon.getUTCFullYear() !== y || noon.getUTCMonth() !== m - 1 || noon.getUTCDate() !== d) return null;
  const next = new Date(Date.UTC(y, m - 1, d + 1, 12));
  return { from: localMidnight(noon, timeZone).toISOString(), to: localMidnight(next, timeZone).toISOString() };
}

/** The instant the zone's wall clock reads 00:00 on the UTC date of `day`. */
function localMidnight(day: Date, timeZone: string): Date {
  const wallMidnight = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate());
  // The offset at the guess, then at the corrected instant: right on either side of a DST change.
  let at = wallMidnight - offsetMs(new Date(wallMidnight), timeZone);
  at = wallMidnight - offsetMs(new Date(at), timeZone);
  return new Date(at);
}

/** How far the zone's wall clock is ahead of UTC at that instant. */
function offsetMs(at: Date, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' })
      .formatToParts(at)
      .map((p) => [p.type, Number(p.value)]),
  );
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return wall - Math.floor(at.getTime() / 1000) * 1000;
}
