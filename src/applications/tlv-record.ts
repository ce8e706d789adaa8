import { BadResponseError } from '../apdu/apdu-error.js';
import { parseTlv } from '../bytes/tlv.js';

/** The value of a `tag len value` record as READ RECORD returns it, checking the tag. */
export function tlvRecordValue(record: Uint8Array, tag: number, what: string): Uint8Array {
  const objects = parseTlv(record, { recursive: false, allowPadding: false });
  const hit = objects[0];
  if (!hit || hit.tag !== tag) throw new BadResponseError(`${what}: the card answered a record with tag ${hit?.tagHex ?? 'none'}`);
  return hit.value;
}
