import type { AccessRuleProfile } from './card-profile.js';

/** A parsed access condition: every present part must hold. Ids are byte values. */
export interface AccessCondition {
  pin?: number;
  key?: number;
  mac?: number;
}

/** free, never, or alternatives of which one must hold. */
export type AccessRule = { kind: 'free' } | { kind: 'never' } | { kind: 'conditions'; anyOf: AccessCondition[] };

export type FileOperation = 'read' | 'update';

export const FREE: AccessRule = { kind: 'free' };
export const NEVER: AccessRule = { kind: 'never' };

export function parseAccessRule(rule: AccessRuleProfile | undefined, fallback: AccessRule): AccessRule {
  if (rule === undefined) return fallback;
  if (rule === 'free') return FREE;
  if (rule === 'never') return NEVER;
  const alternatives = 'anyOf' in rule ? rule.anyOf : [rule];
  return {
    kind: 'conditions',
    anyOf: alternatives.map((c) => ({
      ...(c.pin !== undefined ? { pin: Number.parseInt(c.pin, 16) } : {}),
      ...(c.key !== undefined ? { key: Number.parseInt(c.key, 16) } : {}),
      ...(c.mac !== undefined ? { mac: Number.parseInt(c.mac, 16) } : {}),
    })),
  };
}
