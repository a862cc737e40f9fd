import { decodeBase64Prefix, decodeNoteData, htmlToText, parseContentType } from '../../src/fhir/notes';

const b64 = (text: string, encoding: BufferEncoding = 'utf8'): string => Buffer.from(text, encoding).toString('base64');

describe('decodeNoteData', () => {
  it('decodes base64 UTF-8 text/plain', () => {
    const result = decodeNoteData(b64('Café — 5 mg'), 'text/plain; charset=utf-8');
    expect(result).toEqual({ ok: true, text: 'Café — 5 mg', truncated: false, warnings: [] });
  });

  it('honours charset=iso-8859-1 and utf-16le', () => {
    const latin1 = decodeNoteData(b64('Café naïve', 'latin1'), 'text/plain; charset=ISO-8859-1');
    expect(latin1).toMatchObject({ ok: true, text: 'Café naïve' });
    // The same bytes read as UTF-8 would not give this text: the charset matters.
    expect(decodeNoteData(b64('Café naïve', 'latin1'), 'text/plain')).not.toMatchObject({ text: 'Café naïve' });
    const utf16 = decodeNoteData(b64('Dosis: 5 µg', 'utf16le'), 'text/plain;charset="utf-16le"');
    expect(utf16).toMatchObject({ ok: true, text: 'Dosis: 5 µg' });
  });

  it('reduces text/html to text', () => {
    const html =
      '<html><head><title>t</title><style>p{color:red}</style></head><body><h1>Plan</h1><p>Start &amp; titrate' +
      '&nbsp;metformin&#8230;</p><script>alert(1)</script><ul><li>BP &lt; 140</li><li>A1c &#x3C; 7</li></ul></body></html>';
    const result = decodeNoteData(b64(html), 'text/html; charset=utf-8');
    expect(result).toMatchObject({ ok: true, text: 'Plan\nStart & titrate metformin…\nBP < 140\nA1c < 7' });
  });

  it('rejects invalid base64 instead of decoding it to wrong text', () => {
    const result = decodeNoteData('SGVsbG8*gd29ybGQ=', 'text/plain');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem).toMatch(/invalid base64/);
    expect(decodeNoteData('SGVsbG8', 'text/plain').ok).toBe(true);
    expect(decodeNoteData('SGVsb', 'text/plain').ok).toBe(false);
  });

  it('accepts line-wrapped base64', () => {
    const wrapped = b64('a fairly long note that will be wrapped over several lines of base64 text').replace(/(.{16})/g, '$1\r\n');
    expect(decodeNoteData(wrapped, 'text/plain')).toMatchObject({ ok: true, text: expect.stringContaining('several lines') });
  });

  it('refuses non-text content types', () => {
    const result = decodeNoteData(b64('%PDF-1.4'), 'application/pdf');
    expect(result.ok).toBe(false);
  });

  it('caps long notes at the limit and says so', () => {
    const result = decodeNoteData(b64('x'.repeat(5000)), 'text/plain', 1000);
    expect(result).toMatchObject({ ok: true, truncated: true });
    if (result.ok) expect(result.text).toBe('x'.repeat(1000));
  });

  it('decodes only the prefix it keeps of a huge attachment', () => {
    const huge = 'QUJD'.repeat(12_500_000); // 50 MB of base64 ("ABC" repeated)
    const result = decodeNoteData(huge, 'text/plain', 64 * 1024);
    expect(result).toMatchObject({ ok: true, truncated: true });
    if (result.ok) expect(result.text.length).toBe(64 * 1024);
  });
});

describe('decodeBase64Prefix', () => {
  it('reports completeness', () => {
    expect(decodeBase64Prefix(b64('hello'), 100)).toMatchObject({ ok: true, complete: true });
    const partial = decodeBase64Prefix(b64('hello world, hello world'), 6);
    expect(partial).toMatchObject({ ok: true, complete: false });
    if (partial.ok) expect(partial.bytes.toString()).toBe('hello ');
  });
});

describe('parseContentType / htmlToText', () => {
  it('parses media type and charset', () => {
    expect(parseContentType('Text/HTML; Charset="ISO-8859-1"')).toEqual({ mediaType: 'text/html', charset: 'iso-8859-1' });
    expect(parseContentType(undefined)).toEqual({});
  });

  it('turns table cells and line breaks into readable text', () => {
    expect(htmlToText('<table><tr><td>Na</td><td>140</td></tr><tr><td>K</td><td>4.1</td></tr></table>line1<br/>line2'))
      .toBe('Na 140\nK 4.1\nline1\nline2');
  });
});
