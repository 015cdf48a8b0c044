// Test data shared by several test files. Made-up people and providers only.
import { connect } from '../lib/wire';

/** A healthy connection of Ana Ruiz to Mercy Hospital, with the fields a test cares about replaced. */
export function connection(over: Partial<connect.Connection> = {}): connect.Connection {
  return {
    id: 1,
    personId: 1,
    personName: 'Ana Ruiz',
    providerId: 'epic-1',
    providerName: 'Mercy Hospital',
    vendor: 'epic',
    fhirBase: 'https://fhir.mercy.net/api/FHIR/R4',
    patientId: 'p',
    status: connect.Status.Connected,
    statusText: 'Connected · updated today',
    action: connect.Action.None,
    lastError: '',
    created: '2024-05-01T10:00:00Z',
    records: 120,
    ...over,
  };
}
