import { parseTlv, type Tlv } from '../../../src/bytes/tlv.js';
import { CardStatus, SW } from '../../card-status.js';
import type { DedicatedFile } from '../../file-system.js';

/**
 * What the PBOC handlers read from the profile: the ADF's FCI (PDOL), its data objects (AIP, AFL,
 * limits, log format) and the data elements in its AFL records (CDOL1, track 2, PSN). A profile
 * without one of them is a profile error, answered 6F00 by the dispatcher and logged.
 */
export function dataObject(df: DedicatedFile, tag: number): Uint8Array {
  const value = df.dataObjects.get(tag);
  if (value === undefined) throw new Error(`the PBOC ADF has no data object ${tag.toString(16).toUpperCase()}`);
  return value;
}

export function optionalDataObject(df: DedicatedFile, tag: number): Uint8Array | undefined {
  return df.dataObjects.get(tag);
}

/** A primitive data element from the FCI (e.g. the PDOL 9F38), searched at any depth. */
export function fciElement(df: DedicatedFile, tag: number): Uint8Array | undefined {
  if (df.fci === undefined) return undefined;
  return deepFind(parseTlv(df.fci), tag)?.value;
}

/** A data element from the records of the ADF's record files (tag 70 templates). */
export function recordElement(df: DedicatedFile, tag: number): Uint8Array | undefined {
  for (const ef of df.elementaryFiles()) {
    if (!ef.isRecordFile || ef.sfi === undefined || ef.sfi > 10) continue;
    for (const record of ef.records) {
      try {
        const hit = deepFind(parseTlv(record), tag);
        if (hit !== undefined) return hit.value;
      } catch {
        // not a TLV record
      }
    }
  }
  return undefined;
}

export function requireRecordElement(df: DedicatedFile, tag: number): Uint8Array {
  const value = recordElement(df, tag);
  if (value === undefined) throw new CardStatus(SW.UNKNOWN_ERROR, `no data element ${tag.toString(16).toUpperCase()} in the records`);
  return value;
}

function deepFind(objects: Tlv[], tag: number): Tlv | undefined {
  for (const o of objects) {
    if (o.tag === tag) return o;
    const inner = o.children === undefined ? undefined : deepFind(o.children, tag);
    if (inner !== undefined) return inner;
  }
  return undefined;
}
