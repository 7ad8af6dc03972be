/**
 * The exports' own .xlsx writer, read back with exceljs (what the files were written with before,
 * and a reader much like Excel's): values keep their types, columns their widths and number
 * formats, the header its look, text its XML specials and Chinese; several sheets make one valid
 * archive whose every entry inflates to its CRC-32.
 */
import { crc32, inflateRawSync } from 'node:zlib';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { type Sheet, toXlsx } from '../../functions/api/export-sheets';
import { columnName, writeXlsx, xmlText } from '../../functions/lib/xlsx';

async function read(bytes: Buffer): Promise<ExcelJS.Workbook> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(bytes as unknown as ArrayBuffer);
  return book;
}

/** Walks the local file headers: every entry's name, and its data checked against its CRC-32. */
function entries(zip: Buffer): string[] {
  const names: string[] = [];
  let at = 0;
  while (zip.readUInt32LE(at) === 0x04034b50) {
    const size = zip.readUInt32LE(at + 18);
    const nameLength = zip.readUInt16LE(at + 26);
    const extra = zip.readUInt16LE(at + 28);
    const name = zip.subarray(at + 30, at + 30 + nameLength).toString('utf8');
    const start = at + 30 + nameLength + extra;
    const data = inflateRawSync(zip.subarray(start, start + size));
    expect(data.length, name).toBe(zip.readUInt32LE(at + 22));
    expect(crc32(data), name).toBe(zip.readUInt32LE(at + 14));
    names.push(name);
    at = start + size;
  }
  expect(zip.readUInt32LE(zip.length - 22)).toBe(0x06054b50);
  expect(zip.readUInt16LE(zip.length - 12)).toBe(names.length);
  return names;
}

describe('xlsx writer', () => {
  const created = new Date('2026-10-12T01:30:00Z');
  const due = new Date('2026-10-08T09:30:00Z');

  it('writes values with their types, widths, number formats, styles and escaped Chinese text', async () => {
    const bytes = writeXlsx({
      creator: 'Whistle Dispatch',
      created,
      sheets: [
        {
          name: '超时单位',
          columns: [{ width: 30 }, { width: 9, numFmt: '0.0%' }, { width: 17 }, { width: 8 }],
          rows: [
            { cells: ['标题 <&> "quoted" \'single\''], style: { bold: true, size: 14 } },
            { cells: ['筛选条件: 无（全部）'], style: { color: 'FF555555' } },
            [],
            {
              cells: ['承办单位 / 街道', '响应率', '时限', '超时'],
              style: { bold: true, fill: 'FFEEF2F7', borderBottom: 'FF999999' },
            },
            ['来龙门街道办事处 & <城管>', 0.875, due, 3],
            ['  leading and trailing spaces  ', null, 'text, not a date', true],
            ['control\u0001 chars\uFFFE gone\uD800, 😀 kept', Number.NaN, undefined, -1.5],
          ],
          merges: [
            { top: 1, left: 1, bottom: 1, right: 4 },
            { top: 2, left: 1, bottom: 2, right: 4 },
          ],
          frozenRows: 4,
          autoFilter: { top: 4, left: 1, bottom: 7, right: 4 },
          printTitleRows: { from: 4, to: 4 },
          page: { paperSize: 9, landscape: true, fitToWidth: true },
        },
      ],
    });
    expect([...bytes.subarray(0, 4)]).toEqual([0x50, 0x4b, 0x03, 0x04]);

    const book = await read(bytes);
    expect(book.creator).toBe('Whistle Dispatch');
    expect(book.created).toEqual(created);
    const ws = book.getWorksheet('超时单位') as ExcelJS.Worksheet;
    expect(ws.rowCount).toBe(7);
    expect(ws.columns.map((c) => c.width)).toEqual([30, 9, 17, 8]);

    const title = ws.getCell('A1');
    expect(title.value).toBe('标题 <&> "quoted" \'single\'');
    expect(title.font).toMatchObject({ bold: true, size: 14 });
    expect(ws.getCell('D1').isMerged).toBe(true);
    expect(ws.getCell('A2').font?.color).toEqual({ argb: 'FF555555' });
    expect(ws.getRow(3).cellCount).toBe(0);

    expect((ws.getRow(4).values as unknown[]).slice(1)).toEqual([
      '承办单位 / 街道',
      '响应率',
      '时限',
      '超时',
    ]);
    for (const cell of ['A4', 'B4', 'C4', 'D4'].map((a) => ws.getCell(a))) {
      expect(cell.font).toMatchObject({ bold: true });
      expect(cell.fill).toMatchObject({ type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFEEF2F7' } });
      expect(cell.border?.bottom).toEqual({ style: 'thin', color: { argb: 'FF999999' } });
    }

    expect(ws.getCell('A5').value).toBe('来龙门街道办事处 & <城管>');
    expect(ws.getCell('B5').value).toBe(0.875);
    expect(ws.getCell('B5').type).toBe(ExcelJS.ValueType.Number);
    expect(ws.getCell('B5').numFmt).toBe('0.0%');
    expect(ws.getCell('C5').value).toEqual(due);
    expect(ws.getCell('C5').type).toBe(ExcelJS.ValueType.Date);
    expect(ws.getCell('C5').numFmt).toBe('yyyy-mm-dd hh:mm');
    expect(ws.getCell('D5').value).toBe(3);
    expect(ws.getCell('D5').type).toBe(ExcelJS.ValueType.Number);

    expect(ws.getCell('A6').value).toBe('  leading and trailing spaces  ');
    expect(ws.getCell('B6').value).toBeNull();
    expect(ws.getCell('C6').value).toBe('text, not a date');
    expect(ws.getCell('D6').value).toBe(true);

    expect(ws.getCell('A7').value).toBe('control chars gone, 😀 kept');
    expect(ws.getCell('B7').value).toBeNull(); // NaN: left blank
    expect(ws.getCell('D7').value).toBe(-1.5);

    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 4, topLeftCell: 'A5' });
    expect(ws.autoFilter).toBe('A4:D7');
    expect(ws.pageSetup).toMatchObject({
      printTitlesRow: '4:4',
      paperSize: 9,
      orientation: 'landscape',
      fitToPage: true,
      fitToWidth: 1,
      fitToHeight: 0,
    });
  });

  it('zips several sheets into one valid workbook, each sheet its own rows', async () => {
    const names = ['Tickets', '工单', "Bob's list"];
    const bytes = writeXlsx({
      created,
      sheets: names.map((name, i) => ({
        name,
        columns: [{ width: 12 + i }, { width: 10 }],
        rows: [
          [name, i],
          ['shared text', i * 10],
        ],
        frozenRows: 1,
        printTitleRows: { from: 1, to: 1 },
      })),
    });
    expect(entries(bytes)).toEqual([
      '[Content_Types].xml',
      '_rels/.rels',
      'docProps/core.xml',
      'xl/workbook.xml',
      'xl/_rels/workbook.xml.rels',
      'xl/worksheets/sheet1.xml',
      'xl/worksheets/sheet2.xml',
      'xl/worksheets/sheet3.xml',
      'xl/styles.xml',
      'xl/sharedStrings.xml',
    ]);
    const book = await read(bytes);
    expect(book.worksheets.map((w) => w.name)).toEqual(names);
    book.worksheets.forEach((ws, i) => {
      expect((ws.getRow(1).values as unknown[]).slice(1)).toEqual([names[i], i]);
      expect((ws.getRow(2).values as unknown[]).slice(1)).toEqual(['shared text', i * 10]);
      expect(ws.getColumn(1).width).toBe(12 + i);
      expect(ws.pageSetup.printTitlesRow).toBe('1:1');
    });
  });

  it('refuses names Excel refuses', () => {
    const sheet = (name: string) => ({ name, rows: [] });
    expect(() => writeXlsx({ sheets: [] })).toThrow(/at least one/);
    expect(() => writeXlsx({ sheets: [sheet('a/b')] })).toThrow(/invalid worksheet name/);
    expect(() => writeXlsx({ sheets: [sheet('x'.repeat(32))] })).toThrow(/invalid worksheet name/);
    expect(() => writeXlsx({ sheets: [sheet('Sheet'), sheet('sheet')] })).toThrow(/duplicate/);
  });

  it('names columns and escapes text as Excel and XML expect', () => {
    expect([1, 26, 27, 52, 703].map(columnName)).toEqual(['A', 'Z', 'AA', 'AZ', 'AAA']);
    expect(xmlText('<a href="x">&</a>\u0000\u000B')).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;');
  });
});

describe('toXlsx (the exports)', () => {
  const sheet: Sheet = {
    name: '排名',
    title: '承办单位三率排名',
    lines: ['统计期间: 2026-09-01 00:00 – 2026-09-30 23:59', '导出时间: 2026-10-12 09:30'],
    columns: [
      { header: '名次', width: 6, kind: 'number' },
      { header: '承办单位', width: 32 },
      { header: '响应率', width: 9, kind: 'percent' },
      { header: '时限', width: 17, kind: 'time' },
    ],
    rows: [[1, '城管执法中队', 0.9, '2026-10-08 17:30'], [2, '派出所', null, ''], [], ['合计', '', 0.45, '']],
  };

  it('lays out title, filter lines, a blank row, the frozen and filtered header, then the rows', async () => {
    const book = await read(toXlsx(sheet, new Date('2026-10-12T01:30:00Z')));
    const ws = book.worksheets[0] as ExcelJS.Worksheet;
    expect(ws.name).toBe('排名');
    expect(book.creator).toBe('Whistle Dispatch');
    const text = (r: number) => (ws.getRow(r).values as unknown[]).slice(1);
    expect(ws.getCell('A1').value).toBe('承办单位三率排名');
    expect(ws.getCell('A1').font).toMatchObject({ bold: true, size: 14 });
    expect(ws.getCell('D1').isMerged).toBe(true);
    expect(ws.getCell('A3').value).toBe('导出时间: 2026-10-12 09:30');
    expect(ws.getCell('A3').font?.color).toEqual({ argb: 'FF555555' });
    expect(ws.getRow(4).cellCount).toBe(0);
    expect(text(5)).toEqual(['名次', '承办单位', '响应率', '时限']);
    expect(ws.getCell('C5').font).toMatchObject({ bold: true });
    expect(text(6)).toEqual([1, '城管执法中队', 0.9, '2026-10-08 17:30']);
    expect(ws.getCell('C6').numFmt).toBe('0.0%');
    expect(ws.getCell('A6').numFmt).toBeUndefined();
    expect(ws.getCell('B7').value).toBe('派出所');
    expect(text(9)).toEqual(['合计', '', 0.45, '']);
    expect(ws.columns.map((c) => c.width)).toEqual([6, 32, 9, 17]);
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 5 });
    expect(ws.autoFilter).toBe('A5:D9');
    expect(ws.pageSetup).toMatchObject({ printTitlesRow: '5:5', orientation: 'landscape', paperSize: 9 });
  });

  it('has no autofilter over an empty list', async () => {
    const book = await read(toXlsx({ ...sheet, rows: [] }));
    const ws = book.worksheets[0] as ExcelJS.Worksheet;
    expect(ws.autoFilter).toBeUndefined();
    expect(ws.rowCount).toBe(5);
  });
});
