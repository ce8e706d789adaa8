import { CommandApdu } from '../../apdu/command-apdu.js';
import { describeCommand } from '../../apdu/command-names.js';
import { decodeGbk } from '../../bytes/gbk.js';
import { parseHex, toHex } from '../../bytes/hex.js';
import { commandCarriesSecret } from '../../channel/secret-masking.js';
import { type RegisterCommand, writeJson } from '../cli-context.js';

export const registerApdu: RegisterCommand = (program, ctx) => {
  program
    .command('apdu')
    .description('explain a command APDU: its case, header fields, data, Le and the command name')
    .argument('<hex...>', 'the command in hex; spaces and colons allowed')
    .option('--json', 'print JSON')
    .action((parts: string[], opts: { json?: boolean }) => {
      const apdu = CommandApdu.decode(parseHex(parts.join(' '), 'APDU hex'));
      const name = describeCommand(apdu.cla, apdu.ins, apdu.p1, apdu.p2);
      const dataText = apdu.ins === 0xa4 && apdu.p1 === 0x04 ? readableName(apdu.data) : undefined;
      // A PIN or key pasted here must not end up in a terminal log or a CI artifact: masked as `send` does.
      const secret = commandCarriesSecret(apdu.cla, apdu.ins);
      const view = {
        name,
        case: `${apdu.case}${apdu.extended ? 'E' : apdu.case === 1 ? '' : 'S'}`,
        cla: hexByte(apdu.cla),
        ins: hexByte(apdu.ins),
        p1: hexByte(apdu.p1),
        p2: hexByte(apdu.p2),
        lc: apdu.data.length > 0 ? apdu.data.length : undefined,
        data: apdu.data.length === 0 ? undefined : secret ? '**'.repeat(apdu.data.length) : toHex(apdu.data),
        dataText,
        le: apdu.le,
      };
      if (opts.json) return writeJson(ctx, view);
      const lines = [
        `${name}`,
        `  case ${view.case}${apdu.extended ? ' (extended length)' : ''}`,
        `  CLA ${view.cla}  INS ${view.ins}  P1 ${view.p1}  P2 ${view.p2}`,
      ];
      if (view.data) {
        const note = secret ? '  (a PIN or key: not shown)' : dataText ? `  "${dataText}"` : '';
        lines.push(`  Lc  ${view.lc}`, `  data ${view.data}${note}`);
      }
      lines.push(
        `  Le  ${apdu.le === undefined ? 'absent' : `${apdu.le}${apdu.le === 256 || apdu.le === 65536 ? ' (encoded as zero: as much as the card has)' : ''}`}`,
      );
      ctx.io.stdout(`${lines.join('\n')}\n`);
    });
};

function hexByte(b: number): string {
  return b.toString(16).toUpperCase().padStart(2, '0');
}

/** DF names mix ASCII and GBK ("sx1.sh.社会保障"); AIDs are binary. Show text only when it reads as text. */
function readableName(data: Uint8Array): string | undefined {
  const text = decodeGbk(data);
  return /^[\x20-\x7e\u3000-\u9fff]+$/.test(text) ? text : undefined;
}
