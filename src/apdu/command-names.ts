/** Names commands the way card people say them, from CLA/INS/P1/P2 (ISO 7816-4, PBOC, JT/T 978). */
export function describeCommand(cla: number, ins: number, p1: number, p2: number): string {
  const proprietary = (cla & 0x80) !== 0;
  switch (ins) {
    case 0xa4:
      return `SELECT ${selectTarget(p1)}`;
    case 0xb0:
      return (p1 & 0x80) !== 0 ? `READ BINARY (SFI ${p1 & 0x1f})` : 'READ BINARY';
    case 0xd6:
      return (p1 & 0x80) !== 0 ? `UPDATE BINARY (SFI ${p1 & 0x1f})` : 'UPDATE BINARY';
    case 0xb2:
      return `READ RECORD ${recordTarget(p1, p2)}`;
    case 0xdc:
      return proprietary && cla !== 0x84 ? 'UPDATE CAPP DATA CACHE' : `UPDATE RECORD ${recordTarget(p1, p2)}`;
    case 0x20:
      return p1 === 0 && p2 === 0 ? 'VERIFY (PIN)' : `VERIFY (reference ${p2.toString(16).toUpperCase().padStart(2, '0')})`;
    case 0x24:
      return cla === 0x84 ? 'PIN UNBLOCK (under MAC)' : 'CHANGE REFERENCE DATA';
    case 0x2c:
      return 'RESET RETRY COUNTER';
    case 0x5e:
      return p1 === 0x01 ? 'CHANGE PIN' : 'RELOAD PIN';
    case 0x84:
      return 'GET CHALLENGE';
    case 0x82:
      return `EXTERNAL AUTHENTICATE (key ${p2.toString(16).toUpperCase().padStart(2, '0')})`;
    case 0x88:
      return 'INTERNAL AUTHENTICATE';
    case 0xc0:
      return 'GET RESPONSE';
    case 0xca:
      return `GET DATA (${((p1 << 8) | p2).toString(16).toUpperCase().padStart(4, '0')})`;
    case 0xa8:
      return 'GET PROCESSING OPTIONS';
    case 0xae:
      return 'GENERATE AC';
    case 0x5c:
      return 'GET BALANCE';
    case 0x50:
      return p1 === 0x00
        ? 'INITIALIZE FOR LOAD'
        : p1 === 0x01
          ? 'INITIALIZE FOR PURCHASE'
          : p1 === 0x03
            ? 'INITIALIZE FOR CAPP PURCHASE'
            : 'INITIALIZE';
    case 0x52:
      return 'CREDIT FOR LOAD';
    case 0x54:
      return 'DEBIT FOR PURCHASE';
    case 0x1e:
      return 'APPLICATION BLOCK';
    case 0x18:
      return 'APPLICATION UNBLOCK';
    case 0x16:
      return 'CARD BLOCK';
    case 0x40:
      return proprietary ? 'GENERATE KEY PAIR' : 'UNKNOWN';
    case 0x70:
      return 'MANAGE CHANNEL';
    default:
      return cla === 0xff ? 'READER COMMAND (PC/SC pseudo-APDU)' : 'UNKNOWN';
  }
}

function selectTarget(p1: number): string {
  switch (p1) {
    case 0x00:
      return 'by file id';
    case 0x01:
      return 'child DF';
    case 0x02:
      return 'EF under current DF';
    case 0x03:
      return 'parent DF';
    case 0x04:
      return 'by DF name';
    case 0x08:
      return 'by path from MF';
    case 0x09:
      return 'by path from current DF';
    default:
      return `(P1 ${p1.toString(16).toUpperCase().padStart(2, '0')})`;
  }
}

function recordTarget(p1: number, p2: number): string {
  const sfi = p2 >> 3;
  const where = sfi === 0 ? 'current EF' : `SFI ${sfi}`;
  const tag = p1.toString(16).toUpperCase().padStart(2, '0');
  switch (p2 & 7) {
    case 4:
      return `record ${p1} of ${where}`;
    case 5:
      return `records ${p1} to last of ${where}`;
    case 6:
      return `records last to ${p1} of ${where}`;
    case 0:
      return `first record with tag ${tag} of ${where}`;
    case 1:
      return `last record with tag ${tag} of ${where}`;
    case 2:
      return `next record with tag ${tag} of ${where}`;
    case 3:
      return `previous record with tag ${tag} of ${where}`;
    default:
      return `(P1 ${p1} P2 ${p2.toString(16).toUpperCase().padStart(2, '0')}) of ${where}`;
  }
}
