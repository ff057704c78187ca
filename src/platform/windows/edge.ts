import { createRequire } from 'node:module';

/** The in-process .NET calls edge-js can make faster than a PowerShell round trip. */
export interface EdgeCalls {
  serviceStatus(name: string): Promise<string>;
  isElevated(): Promise<boolean>;
}

/**
 * edge-js is optional and native: it is loaded lazily, only on Windows, and any failure to load
 * (not installed, no matching binary for this Node) means "not available", never an error.
 */
export function loadEdge(): EdgeCalls | undefined {
  if (process.platform !== 'win32' || process.env['ALTERYXBACKUP_NO_EDGE']) return undefined;
  try {
    const require = createRequire(import.meta.url);
    const edge = require('edge-js') as { func: (src: string) => (input: unknown, cb: (err: unknown, res: unknown) => void) => void };
    const call = <T>(fn: (i: unknown, cb: (e: unknown, r: unknown) => void) => void, input: unknown) =>
      new Promise<T>((resolve, reject) => fn(input, (e, r) => (e ? reject(e) : resolve(r as T))));
    const status = edge.func(`
      #r "System.ServiceProcess.dll"
      using System.Threading.Tasks;
      public class Startup { public async Task<object> Invoke(object name) {
        using (var sc = new System.ServiceProcess.ServiceController((string)name)) { return sc.Status.ToString(); } } }`);
    const elevated = edge.func(`
      using System.Threading.Tasks;
      public class Startup { public async Task<object> Invoke(object _) {
        var p = new System.Security.Principal.WindowsPrincipal(System.Security.Principal.WindowsIdentity.GetCurrent());
        return p.IsInRole(System.Security.Principal.WindowsBuiltInRole.Administrator); } }`);
    return {
      serviceStatus: (name) => call<string>(status, name),
      isElevated: () => call<boolean>(elevated, null),
    };
  } catch {
    return undefined;
  }
}
