/** DocumentReference → NoteEntry: the note's plain text (attachment data or a Binary) and its encounter. */
import type { Attachment } from 'fhir/r4';
import { toConcept } from '../concepts';
import { describe, type RecordLinker } from '../linking';
import { decodeNoteData, parseContentType, textKind } from '../notes';
import type { NoteEntry } from '../types';
import { dropUndefined, type AnyBinary, type AnyDocumentReference } from '../versions';

const BINARY = ['Binary'];

export function addNote(document: AnyDocumentReference, linker: RecordLinker, noteTextLimit: number): void {
  if (document.status === 'entered-in-error' || document.docStatus === 'entered-in-error') {
    return linker.skipQuietly();
  }
  const record = linker.ownerOf(document, document.subject);
  if (!record) return;
  const text = noteText(document, linker, noteTextLimit);
  if (text === undefined) return;

  const note: NoteEntry = {
    id: document.id as string,
    type: toConcept(document.type),
    date: document.date ?? document.indexed ?? document.context?.period?.start ?? document.created,
    text,
  };
  const encounterRefs = document.context?.encounter;
  const references = Array.isArray(encounterRefs) ? encounterRefs : encounterRefs ? [encounterRefs] : [];
  for (const reference of references) {
    const slot = linker.encounterOf(document, reference, record);
    if (slot) {
      // A note is shown once, with the first of its encounters found in the input.
      note.encounterId = slot.view.id;
      break;
    }
  }
  dropUndefined(note);
  record.notes.push(note);
}

function kindRank(kind: string | undefined): number {
  return kind === 'plain' ? 0 : kind === 'html' ? 1 : 2;
}

/** The note's plain text, or undefined (reported) when no attachment can be read. */
function noteText(document: AnyDocumentReference, linker: RecordLinker, noteTextLimit: number): string | undefined {
  const attachments = (document.content ?? [])
    .map((content) => content.attachment)
    .filter((attachment): attachment is Attachment => typeof attachment === 'object' && attachment !== null)
    .filter((attachment) => attachment.data !== undefined || attachment.url !== undefined);
  // Plain text first: it needs no reduction. Then HTML.
  const readable = attachments
    .map((attachment) => ({ attachment, kind: textKind(parseContentType(attachment.contentType).mediaType) }))
    .filter((candidate) => candidate.kind !== undefined)
    .sort((a, b) => kindRank(a.kind) - kindRank(b.kind));
  if (readable.length === 0) {
    const types = attachments.map((attachment) => attachment.contentType ?? '?').join(', ');
    linker.skip(document, 'warning', `note has no text/plain or text/html attachment${types ? ` (${types})` : ''}; skipped`);
    return undefined;
  }
  const { attachment } = readable[0];

  let data = attachment.data;
  let contentType = attachment.contentType;
  if (data === undefined) {
    const resolution = linker.follow(document, { reference: attachment.url }, BINARY, 'attachment.url', false);
    if (resolution.status !== 'resolved') {
      linker.skip(document, 'warning', `attachment url ${describe(resolution)}; note skipped`);
      return undefined;
    }
    const binary = resolution.resource as AnyBinary;
    data = binary.data ?? binary.content;
    contentType = contentType ?? binary.contentType;
    if (typeof data !== 'string') {
      linker.skip(document, 'warning', `Binary/${binary.id} holds no data; note skipped`);
      return undefined;
    }
  }

  const decoded = decodeNoteData(data, contentType, noteTextLimit);
  if (!decoded.ok) {
    linker.skip(document, 'error', `note text cannot be read: ${decoded.problem}; note skipped`);
    return undefined;
  }
  for (const warning of decoded.warnings) linker.issue(document, 'warning', warning);
  if (decoded.truncated) {
    linker.issue(
      document,
      'warning',
      `note text truncated to its first ${decoded.text.length} characters (source: ${data.length} base64 characters)`,
    );
  }
  return decoded.text;
}
