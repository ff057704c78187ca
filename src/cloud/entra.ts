import {
  AzureCliCredential,
  ClientCertificateCredential,
  ClientSecretCredential,
  DefaultAzureCredential,
  ManagedIdentityCredential,
  type TokenCredential,
} from '@azure/identity';
import type { CloudDestination } from '../config/schema.ts';
import type { CloudSecrets } from './store.ts';

/**
 * Azure Entra ID (@azure/identity) for a destination whose Auth is not Key: managed identity, a service
 * principal with a client secret or certificate, the Azure CLI login, or the default chain. The client
 * secret and the certificate's password come from the request's secrets (CredentialTarget) or the
 * environment, never from the configuration. With AuthorityHost (a sovereign cloud, or a test's authority)
 * the authority is used as given (no instance discovery at login.microsoftonline.com).
 */
export function entraCredential(
  dest: Pick<CloudDestination, 'Name' | 'Auth' | 'TenantId' | 'ClientId' | 'CertificatePath' | 'AuthorityHost'>,
  secrets: CloudSecrets,
): TokenCredential {
  const authority = dest.AuthorityHost ? { authorityHost: dest.AuthorityHost, disableInstanceDiscovery: true } : {};
  switch (dest.Auth) {
    case 'ManagedIdentity':
      return dest.ClientId ? new ManagedIdentityCredential({ clientId: dest.ClientId }) : new ManagedIdentityCredential();
    case 'ClientSecret': {
      if (!secrets.clientSecret)
        throw new Error(
          `no client secret for ${dest.Name} (Auth ClientSecret): store it in its CredentialTarget, or pass secret ${dest.Name}.ClientSecret, or set ALTERYXBACKUP_${envName(dest.Name)}_CLIENT_SECRET / AZURE_CLIENT_SECRET`,
        );
      return new ClientSecretCredential(dest.TenantId!, dest.ClientId!, secrets.clientSecret, authority);
    }
    case 'ClientCertificate':
      return new ClientCertificateCredential(
        dest.TenantId!,
        dest.ClientId!,
        { certificatePath: dest.CertificatePath!, ...(secrets.certificatePassword ? { certificatePassword: secrets.certificatePassword } : {}) },
        authority,
      );
    case 'AzureCli':
      return new AzureCliCredential(dest.TenantId ? { tenantId: dest.TenantId } : {});
    default:
      return new DefaultAzureCredential({
        ...(dest.TenantId ? { tenantId: dest.TenantId } : {}),
        ...(dest.ClientId ? { managedIdentityClientId: dest.ClientId } : {}),
        ...authority,
      });
  }
}

function envName(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}
