// Small pure helpers for showing providers.
import { ConnectionAction, ConnectionStatus } from '../../lib/wire';

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
    case ConnectionStatus.Connected:
      return 'badge-ok';
    case ConnectionStatus.ExpiresSoon:
    case ConnectionStatus.NeedsReconnect:
      return 'badge-warn';
    case ConnectionStatus.Error:
      return 'badge-danger';
    default:
      return '';
  }
}

// `satisfies` makes a status Go adds without a label here a type error.
const STATUS_LABELS: Record<string, string> = {
  [ConnectionStatus.Connected]: 'Connected',
  [ConnectionStatus.ExpiresSoon]: 'Expires soon',
  [ConnectionStatus.NeedsReconnect]: 'Needs reconnecting',
  [ConnectionStatus.Error]: 'Problem',
  [ConnectionStatus.Disconnected]: 'Disconnected',
} satisfies Record<ConnectionStatus, string>;

export function statusLabel(status: string): string {
  return STATUS_LABELS[status] ?? status;
}

const ACTION_LABELS: Record<string, string> = {
  [ConnectionAction.None]: '',
  [ConnectionAction.Reconnect]: 'Reconnect',
  [ConnectionAction.Retry]: 'Retry',
} satisfies Record<ConnectionAction, string>;

export function actionLabel(action: string): string {
  return ACTION_LABELS[action] ?? '';
}
