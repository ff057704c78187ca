import type { EffectiveSettings } from './settings.ts';

export interface MongoDecision {
  type: 'embedded' | 'selfManaged';
  /** The element or key that decided, for the log (REQ-7.2.3). */
  decidedBy: string;
}

/**
 * REQ-2.2.4: which MongoDB this server uses. An explicit MongoDBConfiguration.Type wins; `auto` reads the
 * effective RuntimeSettings.xml of the controller: <Persistence><Mongo><ConnectionString> when present,
 * then Controller/EmbeddedMongoDBEnabled, then Controller/MongoDBEnabled (user-managed, normally with
 * MongoDBServerName), then the Gallery's MongoDBWeb* elements (only with Gallery/MongoDBWebOverride True); none of them: embedded, the Alteryx default.
 * `decidedBy` names the element, its value and the file it came from (overrides or defaults).
 */
export function detectMongoType(configured: 'auto' | 'embedded' | 'selfManaged', s: EffectiveSettings | undefined): MongoDecision {
  if (configured !== 'auto') return { type: configured, decidedBy: `MongoDBConfiguration.Type = ${configured}` };
  if (!s) return { type: 'embedded', decidedBy: 'no RuntimeSettings.xml could be read: embedded assumed' };
  const cs = s.nested(['Persistence', 'Mongo', 'ConnectionString']);
  if (cs) return { type: 'selfManaged', decidedBy: `Persistence/Mongo/ConnectionString in the ${cs.from} file` };
  const emb = s.get('Controller', 'EmbeddedMongoDBEnabled');
  const user = s.get('Controller', 'MongoDBEnabled');
  const userOn = !!user && /^true$/i.test(user.value);
  if (emb && /^true$/i.test(emb.value)) {
    const conflict = userOn ? `; MongoDBEnabled is True as well (${user.from} file), the embedded flag wins` : '';
    return { type: 'embedded', decidedBy: `Controller/EmbeddedMongoDBEnabled = True (${emb.from} file)${conflict}` };
  }
  if (userOn) {
    const server = s.value('Controller', 'MongoDBServerName');
    return {
      type: 'selfManaged',
      decidedBy: server
        ? `Controller/MongoDBEnabled = True with MongoDBServerName (${user.from} file)`
        : `Controller/MongoDBEnabled = True (${user.from} file; MongoDBServerName is empty)`,
    };
  }
  // realworld (issue 13): the Gallery's own connection is in effect only when MongoDBWebOverride is True.
  const override = s.get('Gallery', 'MongoDBWebOverride');
  const web = s.get('Gallery', 'MongoDBWebConnection');
  const webServer = s.get('Gallery', 'MongoDBWebServerName');
  if (override && /^true$/i.test(override.value)) {
    if (web?.value.trim()) return { type: 'selfManaged', decidedBy: `Gallery/MongoDBWebConnection with MongoDBWebOverride = True (${web.from} file)` };
    if (webServer?.value.trim())
      return { type: 'selfManaged', decidedBy: `Gallery/MongoDBWebServerName with MongoDBWebOverride = True (${webServer.from} file)` };
  }
  const ignored = web?.value.trim() || webServer?.value.trim() ? '; Gallery/MongoDBWeb* is set but not in effect (MongoDBWebOverride is not True)' : '';
  return {
    type: 'embedded',
    decidedBy: `neither EmbeddedMongoDBEnabled nor MongoDBEnabled is True${emb ? ` (EmbeddedMongoDBEnabled = ${emb.value} in the ${emb.from} file)` : ''}${ignored}: embedded assumed, the Alteryx default`,
  };
}
