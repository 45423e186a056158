import { appEvents } from './app-events.js';
import { consentRecords } from './consent-records.js';
import { crmContacts } from './crm-contacts.js';
import { emailEngagement } from './email-engagement.js';
import { orders } from './orders.js';
import { supportTickets } from './support-tickets.js';
import type { DemoTable } from './types.js';
import { webEvents } from './web-events.js';

export type { DemoTable, DemoRow, RowWriter } from './types.js';
export { CONSENT_PURPOSES, CONSENT_SOURCES } from './consent-records.js';

/** The raw source tables, in load order. Each name is also its identity source name. */
export const SOURCE_TABLES: readonly DemoTable[] = [webEvents, appEvents, crmContacts, orders, supportTickets, emailEngagement, consentRecords];
