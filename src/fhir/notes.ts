/**
 * Clinical note text from FHIR attachments: base64 decoding that never reads more than it keeps,
 * charset handling, and HTML reduced to plain text.
 */
import { TextDecoder } from 'util';

/** Note text kept per note; longer notes are cut here and a warning is recorded. */
export const NOTE_TEXT_LIMIT = 64 * 1024;

export interface ContentType {
  /** Lower-cased media type without parameters, e.g. "text/plain"; undefined when none was given. */
  mediaType?: string;
  /** Lower-cased `charset=` parameter, quotes removed. */
  charset?: string;
}

export function parseContentType(value: string | undefined): ContentType {
  if (!value || !value.trim()) return {};
  const [type, ...params] = value.split(';');
  const result: ContentType = { mediaType: type.trim().toLowerCase() };
  for (const param of params) {
    const match = /^\s*charset\s*=\s*"?([^";\s]+)"?\s*$/i.exec(param);
    if (match) result.charset = match[1].toLowerCase();
  }
  return result;
}

export type TextKind = 'plain' | 'html';

/** Which text kind a media type is; undefined when it is not text this project can read (PDF, images...). */
export function textKind(mediaType: string | undefined): TextKind | undefined {
  // FHIR requires a contentType alongside data; when a producer leaves it out, plain text is the usual case.
  if (mediaType === undefined) return 'plain';
  if (mediaType === 'text/html' || mediaType === 'application/xhtml+xml') return 'html';
  if (mediaType.startsWith('text/')) return 'plain';
  return undefined;
}

export type DecodedNote =
  | { ok: true; text: string; truncated: boolean; warnings: string[] }
  | { ok: false; problem: string };

/**
 * Decodes base64 `data` holding text in `contentType` to plain text of at most `limit` characters.
 * Only the prefix needed for `limit` characters is base64-decoded, so a 50 MB attachment costs no more
 * than a 64 KB one.
 */
export function decodeNoteData(data: string, contentType: string | undefined, limit = NOTE_TEXT_LIMIT): DecodedNote {
  const type = parseContentType(contentType);
  const kind = textKind(type.mediaType);
  if (!kind) return { ok: false, problem: `unsupported contentType '${contentType}' (only text/plain and text/html are read)` };

  const warnings: string[] = [];
  const decoder = decoderFor(type.charset, warnings);
  // Worst cases: 4 bytes per character (UTF-8), and HTML markup that the text reduction removes.
  const maxBytes = limit * (kind === 'html' ? 8 : 4);
  const decoded = decodeBase64Prefix(data, maxBytes);
  if (!decoded.ok) return decoded;

  let text = decoder.decode(decoded.bytes, { stream: !decoded.complete });
  if (kind === 'html') text = htmlToText(text);
  let truncated = !decoded.complete;
  if (text.length > limit) {
    text = text.slice(0, limit);
    truncated = true;
  }
  // Never end on half a surrogate pair.
  if (truncated && /[\uD800-\uDBFF]$/.test(text)) text = text.slice(0, -1);
  return { ok: true, text, truncated, warnings };
}

const CHARSET_ALIASES: Record<string, string> = {
  utf8: 'utf-8',
  'utf-8': 'utf-8',
  latin1: 'latin1',
  'latin-1': 'latin1',
  'iso-8859-1': 'latin1',
  iso8859_1: 'latin1',
  'iso_8859-1': 'latin1',
  'us-ascii': 'latin1',
  ascii: 'latin1',
  'windows-1252': 'windows-1252',
  cp1252: 'windows-1252',
  'utf-16': 'utf-16le',
  'utf-16le': 'utf-16le',
  'utf-16be': 'utf-16be',
};

/** A TextDecoder for the charset; unknown charsets fall back to UTF-8 with a warning. */
export function decoderFor(charset: string | undefined, warnings: string[] = []): TextDecoder {
  const label = charset ? CHARSET_ALIASES[charset] ?? charset : 'utf-8';
  try {
    return new TextDecoder(label);
  } catch {
    warnings.push(`unsupported charset '${charset}', decoded as utf-8`);
    return new TextDecoder('utf-8');
  }
}

type Base64Prefix = { ok: true; bytes: Buffer; complete: boolean } | { ok: false; problem: string };

const BASE64_BODY = /^[A-Za-z0-9+/]*$/;

/**
 * Decodes at most `maxBytes` bytes from the start of base64 text (whitespace allowed, as line-wrapped
 * base64 has it). Rejects characters outside the base64 alphabet instead of skipping them the way
 * Buffer.from(…, 'base64') would, so corrupt data is reported, not turned into wrong text.
 */
export function decodeBase64Prefix(data: string, maxBytes: number): Base64Prefix {
  if (typeof data !== 'string') return { ok: false, problem: 'attachment data is not a string' };
  const wantChars = Math.ceil(maxBytes / 3) * 4;
  // Line-wrapped base64 has one line break per 64-76 characters; twice the wanted length is plenty.
  let raw = data.length > wantChars * 2 ? data.slice(0, wantChars * 2) : data;
  let cleaned = raw.replace(/\s+/g, '');
  if (cleaned.length < wantChars && raw.length < data.length) {
    raw = data;
    cleaned = raw.replace(/\s+/g, '');
  }
  const complete = raw.length === data.length && cleaned.length <= wantChars;
  if (!complete) cleaned = cleaned.slice(0, wantChars);

  let body = cleaned;
  if (complete) {
    const padding = /=*$/.exec(body)?.[0].length ?? 0;
    if (padding > 2) return { ok: false, problem: 'invalid base64: too much padding' };
    body = body.slice(0, body.length - padding);
    if (body.length % 4 === 1) return { ok: false, problem: 'invalid base64: length is not a valid base64 length' };
    if (padding > 0 && (body.length + padding) % 4 !== 0) {
      return { ok: false, problem: 'invalid base64: wrong padding' };
    }
  }
  if (!BASE64_BODY.test(body)) {
    const offending = /[^A-Za-z0-9+/]/.exec(body);
    const where = offending ? ` ('${offending[0]}' at position ${offending.index})` : '';
    return { ok: false, problem: `invalid base64: character outside the base64 alphabet${where}` };
  }
  return { ok: true, bytes: Buffer.from(body, 'base64'), complete };
}

const DROPPED_ELEMENTS = /<(script|style|head|title|noscript|template)\b[^>]*>[\s\S]*?<\/\1\s*>/gi;
const BLOCK_TAGS =
  /<\/?(address|article|aside|blockquote|br|dd|div|dl|dt|fieldset|figcaption|figure|footer|form|h[1-6]|header|hr|li|main|nav|ol|p|pre|section|table|tbody|thead|tfoot|tr|ul)\b[^>]*>/gi;
const CELL_TAGS = /<\/?(td|th)\b[^>]*>/gi;

/** Reduces HTML to readable text: scripts/styles dropped, tags removed, entities decoded, blocks on own lines. */
export function htmlToText(html: string): string {
  const text = html
    .replace(/<!--[\s\S]*?(-->|$)/g, '')
    .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1')
    .replace(/<!doctype[^>]*>/gi, '')
    .replace(DROPPED_ELEMENTS, '')
    // Source line breaks are layout in HTML, not content; the block elements carry the structure.
    .replace(/[\r\n\t]+/g, ' ')
    .replace(BLOCK_TAGS, '\n')
    .replace(CELL_TAGS, ' ')
    .replace(/<\/?[A-Za-z][^>]*>/g, '');
  return tidyWhitespace(decodeEntities(text));
}

function tidyWhitespace(text: string): string {
  return text
    .split('\n')
    .map((line) => line.replace(/[ \t\u00a0]+/g, ' ').trim())
    .join('\n')
    // Closing and opening block tags each gave a line break; one is enough.
    .replace(/\n{2,}/g, '\n')
    .trim();
}

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', copy: '©', reg: '®', trade: '™',
  deg: '°', micro: 'µ', plusmn: '±', times: '×', divide: '÷', middot: '·', bull: '•', hellip: '…',
  ndash: '–', mdash: '—', lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', laquo: '«', raquo: '»',
  le: '≤', ge: '≥', ne: '≠', frac12: '½', frac14: '¼', frac34: '¾', sup2: '²', sup3: '³', para: '¶',
  sect: '§', euro: '€', pound: '£', cent: '¢', yen: '¥', aacute: 'á', eacute: 'é', iacute: 'í',
  oacute: 'ó', uacute: 'ú', ntilde: 'ñ', uuml: 'ü', ouml: 'ö', auml: 'ä', Auml: 'Ä', Ouml: 'Ö',
  Uuml: 'Ü', szlig: 'ß', ccedil: 'ç', egrave: 'è', agrave: 'à', ecirc: 'ê', Eacute: 'É',
};

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z][a-z0-9]*);/gi, (match, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : match;
    }
    return NAMED_ENTITIES[name] ?? match;
  });
}
