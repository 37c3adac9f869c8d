/** `2026-11-26 08:12 UTC`: instants are stored in UTC and shown as such. */
export function formatInstant(instant: Date | string): string {
  const iso = typeof instant === 'string' ? instant : instant.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}
