import fs from 'node:fs';
import { XMLParser } from 'fast-xml-parser';

export function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * Sets `<SystemSettings><section><tag>value</tag>` in a RuntimeSettings.xml text, keeping element order and
 * formatting: replaces the element if present, else appends it at the end of the section (creating the
 * section before `</SystemSettings>` if needed).
 */
export function setSetting(xml: string, section: string, tag: string, value: string): string {
  const v = xmlEscape(value);
  const sec = new RegExp(`(<${section}>)([\\s\\S]*?)(\\n?([ \\t]*)</${section}>)`);
  const m = sec.exec(xml);
  if (!m) {
    return xml.replace('</SystemSettings>', `\t<${section}>\n\t\t<${tag}>${v}</${tag}>\n\t</${section}>\n</SystemSettings>`);
  }
  let body = m[2] ?? '';
  const el = new RegExp(`<${tag}\\s*/>|<${tag}>[\\s\\S]*?</${tag}>`);
  if (el.test(body)) body = body.replace(el, `<${tag}>${v}</${tag}>`);
  else body = `${body}\n${m[4] ?? '\t'}\t<${tag}>${v}</${tag}>`;
  return xml.slice(0, m.index) + (m[1] ?? '') + body + (m[3] ?? '') + xml.slice(m.index + m[0].length);
}

export type SettingsTree = Record<string, Record<string, unknown>>;

export function parseSettingsXml(xml: string): SettingsTree {
  const doc = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true }).parse(xml) as Record<string, unknown>;
  const root = doc['SystemSettings'];
  return (root && typeof root === 'object' ? root : {}) as SettingsTree;
}

/** Effective value of section/tag: the overrides file where present, else the defaults file. */
export function effectiveSetting(defaultsFile: string, overridesFile: string, section: string, tag: string): string | undefined {
  for (const file of [overridesFile, defaultsFile]) {
    let xml: string;
    try {
      xml = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const sec = parseSettingsXml(xml)[section];
    if (sec && typeof sec === 'object' && tag in sec) {
      const v = sec[tag];
      return v === undefined || v === null ? '' : String(v);
    }
  }
  return undefined;
}
