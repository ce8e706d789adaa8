/** Shows the first 6 and the last 4 digits of a PAN (PCI DSS masking), the rest as '*'. */
export function maskPan(pan: string): string {
  if (pan.length <= 10) return '*'.repeat(pan.length);
  return `${pan.slice(0, 6)}${'*'.repeat(pan.length - 10)}${pan.slice(-4)}`;
}

/** The PAN digits of a 5A value or of track 2 equivalent data (up to the separator D / padding F). */
export function panFromBcd(bytes: Uint8Array): string {
  let digits = '';
  for (const b of bytes) {
    for (const nibble of [b >> 4, b & 0x0f]) {
      if (nibble > 9) return digits;
      digits += String(nibble);
    }
  }
  return digits;
}
