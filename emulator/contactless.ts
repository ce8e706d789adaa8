/**
 * Historical bytes of an ATS (ISO 14443-4: TL T0 [TA1] [TB1] [TC1] historical bytes, no CRC).
 */
export function atsHistoricalBytes(ats: Uint8Array): Uint8Array {
  if (ats.length < 2) return new Uint8Array(0);
  const t0 = ats[1]!;
  let offset = 2;
  if (t0 & 0x10) offset++;
  if (t0 & 0x20) offset++;
  if (t0 & 0x40) offset++;
  return ats.slice(Math.min(offset, ats.length), ats[0]!);
}

/**
 * The ATR a PC/SC reader reports for an ISO 14443-4 card (PC/SC part 3, §3.1.3.2.3):
 * 3B 8n 80 01 <n historical bytes of the ATS> TCK, TCK = XOR of every byte after TS.
 */
export function synthesizeContactlessAtr(historical: Uint8Array): Uint8Array {
  const hist = historical.subarray(0, 15);
  const atr = new Uint8Array(5 + hist.length);
  atr.set([0x3b, 0x80 | hist.length, 0x80, 0x01]);
  atr.set(hist, 4);
  let tck = 0;
  for (let i = 1; i < atr.length - 1; i++) tck ^= atr[i]!;
  atr[atr.length - 1] = tck;
  return atr;
}
