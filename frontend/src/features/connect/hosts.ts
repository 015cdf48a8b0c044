// Small pure helpers for showing providers.
import { connect } from '../../lib/wire';

/** "https://fhir.example.org/api/FHIR/R4" → "fhir.example.org"; '' when unparsable. */
export function fhirHost(base: string): string {
  try {
    return new URL(base).host;
  } catch {
    return '';
  }
}

/** Badge style for a connection status. */
export function statusClass(status: string): string {
  switch (status) {
    case connect.Status.Connected:
      return 'badge-ok';
    case connect.Status.ExpiresSoon:
    case connect.Status.NeedsReconnect:
      return 'badge-warn';
    case connect.Status.Error:
      return 'badge-danger';
    default:
      return '';
  }
}

// `satisfies` makes a status Go adds without a label here a type error.
const STATUS_LABELS: Record<string, string> = {
  [connect.Status.Connected]: 'Connected',
  [connect.Status.ExpiresSoon]: 'Expires soon',
  [connect.Status.NeedsReconnect]: 'Needs reconnecting',
  [connect.Status.Error]: 'Problem',
  [connect.Status.Disconnected]: 'Disconnected',
} satisfies Record<connect.Status, string>;

export function statusLabel(status: string): string {
  return STATUS_LABELS[status] ?? status;
}

const ACTION_LABELS: Record<string, string> = {
  [connect.Action.None]: '',
  [connect.Action.Reconnect]: 'Reconnect',
  [connect.Action.Retry]: 'Retry',
} satisfies Record<connect.Action, string>;

export function actionLabel(action: string): string {
  return ACTION_LABELS[action] ?? '';
}
