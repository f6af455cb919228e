/**
 * Env for a CLI run that must reach Azure only through the managed identity endpoint the test sets up:
 * whatever identity the machine has (a service principal, workload identity, the older MSI variables)
 * is removed so DefaultAzureCredential cannot pick it up first.
 */
export const NO_OTHER_AZURE_IDENTITY: Readonly<Record<string, undefined>> = {
  AZURE_CLIENT_ID: undefined,
  AZURE_TENANT_ID: undefined,
  AZURE_CLIENT_SECRET: undefined,
  AZURE_CLIENT_CERTIFICATE_PATH: undefined,
  AZURE_FEDERATED_TOKEN_FILE: undefined,
  AZURE_USERNAME: undefined,
  MSI_ENDPOINT: undefined,
  MSI_SECRET: undefined,
};
