import { describe, expect, it } from 'vitest';
import { SELECT_MEDICAL, SELECT_SSSE, SSSE_NAME, testCard } from './card-helpers.js';

describe('SELECT', () => {
  it('selects the SSSE DDF by its full name: 61xx on T=0, then GET RESPONSE gives 6F { 84 name }', () => {
    const { send } = testCard();
    expect(send(SELECT_SSSE)).toBe('6113');
    expect(send('00C0000013')).toBe(`6F11840F${SSSE_NAME}9000`);
  });

  it('answers the FCI directly on T=1, with or without Le', () => {
    const { send } = testCard({ protocol: 'T=1' });
    expect(send(`${SELECT_SSSE}00`)).toBe(`6F11840F${SSSE_NAME}9000`);
    expect(send(SELECT_SSSE)).toBe(`6F11840F${SSSE_NAME}9000`);
  });

  it('answers 6A82 for an unknown AID and keeps the current DF', () => {
    const { send, card } = testCard();
    send(SELECT_SSSE);
    expect(send('00A4040008A000000333019999')).toBe('6A82');
    expect(card.context.currentDf.label).toBe('SSSE (test)');
  });

  it('matches a leading part of a DF name and walks to the next occurrence with P2=02', () => {
    const { send, card } = testCard({ protocol: 'T=1' });
    expect(send('00A4040C07A0000003330101')).toBe('9000');
    expect(card.context.currentDf.label).toBe('debit (test)');
    expect(send('00A4040E07A0000003330101')).toBe('9000');
    expect(card.context.currentDf.label).toBe('credit (test)');
    expect(send('00A4040E07A0000003330101')).toBe('6A82');
    expect(send('00A4040107A0000003330101')).toBe('6A86');
  });

  it('selects by FID with P1=00 and P1=02 as terminals do (card-facts §2)', () => {
    const { send, card } = testCard();
    send(SELECT_SSSE);
    expect(send('00A4000002EF05')).toBe('9000');
    expect(card.context.currentEf?.id).toBe('3F00/1001/EF05');
    expect(send('00A4020002EF06')).toBe('9000');
    expect(card.context.currentEf?.id).toBe('3F00/1001/EF06');
    expect(send('00A4020002EF99')).toBe('6A82');
    expect(send('00A4000002EF')).toBe('6700');
  });

  it('selects MF, child DF, parent and sibling by FID; by path from the MF', () => {
    const { send, card } = testCard({ protocol: 'T=1' });
    expect(send('00A40000023F00')).toBe('6F0483023F009000');
    expect(send('00A4010C021001')).toBe('9000');
    expect(card.context.currentDf.id).toBe('3F00/1001');
    expect(send('00A4000C021004')).toBe('9000');
    expect(card.context.currentDf.id).toBe('3F00/1001/1004');
    expect(send('00A4030C')).toBe('9000');
    expect(card.context.currentDf.id).toBe('3F00/1001');
    expect(send('00A4080C0410011004')).toBe('9000');
    expect(card.context.currentDf.id).toBe('3F00/1001/1004');
    expect(send('00A4080C063F001001EF07')).toBe('9000');
    expect(card.context.currentEf?.id).toBe('3F00/1001/EF07');
    expect(send('00A4030C')).toBe('9000');
    expect(card.context.currentDf.id).toBe('3F00');
    expect(send('00A4030C')).toBe('6A82');
  });

  it('returns FCP for P2=04 and nothing for P2=0C; an EF has no FCI', () => {
    const { send } = testCard({ protocol: 'T=1' });
    send(SELECT_SSSE);
    expect(send('00A4020402EF0700')).toBe('620E8002040082010183 02EF07 880138 9000'.replace(/ /g, ''));
    expect(send('00A4020402EF0A00')).toBe('620E82050221000402 8302EF0A 880150 9000'.replace(/ /g, ''));
    expect(send('00A4020002EF0700')).toBe('9000');
    expect(send('00A4040C06D15600000503')).toBe('9000');
    expect(send('00A4040406D1560000050300')).toBe('620F820138830210048406D156000005039000');
  });

  it('rejects wrong P1/P2', () => {
    const { sw } = testCard();
    expect(sw('00A40500023F00')).toBe('6A86');
    expect(sw('00A40010023F00')).toBe('6A86');
    // DF names are matched card-wide, not only among the children of the current DF.
    expect(sw(SELECT_MEDICAL)).toBe('610A');
  });
});
