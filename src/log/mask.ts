/**
 * Secret masking applied to every log line, event, error and manifest field before it leaves the core.
 * Two layers: the exact values of secrets the run has learnt (controller token, MongoDB and archive
 * passwords), and patterns that catch credentials in text the run did not produce itself.
 */
export const MASK = '********';

const PATTERNS: Array<[RegExp, string]> = [
  // mongodb://user:password@host  and  mongodb+srv://user:password@host
  [/(mongodb(?:\+srv)?:\/\/[^:/@\s]*:)([^@\s]+)(@)/gi, `$1${MASK}$3`],
  // password=..., pwd: ..., "password":"..." (not a <placeholder with words> in an instruction: setserversecret=<token of the ... backup>)
  [/("?(?:password|passwd|pwd|secret|token)"?\s*[:=]\s*"?)(?!<[^<>"\r\n]{0,80} [^<>"\r\n]{0,80}>(?=[\s"',;)]|$))([^"\s,;&}]+)/gi, `$1${MASK}`],
  // Cloud credentials (issue 16): a SAS token's signature in a URL (sig=...), Azure connection-string keys,
  // pre-signed S3 URLs and AWS secret/session keys named in text.
  [/([?&](?:sig|X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token)=)([^&\s"']+)/gi, `$1${MASK}`],
  [/((?:AccountKey|SharedAccessSignature)=)([^;\s"']+)/gi, `$1${MASK}`],
  [/((?:aws_secret_access_key|aws_session_token|SecretAccessKey|SessionToken)"?\s*[:=]\s*"?)([^"\s,;&}]+)/gi, `$1${MASK}`],
  // --password xyz / -p xyz on a command line
  [/(--password[=\s]+)(\S+)/gi, `$1${MASK}`],
  // Admin: xyz / Non-Admin: xyz lines of getemongopassword
  [/((?:^|\n)\s*(?:Non-)?Admin:\s*)(\S+)/g, `$1${MASK}`],
];

export class Masker {
  private readonly secrets = new Set<string>();

  /** Remember a secret value so that it is masked wherever it appears. Short values are ignored (too many false hits). */
  add(secret: string | undefined | null): void {
    if (typeof secret !== 'string') return;
    const s = secret.trim();
    if (s.length >= 4) {
      this.secrets.add(s);
      // The percent-encoded form shows up inside connection strings.
      const enc = encodeURIComponent(s);
      if (enc !== s) this.secrets.add(enc);
    }
  }

  mask(text: string): string {
    let out = text;
    // Longest first, so that a secret containing another is masked whole.
    for (const s of [...this.secrets].sort((a, b) => b.length - a.length)) {
      if (out.includes(s)) out = out.split(s).join(MASK);
    }
    for (const [re, rep] of PATTERNS) out = out.replace(re, rep);
    return out;
  }

  /** Masks every string inside a JSON-like value. */
  maskDeep<T>(value: T): T {
    if (typeof value === 'string') return this.mask(value) as T;
    if (Array.isArray(value)) return value.map((v) => this.maskDeep(v)) as T;
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        out[k] = /password|secret|token|credential/i.test(k) && typeof v === 'string' && v.length > 0 ? MASK : this.maskDeep(v);
      }
      return out as T;
    }
    return value;
  }
}
