// Small pure helpers for showing providers.

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
    case 'connected':
      return 'badge-ok';
    case 'expires_soon':
    case 'needs_reconnect':
      return 'badge-warn';
    case 'error':
      return 'badge-danger';
    default:
      return '';
  }
}

const STATUS_LABELS: Record<string, string> = {
  connected: 'Connected',
  expires_soon: 'Expires soon',
  needs_reconnect: 'Needs reconnecting',
  error: 'Problem',
  disconnected: 'Disconnected',
};

export function statusLabel(status: string): string {
  return STATUS_LABELS[status] ?? status;
}

const ACTION_LABELS: Record<string, string> = { reconnect: 'Reconnect', retry: 'Retry' };

export function actionLabel(action: string): string {
  return ACTION_LABELS[action] ?? '';
}
