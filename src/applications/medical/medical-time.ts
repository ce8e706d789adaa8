import { fromHex } from '../../bytes/hex.js';

/** CCYYMMDDhhmmss as 7 BCD bytes, in local time (what a terminal's clock shows). */
export function bcdDateTime(d: Date): Uint8Array {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return fromHex(
    `${p(d.getFullYear(), 4)}${p(d.getMonth() + 1)}${p(d.getDate())}${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`,
  );
}

/** 7 BCD bytes → ISO local date-time, e.g. 2026-11-23T10:15:30. */
export function isoDateTime(digits: string): string {
  return `${digits.slice(0, 4)}-${digits.slice(4, 6)}-${digits.slice(6, 8)}T${digits.slice(8, 10)}:${digits.slice(10, 12)}:${digits.slice(12, 14)}`;
}
