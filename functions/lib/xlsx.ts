/**
 * A small Excel (.xlsx, Office Open XML) workbook writer: the sheets, column widths, number
 * formats, a few cell styles (bold, size, colour, fill, bottom border), merged cells, a frozen
 * header, an autofilter, print titles and page setup — what the console's exports use, and no
 * more. It replaces exceljs in the exports function, whose bundle it was most of (~1 MB with
 * jszip, archiver and their streams); this writes the parts as strings and zips them with
 * node:zlib. Reading .xlsx files is left to the tests (they still check the output with exceljs).
 */
import { crc32, deflateRawSync } from 'node:zlib';

/** ARGB colours, e.g. `FF555555`, as Excel writes them. */
export interface CellStyle {
  bold?: boolean;
  /** Font size in points; 11 (Calibri, Excel's default) when absent. */
  size?: number;
  color?: string;
  /** A solid background. */
  fill?: string;
  /** A thin bottom border in this colour. */
  borderBottom?: string;
  /** An Excel number format code, e.g. `0.0%` or `yyyy-mm-dd hh:mm`. */
  numFmt?: string;
}

export type CellValue = string | number | boolean | Date | null | undefined;

/** A row with a style for each of its cells (a column's number format still applies). */
export interface StyledRow {
  cells: readonly CellValue[];
  style?: CellStyle;
}

/** 1-based, inclusive. */
export interface CellRange {
  top: number;
  left: number;
  bottom: number;
  right: number;
}

export interface WorksheetSpec {
  /** At most 31 characters, none of `[]:*?/\`: Excel refuses the file otherwise. */
  name: string;
  /** Widths in characters, as Excel's column width; a number format for the column's cells. */
  columns?: readonly { width?: number; numFmt?: string }[];
  /** Row 1 first; an empty row (no cells, or only blanks) is left out of the file. */
  rows: readonly (readonly CellValue[] | StyledRow)[];
  merges?: readonly CellRange[];
  /** Rows 1..n stay in view while the rest scrolls. */
  frozenRows?: number;
  autoFilter?: CellRange;
  /** Rows repeated at the top of every printed page. */
  printTitleRows?: { from: number; to: number };
  /** Paper size as Excel numbers it (9 is A4); fitToWidth prints every column on one page across. */
  page?: { paperSize?: number; landscape?: boolean; fitToWidth?: boolean };
}

export interface WorkbookSpec {
  sheets: readonly WorksheetSpec[];
  creator?: string;
  /** The document's creation time (and its zip entries' time stamps); now when absent. */
  created?: Date;
}

/** Dates with no number format of their own are shown like the console's times. */
const DATE_FORMAT = 'yyyy-mm-dd hh:mm';
/** Excel refuses a cell with more text than this. */
const MAX_TEXT = 32_767;
const MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const PKG_REL = 'http://schemas.openxmlformats.org/package/2006/relationships';
const XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

// Characters XML 1.0 does not allow, lone surrogates included (the `u` flag sees them as such):
// a control character pasted into a ticket title would otherwise make Excel refuse the file.
const ILLEGAL_XML = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Text for an XML element or a double-quoted attribute. */
export function xmlText(s: string): string {
  return s
    .replace(ILLEGAL_XML, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** 1 → A, 27 → AA. */
export function columnName(n: number): string {
  let s = '';
  for (let c = n; c > 0; c = Math.floor((c - 1) / 26)) s = String.fromCharCode(65 + ((c - 1) % 26)) + s;
  return s;
}

const ref = (row: number, col: number) => `${columnName(col)}${row}`;
const rangeRef = (r: CellRange) => `${ref(r.top, r.left)}:${ref(r.bottom, r.right)}`;
const absRangeRef = (r: CellRange) => `$${columnName(r.left)}$${r.top}:$${columnName(r.right)}$${r.bottom}`;
/** A sheet name in a formula: always quoted, a quote doubled. */
const sheetRef = (name: string) => `'${name.replace(/'/g, "''")}'`;

/** Excel's serial day number (1900 date system) of an instant, read as a wall clock in UTC. */
const serial = (d: Date) => d.getTime() / 86_400_000 + 25_569;

function checkName(name: string, seen: Set<string>): void {
  if (!name || name.length > 31 || /[[\]:*?/\\]/.test(name) || /^'|'$/.test(name))
    throw new Error(`invalid worksheet name: ${JSON.stringify(name)}`);
  const key = name.toLowerCase();
  if (seen.has(key)) throw new Error(`duplicate worksheet name: ${JSON.stringify(name)}`);
  seen.add(key);
}

/** Fonts, fills, borders, number formats and their combinations (cellXfs), each written once. */
class Styles {
  private readonly fonts = [''];
  private readonly fills = [
    '<fill><patternFill patternType="none"/></fill>',
    '<fill><patternFill patternType="gray125"/></fill>',
  ];
  private readonly borders = ['<border><left/><right/><top/><bottom/><diagonal/></border>'];
  private readonly numFmts: string[] = [];
  private readonly xfs = ['<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'];
  private readonly xfIds = new Map<string, number>([['{}', 0]]);
  /** The same style object asked again (a column's, for each of 20,000 rows) skips the key. */
  private readonly seen = new WeakMap<CellStyle, number>();

  constructor() {
    this.fonts[0] = this.font({});
  }

  private font(s: CellStyle): string {
    const color = s.color ? `<color rgb="${xmlText(s.color)}"/>` : '';
    return `<font>${s.bold ? '<b/>' : ''}<sz val="${s.size ?? 11}"/>${color}<name val="Calibri"/><family val="2"/><scheme val="minor"/></font>`;
  }

  /** The cellXfs index of a style; 0, the default, for none. */
  id(s: CellStyle | undefined): number {
    if (!s) return 0;
    const same = this.seen.get(s);
    if (same !== undefined) return same;
    const key = JSON.stringify(s, Object.keys(s).sort());
    const known = this.xfIds.get(key);
    if (known !== undefined) {
      this.seen.set(s, known);
      return known;
    }
    const index = (list: string[], xml: string) => {
      const at = list.indexOf(xml);
      return at >= 0 ? at : list.push(xml) - 1;
    };
    const fontId = s.bold || s.size || s.color ? index(this.fonts, this.font(s)) : 0;
    const fillId = s.fill
      ? index(
          this.fills,
          `<fill><patternFill patternType="solid"><fgColor rgb="${xmlText(s.fill)}"/></patternFill></fill>`,
        )
      : 0;
    const borderId = s.borderBottom
      ? index(
          this.borders,
          `<border><left/><right/><top/><bottom style="thin"><color rgb="${xmlText(s.borderBottom)}"/></bottom><diagonal/></border>`,
        )
      : 0;
    // Custom number formats are numbered from 164; the lower ids are Excel's built-in ones.
    const numFmtId = s.numFmt && s.numFmt !== 'General' ? 164 + index(this.numFmts, s.numFmt) : 0;
    const apply = [
      numFmtId ? ' applyNumberFormat="1"' : '',
      fontId ? ' applyFont="1"' : '',
      fillId ? ' applyFill="1"' : '',
      borderId ? ' applyBorder="1"' : '',
    ].join('');
    const id =
      this.xfs.push(
        `<xf numFmtId="${numFmtId}" fontId="${fontId}" fillId="${fillId}" borderId="${borderId}" xfId="0"${apply}/>`,
      ) - 1;
    this.xfIds.set(key, id);
    this.seen.set(s, id);
    return id;
  }

  xml(): string {
    const list = (tag: string, items: string[]) =>
      `<${tag} count="${items.length}">${items.join('')}</${tag}>`;
    const numFmts = this.numFmts.map((f, i) => `<numFmt numFmtId="${164 + i}" formatCode="${xmlText(f)}"/>`);
    return (
      `${XML_HEAD}<styleSheet xmlns="${MAIN}">` +
      (numFmts.length ? list('numFmts', numFmts) : '') +
      list('fonts', this.fonts) +
      list('fills', this.fills) +
      list('borders', this.borders) +
      '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
      list('cellXfs', this.xfs) +
      '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>' +
      '</styleSheet>'
    );
  }
}

/** Text cells point into one table of strings, as Excel itself writes them. */
class SharedStrings {
  private readonly index = new Map<string, number>();
  private count = 0;

  id(s: string): number {
    this.count++;
    const text = s.length > MAX_TEXT ? s.slice(0, MAX_TEXT) : s;
    let id = this.index.get(text);
    if (id === undefined) {
      id = this.index.size;
      this.index.set(text, id);
    }
    return id;
  }

  xml(): string {
    const items = [...this.index.keys()].map((s) => `<si><t xml:space="preserve">${xmlText(s)}</t></si>`);
    return `${XML_HEAD}<sst xmlns="${MAIN}" count="${this.count}" uniqueCount="${items.length}">${items.join('')}</sst>`;
  }
}

function cellXml(
  r: string,
  value: CellValue,
  style: CellStyle | undefined,
  styles: Styles,
  strings: SharedStrings,
) {
  let v = '';
  let t = '';
  let s = style;
  if (typeof value === 'string') {
    t = 's';
    v = String(strings.id(value));
  } else if (typeof value === 'number') {
    // NaN and ±Infinity have no place in a cell; the cell is left blank.
    if (Number.isFinite(value)) v = String(value);
  } else if (typeof value === 'boolean') {
    t = 'b';
    v = value ? '1' : '0';
  } else if (value instanceof Date) {
    if (!Number.isNaN(value.getTime())) v = String(serial(value));
    if (!s?.numFmt) s = { ...s, numFmt: DATE_FORMAT };
  }
  const sid = styles.id(s);
  if (!v && !sid) return '';
  return `<c r="${r}"${sid ? ` s="${sid}"` : ''}${t ? ` t="${t}"` : ''}${v ? `><v>${v}</v></c>` : '/>'}`;
}

function sheetXml(sheet: WorksheetSpec, index: number, styles: Styles, strings: SharedStrings): string {
  const columns = sheet.columns ?? [];
  const colStyles = columns.map((c) => (c.numFmt ? { numFmt: c.numFmt } : undefined));
  // Each cell's style: the row's look, in the column's number format unless the row has its own.
  // Worked out once per row style (most rows have none), not once per cell.
  const cellStyles = new Map<CellStyle | undefined, (CellStyle | undefined)[]>();
  const stylesFor = (style: CellStyle | undefined) => {
    let list = cellStyles.get(style);
    if (!list) {
      list = [];
      cellStyles.set(style, list);
    }
    return list;
  };
  const styleOf = (style: CellStyle | undefined, c: number) => {
    const list = stylesFor(style);
    if (!(c in list)) {
      const numFmt = style?.numFmt ?? colStyles[c]?.numFmt;
      list[c] = numFmt ? { ...style, numFmt } : style;
    }
    return list[c];
  };
  let lastRow = 0;
  let lastCol = 0;
  const rows: string[] = [];
  sheet.rows.forEach((row, i) => {
    const { cells, style } = Array.isArray(row)
      ? { cells: row as readonly CellValue[], style: undefined }
      : (row as StyledRow);
    const r = i + 1;
    const xml = cells
      .map((value, c) => {
        const cell = cellXml(ref(r, c + 1), value, styleOf(style, c), styles, strings);
        if (cell) lastCol = Math.max(lastCol, c + 1);
        return cell;
      })
      .join('');
    if (!xml) return;
    lastRow = r;
    rows.push(`<row r="${r}">${xml}</row>`);
  });

  const page = sheet.page;
  const frozen = sheet.frozenRows ?? 0;
  const top = ref(frozen + 1, 1);
  const pane = frozen
    ? `<pane ySplit="${frozen}" topLeftCell="${top}" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="${top}" sqref="${top}"/>`
    : '';
  const cols = columns
    .map((c, i) => {
      const style = colStyles[i] ? ` style="${styles.id(colStyles[i])}"` : '';
      const width = c.width === undefined ? '' : ` width="${c.width}" customWidth="1"`;
      return width || style
        ? `<col min="${i + 1}" max="${i + 1}"${width || ' width="9.140625"'}${style}/>`
        : '';
    })
    .join('');
  const merges = sheet.merges ?? [];
  const setup = page
    ? `<pageSetup${page.paperSize ? ` paperSize="${page.paperSize}"` : ''}${page.landscape ? ' orientation="landscape"' : ''}${page.fitToWidth ? ' fitToWidth="1" fitToHeight="0"' : ''}/>`
    : '';
  // The elements in the order the schema requires: Excel refuses a sheet whose parts are out of order.
  return (
    `${XML_HEAD}<worksheet xmlns="${MAIN}" xmlns:r="${REL}">` +
    (page?.fitToWidth ? '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>' : '') +
    `<dimension ref="${lastRow && lastCol ? `A1:${ref(lastRow, lastCol)}` : 'A1'}"/>` +
    `<sheetViews><sheetView${index === 0 ? ' tabSelected="1"' : ''} workbookViewId="0">${pane}</sheetView></sheetViews>` +
    '<sheetFormatPr defaultRowHeight="15"/>' +
    (cols ? `<cols>${cols}</cols>` : '') +
    `<sheetData>${rows.join('')}</sheetData>` +
    (sheet.autoFilter ? `<autoFilter ref="${rangeRef(sheet.autoFilter)}"/>` : '') +
    (merges.length
      ? `<mergeCells count="${merges.length}">${merges.map((m) => `<mergeCell ref="${rangeRef(m)}"/>`).join('')}</mergeCells>`
      : '') +
    '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>' +
    setup +
    '</worksheet>'
  );
}

function workbookXml(sheets: readonly WorksheetSpec[]): string {
  const names = sheets.flatMap((s, i) => [
    ...(s.autoFilter
      ? [
          `<definedName name="_xlnm._FilterDatabase" localSheetId="${i}" hidden="1">${xmlText(`${sheetRef(s.name)}!${absRangeRef(s.autoFilter)}`)}</definedName>`,
        ]
      : []),
    ...(s.printTitleRows
      ? [
          `<definedName name="_xlnm.Print_Titles" localSheetId="${i}">${xmlText(`${sheetRef(s.name)}!$${s.printTitleRows.from}:$${s.printTitleRows.to}`)}</definedName>`,
        ]
      : []),
  ]);
  return (
    `${XML_HEAD}<workbook xmlns="${MAIN}" xmlns:r="${REL}">` +
    '<bookViews><workbookView activeTab="0"/></bookViews>' +
    `<sheets>${sheets.map((s, i) => `<sheet name="${xmlText(s.name)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join('')}</sheets>` +
    (names.length ? `<definedNames>${names.join('')}</definedNames>` : '') +
    '</workbook>'
  );
}

const relationships = (rels: [string, string, string][]) =>
  `${XML_HEAD}<Relationships xmlns="${PKG_REL}">${rels.map(([id, type, target]) => `<Relationship Id="${id}" Type="${type}" Target="${target}"/>`).join('')}</Relationships>`;

/** The workbook as the bytes of an .xlsx file. */
export function writeXlsx(book: WorkbookSpec): Buffer {
  if (!book.sheets.length) throw new Error('a workbook needs at least one worksheet');
  const seen = new Set<string>();
  for (const s of book.sheets) checkName(s.name, seen);
  const created = book.created ?? new Date();
  const styles = new Styles();
  const strings = new SharedStrings();
  const sheets = book.sheets.map((s, i) => sheetXml(s, i, styles, strings));
  const n = sheets.length;
  const ct = 'application/vnd.openxmlformats-officedocument.spreadsheetml';
  const when = `${created.toISOString().slice(0, 19)}Z`;
  const files: [string, string][] = [
    [
      '[Content_Types].xml',
      `${XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
        '<Default Extension="xml" ContentType="application/xml"/>' +
        `<Override PartName="/xl/workbook.xml" ContentType="${ct}.sheet.main+xml"/>` +
        sheets
          .map(
            (_, i) =>
              `<Override PartName="/xl/worksheets/sheet${i + 1}.xml" ContentType="${ct}.worksheet+xml"/>`,
          )
          .join('') +
        `<Override PartName="/xl/styles.xml" ContentType="${ct}.styles+xml"/>` +
        `<Override PartName="/xl/sharedStrings.xml" ContentType="${ct}.sharedStrings+xml"/>` +
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>' +
        '</Types>',
    ],
    [
      '_rels/.rels',
      relationships([
        ['rId1', `${REL}/officeDocument`, 'xl/workbook.xml'],
        [
          'rId2',
          'http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties',
          'docProps/core.xml',
        ],
      ]),
    ],
    [
      'docProps/core.xml',
      `${XML_HEAD}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
        (book.creator ? `<dc:creator>${xmlText(book.creator)}</dc:creator>` : '') +
        `<dcterms:created xsi:type="dcterms:W3CDTF">${when}</dcterms:created>` +
        `<dcterms:modified xsi:type="dcterms:W3CDTF">${when}</dcterms:modified>` +
        '</cp:coreProperties>',
    ],
    ['xl/workbook.xml', workbookXml(book.sheets)],
    [
      'xl/_rels/workbook.xml.rels',
      relationships([
        ...sheets.map((_, i): [string, string, string] => [
          `rId${i + 1}`,
          `${REL}/worksheet`,
          `worksheets/sheet${i + 1}.xml`,
        ]),
        [`rId${n + 1}`, `${REL}/styles`, 'styles.xml'],
        [`rId${n + 2}`, `${REL}/sharedStrings`, 'sharedStrings.xml'],
      ]),
    ],
    ...sheets.map((xml, i): [string, string] => [`xl/worksheets/sheet${i + 1}.xml`, xml]),
    ['xl/styles.xml', styles.xml()],
    ['xl/sharedStrings.xml', strings.xml()],
  ];
  return zip(
    files.map(([name, text]) => ({ name, data: Buffer.from(text, 'utf8') })),
    created,
  );
}

/**
 * A zip archive of deflated entries: local headers, then the central directory and its end
 * record (APPNOTE 4.3). No zip64: an export is megabytes, far from its 4 GB limits. CRC-32 from
 * node:zlib (Node 22.2+; the functions run on nodejs22.x and package.json asks for ≥ 22.12).
 */
export function zip(files: readonly { name: string; data: Buffer }[], at: Date): Buffer {
  // MS-DOS date and time (two-second steps), in UTC: the archive has no time zone.
  const time = (at.getUTCHours() << 11) | (at.getUTCMinutes() << 5) | (at.getUTCSeconds() >> 1);
  const date =
    (Math.max(0, at.getUTCFullYear() - 1980) << 9) | ((at.getUTCMonth() + 1) << 5) | at.getUTCDate();
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const f of files) {
    const name = Buffer.from(f.name, 'utf8');
    const body = deflateRawSync(f.data);
    const crc = crc32(f.data);
    // The fields a local header and its central-directory entry share, from "version needed" on.
    const common = Buffer.alloc(26);
    common.writeUInt16LE(20, 0); // version needed: 2.0 (deflate)
    common.writeUInt16LE(0x0800, 2); // flags: names are UTF-8
    common.writeUInt16LE(8, 4); // method: deflate
    common.writeUInt16LE(time, 6);
    common.writeUInt16LE(date, 8);
    common.writeUInt32LE(crc, 10);
    common.writeUInt32LE(body.length, 14);
    common.writeUInt32LE(f.data.length, 18);
    common.writeUInt16LE(name.length, 22);
    common.writeUInt16LE(0, 24); // extra field length
    const local = Buffer.alloc(4);
    local.writeUInt32LE(0x04034b50, 0);
    parts.push(local, common, name, body);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(20, 4); // version made by
    common.copy(entry, 6);
    // comment length, disk number, internal and external attributes: zero
    entry.writeUInt32LE(offset, 42);
    central.push(entry, name);
    offset += 30 + name.length + body.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, directory, end]);
}
