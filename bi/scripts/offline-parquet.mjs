// Makes Evidence read its own Parquet files without DuckDB's parquet extension.
//
// Evidence 40 keeps each source query's result as a Parquet file and reads it back with DuckDB-WASM
// (when `npm run sources` merges the batches, when `npm run build` prerenders the pages, and in the
// reader's browser). DuckDB-WASM 1.32 has no Parquet reader built in: it downloads the parquet
// extension from DuckDB's extension site on first use, which fails on a machine that reaches only
// the package registries (`evidence sources` then stops without a word). Evidence already ships
// parquet-wasm (it writes the Parquet batches with it), so this rewrites the three places that
// read Parquet to decode the file with parquet-wasm and load it into DuckDB as Arrow, which
// DuckDB-WASM reads without an extension; and a query with no rows is kept as an empty table (Evidence
// would keep the previous build's file, or none). Run after `npm ci` (make bi, the BI test); idempotent;
// fails loudly when an Evidence upgrade moved the code it rewrites (docs/bi.md).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const usql = path.join(root, 'node_modules', '@evidence-dev', 'universal-sql', 'src');
const MARK = '/* cj: offline-parquet */';
// parquet-wasm cannot turn a Parquet file without rows into Arrow: such a table is created from the
// column list Evidence writes beside it (<table>.schema.json)
const EMPTY_TABLE_SQL = `const emptyTableSql = (source, table, columns) => {
	const types = { number: 'DOUBLE', string: 'VARCHAR', date: 'TIMESTAMP', boolean: 'BOOLEAN' };
	const defs = columns.map((c) => '"' + c.name.replaceAll('"', '""') + '" ' + (types[c.evidenceType] ?? 'VARCHAR'));
	return 'CREATE TABLE "' + source + '"."' + table + '" (' + defs.join(', ') + ')';
};
const hasRows = (parquet) => {
	const first = parquet.recordBatch(0);
	first?.free();
	return first !== undefined;
};`;

const patches = [
	{
		file: 'build-parquet.js',
		edits: [
			{
				from: `	await initDB();

	const outputFilepath = path.join(outDir, outputFilename);`,
				to: `	${MARK}
	const outputFilepath = path.join(outDir, outputFilename);`
			},
			{
				from: `	await fs.mkdir(path.dirname(outputFilepath), { recursive: true });
	await query(copy);`,
				to: `	await fs.mkdir(path.dirname(outputFilepath), { recursive: true });
	void copy;
	if (tmpFilenames.length === 1) {
		await fs.copyFile(tmpFilenames[0], outputFilepath);
	} else {
		const { tableFromIPC: fromIPC, Table: ArrowTable } = await import('apache-arrow');
		const { readParquet } = await import('parquet-wasm/node/arrow1.js');
		const parts = [];
		for (const f of tmpFilenames) parts.push(fromIPC(readParquet(new Uint8Array(await fs.readFile(f))).intoIPCStream()));
		const merged = new ArrowTable(parts.flatMap((t) => t.batches));
		const props = new WriterPropertiesBuilder().setCompression(Compression.ZSTD).build();
		await fs.writeFile(outputFilepath, writeParquet(Table.fromIPCStream(tableToIPC(merged, 'stream')), props));
	}`
			},
			{
				// an empty result is written too (a Parquet file with the columns and no rows), so the
				// pages find an empty table, not last build's file or none
				from: `	if (currentBatch.length) await flush(currentBatch);

	if (!tmpFilenames.length) return 0;`,
				to: `	if (currentBatch.length || !tmpFilenames.length) await flush(currentBatch);`
			},
			{
				from: `	await emptyDbFs('*');

	fn_done();`,
				to: `	fn_done();`
			}
		]
	},
	{
		file: 'client-duckdb/node.js',
		edits: [
			{
				from: `			db.registerFileURL(
				file_name,
				url.split(pathDelimiterRegex).join(path.sep),
				DuckDBDataProtocol.NODE_FS,
				false
			);
			connection.query(
				\`CREATE OR REPLACE VIEW "\${source}"."\${table}" AS (SELECT * FROM read_parquet('\${file_name}'));\`
			);`,
				to: `			${MARK}
			void DuckDBDataProtocol;
			const file = url.split(pathDelimiterRegex).join(path.sep);
			const parquet = readParquet(new Uint8Array(readFileSync(file)));
			connection.query(\`DROP VIEW IF EXISTS "\${source}"."\${table}"\`);
			connection.query(\`DROP TABLE IF EXISTS "\${source}"."\${table}"\`);
			if (hasRows(parquet)) {
				connection.insertArrowFromIPCStream(parquet.intoIPCStream(), { schema: source, name: table, create: true });
			} else {
				const columns = JSON.parse(readFileSync(path.join(path.dirname(file), \`\${table}.schema.json\`), 'utf-8'));
				connection.query(emptyTableSql(source, table, columns));
			}`
			},
			{
				from: `import { withTimeout } from './both.js';`,
				to: `import { withTimeout } from './both.js';
import { readFileSync } from 'fs';
import { readParquet } from 'parquet-wasm/node/arrow1.js';
${EMPTY_TABLE_SQL}`
			}
		]
	},
	{
		file: 'client-duckdb/browser.js',
		edits: [
			{
				from: `				await db.registerFileURL(file_name, addBasePath(path), DuckDBDataProtocol.HTTP, false);
				await connection.query(
					\`CREATE OR REPLACE VIEW "\${source}"."\${table}" AS (SELECT * FROM read_parquet('\${file_name}'));\`
				);`,
				to: `				${MARK}
				void DuckDBDataProtocol;
				const response = await fetch(addBasePath(path));
				if (!response.ok) throw new Error(\`\${path}: HTTP \${response.status}\`);
				const parquet = (await parquetReader())(new Uint8Array(await response.arrayBuffer()));
				await connection.query(\`DROP VIEW IF EXISTS "\${source}"."\${table}"\`);
				await connection.query(\`DROP TABLE IF EXISTS "\${source}"."\${table}"\`);
				if (hasRows(parquet)) {
					await connection.insertArrowFromIPCStream(parquet.intoIPCStream(), { schema: source, name: table, create: true });
				} else {
					// no rows: the columns from the schema Evidence writes beside the file's hashed folder
					const schemaUrl = addBasePath(path).replace(/\\/[^/]+\\/[^/]+\\.parquet$/, \`/\${table}.schema.json\`);
					const columns = await (await fetch(schemaUrl)).json();
					await connection.query(emptyTableSql(source, table, columns));
				}`
			},
			{
				from: `export { tableFromIPC } from 'apache-arrow';`,
				to: `export { tableFromIPC } from 'apache-arrow';
import initParquetWasm, { readParquet } from 'parquet-wasm/esm/arrow1.js';
import parquetWasmUrl from 'parquet-wasm/esm/arrow1_bg.wasm?url';
${EMPTY_TABLE_SQL}
let parquetReady;
const parquetReader = async () => {
	parquetReady ??= initParquetWasm(parquetWasmUrl);
	await parquetReady;
	return readParquet;
};`
			}
		]
	}
];

let changed = 0;
for (const { file, edits } of patches) {
	const target = path.join(usql, file);
	let text = fs.readFileSync(target, 'utf-8');
	if (text.includes(MARK)) continue;
	for (const { from, to } of edits) {
		if (!text.includes(from)) {
			console.error(`offline-parquet: ${file} has changed (an Evidence upgrade?): cannot find\n${from}`);
			process.exit(1);
		}
		text = text.replace(from, to);
	}
	fs.writeFileSync(target, text);
	changed += 1;
}
console.log(changed ? `offline-parquet: patched ${changed} files of @evidence-dev/universal-sql` : 'offline-parquet: already patched');
