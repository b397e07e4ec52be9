import { matchColumns, templateHeaders } from '../../src/bulk/columns';
import { detectDelimiter, parseTable, toCsv } from '../../src/bulk/csv';
import { validateTable } from '../../src/bulk/validate';
import { loadCatalog } from '../../src/catalog';

const catalog = loadCatalog();

describe('parseTable', () => {
  it('reads CSV with quoted commas, newlines and escaped quotes, keeping start lines', () => {
    const table = parseTable('business id,location_name\r\n1,"Main, Street"\n2,"Two\nlines"\n3,"He said ""hi"""\n');
    expect(table.delimiter).toBe(',');
    expect(table.header).toEqual(['business id', 'location_name']);
    expect(table.rows).toEqual([
      { line: 2, cells: ['1', 'Main, Street'] },
      { line: 3, cells: ['2', 'Two\nlines'] },
      { line: 5, cells: ['3', 'He said "hi"'] },
    ]);
  });

  it('reads tab-separated text copied from a spreadsheet, commas staying inside cells', () => {
    const table = parseTable('Business ID\tAppointment status\n150051042500001\tChecked-Out, Billed\n\n');
    expect(table.delimiter).toBe('\t');
    expect(table.rows).toEqual([{ line: 2, cells: ['150051042500001', 'Checked-Out, Billed'] }]);
  });

  it('drops blank lines and a BOM, trims cells', () => {
    expect(parseTable('\uFEFFa,b\n\n  1 , 2 \n,\n').rows).toEqual([{ line: 3, cells: ['1', '2'] }]);
    expect(detectDelimiter('"a\tb",c\nx\ty')).toBe(',');
  });

  it('writes CSV that reads back the same, neutralising formulas', () => {
    const rows = [
      ['a', 'b,c', 'd"e', 'f\ng'],
      ['=cmd()', '-12', '1', ''],
    ];
    const back = parseTable(toCsv(rows));
    expect([back.header, ...back.rows.map((r) => r.cells)]).toEqual([rows[0], ["'=cmd()", '-12', '1', '']]);
  });
});

describe('matchColumns', () => {
  const carecloud = catalog.get('carecloud');
  it('matches business id spellings and property keys or labels, any case', () => {
    for (const id of ['business id', 'BusinessNumber', 'Business Number', 'location id']) {
      const matched = matchColumns([id, 'LOCATION NAME', 'appointment_status'], carecloud);
      expect(matched.ok).toBe(true);
      if (matched.ok)
        expect(matched.columns.properties.map((p) => p.property.key)).toEqual(['location_name', 'appointment_status']);
    }
  });
  it('names unknown headers and a missing business ID column', () => {
    const matched = matchColumns(['Location name', 'colour', 'size'], carecloud);
    expect(matched.ok).toBe(false);
    if (!matched.ok) {
      expect(matched.problems.join(' ')).toContain('Unknown columns "colour", "size"');
      expect(matched.problems.join(' ')).toContain('No business ID column');
    }
  });
  it('template headers are the location keys enterprise setups use', () => {
    expect(templateHeaders(catalog.get('cloud9-ortho'))).toEqual(['business id', 'location.code']);
  });
});

describe('validateTable', () => {
  const target = { crmId: 'carecloud', enterpriseId: '150051042499080', groupId: 1595 };
  it('reports problems by line and column, duplicates included', () => {
    const text =
      'business id,location name\n150051042500001,North\n12345,South\n150051042500001,Again\n150051042500002,\n';
    const result = validateTable(catalog, target, text);
    expect(result.valid.map((r) => r.line)).toEqual([2]);
    expect(result.invalidLines).toEqual([3, 4, 5]);
    expect(result.problems).toEqual([
      expect.objectContaining({
        line: 3,
        businessNumber: '12345',
        column: 'business id',
        message: expect.stringContaining('15-digit'),
      }),
      expect.objectContaining({
        line: 4,
        column: 'business id',
        message: expect.stringContaining('already on line 2'),
      }),
      expect.objectContaining({
        line: 5,
        column: 'location name',
        message: 'Location name is required for enterprise CareCloud setups',
      }),
    ]);
  });
  it('rejects an SMB-only CRM with the catalog note', () => {
    const result = validateTable(catalog, { ...target, crmId: 'cliniko' }, 'business id\n150051042500001\n');
    expect(result.tableProblems[0]).toContain(catalog.get('cliniko').accountTypeNote);
  });
});
