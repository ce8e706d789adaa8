import type { CardApplication } from '../../command-route.js';
import { medicalDebitCommand } from './medical-debit.js';

/** DF04 medical insurance: MEDICAL DEBIT beside the ISO commands (reads are plain READ RECORD). */
export const medicalApplication: CardApplication = { name: 'ssse-medical', commands: [medicalDebitCommand] };
