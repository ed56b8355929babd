import { BigQuery } from '@google-cloud/bigquery';
import type { AuthClient } from 'google-auth-library';

/**
 * The BigQuery client the sink uses: the library's own retries off (ours apply, with backoff
 * and logging), credentials from Application Default Credentials unless an auth client is given
 * (the contract tests give a static-token one), and an endpoint override for emulators/tests.
 */
export function createBigQueryClient(o: {
  project: string;
  location?: string;
  apiEndpoint?: string;
  authClient?: AuthClient;
}): BigQuery {
  return new BigQuery({
    projectId: o.project,
    ...(o.location ? { location: o.location } : {}),
    ...(o.apiEndpoint ? { apiEndpoint: o.apiEndpoint } : {}),
    ...(o.authClient ? { authClient: o.authClient } : {}),
    autoRetry: false,
    maxRetries: 0,
  });
}
