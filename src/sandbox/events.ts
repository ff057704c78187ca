import fs from 'node:fs';
import path from 'node:path';

export type SandboxEvent = Record<string, unknown> & { time: string };

export function eventsFile(dir: string): string {
  return path.join(path.resolve(dir), 'events.jsonl');
}

/**
 * Appends one line to DIR/events.jsonl. `time` (ISO) is added unless the event carries its own (service
 * transitions carry the time they happened, which may be earlier than the moment they are recorded).
 */
export function appendEvent(dir: string, ev: Record<string, unknown>): void {
  const time = typeof ev['time'] === 'string' ? ev['time'] : new Date().toISOString();
  const line = JSON.stringify({ time, ...ev }) + '\n';
  fs.appendFileSync(eventsFile(dir), line);
}

/** All events, ordered by time (stable for equal times). Lines that are not valid JSON are skipped. */
export function readEvents(dir: string): SandboxEvent[] {
  let text: string;
  try {
    text = fs.readFileSync(eventsFile(dir), 'utf8');
  } catch {
    return [];
  }
  const out: { ev: SandboxEvent; i: number }[] = [];
  let i = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const ev = JSON.parse(line) as SandboxEvent;
      if (ev && typeof ev === 'object' && typeof ev.time === 'string') out.push({ ev, i: i++ });
    } catch {
      /* a torn line from a killed writer */
    }
  }
  out.sort((a, b) => (a.ev.time < b.ev.time ? -1 : a.ev.time > b.ev.time ? 1 : a.i - b.i));
  return out.map((x) => x.ev);
}
